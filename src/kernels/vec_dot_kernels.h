// Tables of dot-product kernels per instruction set (internal to the kernels module).
#pragma once

#include <cstdint>

#include "core/ggml_type.h"

namespace ruvllm::kernels::detail {

// sum over n elements of weight row w times activation row x (already in vec_dot_type).
using VecDotFn = float (*)(int64_t n, const void* w, const void* x);

// Computes `rows` dot products of consecutive weight rows (w, w + w_stride, ...) with one
// activation row: y[r] = dot(row r, x). SIMD sets use it to share activation loads across rows.
using VecDotRowsFn = void (*)(int64_t n, const void* w, size_t w_stride, int rows, const void* x,
                              float* y);

struct DotKernel {
  VecDotFn dot = nullptr;
  VecDotRowsFn dot_rows = nullptr;  // may be null: callers fall back to `dot`
};

// Portable kernels; `dot` is null for unsupported weight types.
DotKernel scalar_dot_kernel(GgmlType weight_type);
// AVX2 + FMA + F16C kernels (defined in vec_dot_avx2.cpp); null entries where none exists.
DotKernel avx2_dot_kernel(GgmlType weight_type);

// The kernel of the best instruction set allowed by isa_level().
DotKernel best_dot_kernel(GgmlType weight_type);

}  // namespace ruvllm::kernels::detail
