// Tables of dot-product kernels per instruction set (internal to the kernels module).
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/ggml_type.h"

namespace ruvllm::kernels::detail {

// sum over n elements of weight row w times activation row x (already in vec_dot_type).
using VecDotFn = float (*)(int64_t n, const void* w, const void* x);

// Dot products of a tile of n_w <= kMaxTileRows weight rows (w, w + w_stride, ...) with
// n_x activation rows (x, x + x_stride, ...), n_x <= tile_cols (or small_batch_cols, below):
//   y[j * y_stride + i] = dot(weight row i, activation row j).
// Matmul walks the matrix in such tiles, so each weight block is unpacked once for n_x
// activation rows and each activation block is loaded once for n_w weight rows.
inline constexpr int kMaxTileRows = 4;
inline constexpr int kMaxTileCols = 8;
using VecDotTileFn = void (*)(int64_t n, const void* w, size_t w_stride, int n_w, const void* x,
                              size_t x_stride, int n_x, float* y, size_t y_stride);

// A kernel may read its activation rows in a layout of its own, made once per row from
// vec_dot_type blocks: work that depends on the activations alone (biasing, reordering, spreading
// scales) is then done once per matmul input instead of once per weight row.
//   prepared_bytes(n): the size of one prepared row of n elements;
//   prepare(n, x, out): prepares the vec_dot_type row x into out.
// Matrix-vector products of kernels that stream one weight row at a time (matvec_rows == 1):
// y[i] = dot(weight row i, x) for the n_w rows w, w + w_stride, ... in turn, one call for a run
// of rows instead of one call per row.
using VecDotRowsFn = void (*)(int64_t n, const void* w, size_t w_stride, int64_t n_w, const void* x,
                              float* y);

using PreparedBytesFn = size_t (*)(int64_t n);
using PrepareFn = void (*)(int64_t n, const void* x, void* out);

struct DotKernel {
  VecDotFn dot = nullptr;       // reads vec_dot_type activations, always
  VecDotTileFn tile = nullptr;  // may be null: callers fall back to `dot`
  // The tile shape that runs best for batches, and the weight rows per tile of a
  // matrix-vector product (n_x = 1).
  int tile_rows = 1;
  int tile_cols = 1;
  int matvec_rows = 1;
  VecDotRowsFn rows = nullptr;  // optional, with matvec_rows == 1; reads what `tile` reads
  // > 0: batches of 2 to small_batch_cols rows run as tiles of one weight row times all of them
  // (tile accepts n_x up to small_batch_cols then).
  int small_batch_cols = 0;
  // Both null, or both set together with `tile`, which then reads prepared rows.
  PreparedBytesFn prepared_bytes = nullptr;
  PrepareFn prepare = nullptr;
};

// Portable kernels; `dot` is null for unsupported weight types.
DotKernel scalar_dot_kernel(GgmlType weight_type);
// AVX2 + FMA + F16C kernels (vec_dot_avx2.cpp); null entries where none exists.
DotKernel avx2_dot_kernel(GgmlType weight_type);
// The same kernels with AVX-512 VL/BW/VNNI byte products, and 512-bit kernels for the 32-element
// block types (vec_dot_avx512.cpp).
DotKernel avx512_dot_kernel(GgmlType weight_type);
// Q4_0 four blocks per step, for CPUs that also have AVX-512 VBMI
// (vec_dot_quads_avx512vbmi.cpp); null entries for other types.
DotKernel avx512_quad_kernel(GgmlType weight_type);

// The kernel of the best instruction set allowed by isa_level().
DotKernel best_dot_kernel(GgmlType weight_type);

}  // namespace ruvllm::kernels::detail
