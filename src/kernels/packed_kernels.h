// Kernels for repacked weights (internal to the kernels module; layouts in packed_weights.h).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/matmul.h"
#include "kernels/vec_dot_kernels.h"

namespace ruvllm::kernels::detail {

inline constexpr int kPackedGroupRows = 16;  // rows per group of WeightPacking::Rows16
inline constexpr int kPackedMaxCols = 8;     // activation rows per call, at most

// Byte offsets inside one packed block of a group (packed_weights.h), shared by the packer and
// the kernels. Every block starts with the 16 rows' F16 scales (d).
namespace rows16 {
inline constexpr size_t kScaleBytes = 2 * kPackedGroupRows;
// Q5_0: eight 64-bit masks of fifth bits after the scales, then the nibble bytes.
inline constexpr size_t kQ5_0Masks = kScaleBytes;
inline constexpr size_t kQ5_0Nibbles = kQ5_0Masks + 8 * sizeof(uint64_t);
// Q4_K super-block: d, dmin, 8 sub-blocks' scales (a byte per row), mins as byte pairs per row
// (4 x 32 bytes), then 4 x 512 nibble bytes (per 64 elements, 8 registers of 64 bytes).
inline constexpr size_t kQ4KDmin = kScaleBytes;
inline constexpr size_t kQ4KScales = kQ4KDmin + kScaleBytes;
inline constexpr size_t kQ4KMins = kQ4KScales + 8 * kPackedGroupRows;
inline constexpr size_t kQ4KValues = kQ4KMins + 4 * 2 * kPackedGroupRows;
inline constexpr size_t kQ4KBytes = kQ4KValues + kPackedGroupRows * 128;
// Q6_K super-block: d, 16 sub-blocks' signed scales (a byte per row), then per sub-block two
// registers of nibbles and one of high bit pairs.
inline constexpr size_t kQ6KScales = kScaleBytes;
inline constexpr size_t kQ6KValues = kQ6KScales + 16 * kPackedGroupRows;
inline constexpr size_t kQ6KSubBlockBytes = 3 * 64;
inline constexpr size_t kQ6KBytes = kQ6KValues + 16 * kQ6KSubBlockBytes;
}  // namespace rows16

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
