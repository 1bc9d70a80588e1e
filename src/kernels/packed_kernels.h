// Kernels for repacked weights (internal to the kernels module; layouts in packed_weights.h).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/matmul.h"
#include "kernels/vec_dot_kernels.h"

namespace ruvllm::kernels::detail {

inline constexpr int kPackedGroupRows = 16;  // rows per group of WeightPacking::Rows16
inline constexpr int kPackedMaxCols = 8;     // activation rows per call, at most

// Bytes of one group of 16 rows of `cols` elements (16 file rows' worth).
size_t packed_group_bytes(GgmlType type, int64_t cols);

// The dot products of one packed row group with n_x <= max_cols prepared activation rows
// (x, x + x_stride, ...): y[j * y_stride + i] = dot(row i of the group, activation row j) for the
// group's first n_rows rows. The float steps of a (row, activation row) product are the same for
// every n_x, so a row's result does not depend on the batch it was computed in.
using PackedGroupFn = void (*)(int64_t n, const void* group, const void* x, size_t x_stride,
                               int n_x, float* y, size_t y_stride, int n_rows);

struct PackedKernel {
  PackedGroupFn group = nullptr;  // null: no kernel for this type and packing
  int max_cols = kPackedMaxCols;  // n_x of a call, at most
  // Activations are prepared from vec_dot_type rows, as DotKernel::prepare does.
  PreparedBytesFn prepared_bytes = nullptr;
  PrepareFn prepare = nullptr;
};

// AVX-512 VNNI kernels (packed_gemm_avx512.cpp).
PackedKernel avx512_packed_kernel(GgmlType type, WeightPacking packing);

// The kernel for the instruction set allowed by isa_level(); null `group` when there is none.
PackedKernel best_packed_kernel(GgmlType type, WeightPacking packing);

}  // namespace ruvllm::kernels::detail
