// Tables of dot-product kernels per instruction set (internal to the kernels module).
#pragma once

#include <cstdint>

#include "core/ggml_type.h"

namespace ruvllm::kernels::detail {

// sum over n elements of weight row w times activation row x (already in vec_dot_type).
using VecDotFn = float (*)(int64_t n, const void* w, const void* x);

// Dot products of one weight row with n_x <= kMaxBatchDot activation rows (x, x + x_stride,
// ...): y[j * y_stride] = dot(w, row j). Batched matmul uses it so each weight block is unpacked
// once for several activation rows.
inline constexpr int kMaxBatchDot = 4;
using VecDotBatchFn = void (*)(int64_t n, const void* w, const void* x, size_t x_stride, int n_x,
                               float* y, size_t y_stride);

struct DotKernel {
  VecDotFn dot = nullptr;
  VecDotBatchFn dot_batch = nullptr;  // may be null: callers fall back to `dot`
};

// Portable kernels; `dot` is null for unsupported weight types.
DotKernel scalar_dot_kernel(GgmlType weight_type);
// AVX2 + FMA + F16C kernels (defined in vec_dot_avx2.cpp); null entries where none exists.
DotKernel avx2_dot_kernel(GgmlType weight_type);

// The kernel of the best instruction set allowed by isa_level().
DotKernel best_dot_kernel(GgmlType weight_type);

}  // namespace ruvllm::kernels::detail
