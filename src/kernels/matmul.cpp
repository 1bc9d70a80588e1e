#include "kernels/matmul.h"

#include <algorithm>
#include <string>
#include <vector>

#include "core/error.h"
#include "kernels/dequantize.h"
#include "kernels/quantize.h"
#include "kernels/vec_dot.h"
#include "kernels/vec_dot_kernels.h"

namespace ruvllm::kernels {
namespace {

// Weight rows per tile: a tile (about 32 KiB, so it stays in L1/L2) is multiplied with every
// batch row before moving on, so batched calls read each weight byte from memory once.
constexpr size_t kTileBytes = 32 * 1024;
constexpr int64_t kMaxTileRows = 64;
// Batches at least this large quantize their activations on all threads.
constexpr int64_t kParallelQuantizeRows = 8;

int64_t tile_rows(const WeightView& w) {
  const int64_t by_bytes = int64_t(kTileBytes / std::max<size_t>(w.row_stride, 1));
  return std::clamp<int64_t>(by_bytes, 1, kMaxTileRows);
}

void check_shapes(const WeightView& w, GgmlType act_type) {
  const int64_t need = std::max(ggml_traits(w.type).block_size, ggml_traits(act_type).block_size);
  if (w.cols % need != 0)
    throw UnsupportedError("matmul: row length " + std::to_string(w.cols) + " of a " +
                           std::string(ggml_type_name(w.type)) + " matrix is not a multiple of " +
                           std::to_string(need));
  if (w.row_stride < ggml_row_size(w.type, w.cols))
    throw Error("matmul: row stride smaller than a row");
}

// Converted activations of the calling thread, reused across calls.
std::vector<uint8_t>& activation_scratch() {
  thread_local std::vector<uint8_t> buffer;
  return buffer;
}

}  // namespace

bool can_matmul(GgmlType type) {
  return can_vec_dot(type);
}

void get_row(const WeightView& w, int64_t r, float* dst) {
  if (r < 0 || r >= w.rows)
    throw Error("get_row: row " + std::to_string(r) + " outside [0, " + std::to_string(w.rows) +
                ")");
  dequantize_row(w.type, w.row(r), dst, w.cols);
}

void matmul(const WeightView& w, const float* x, int64_t n_batch, float* y, ThreadPool* pool) {
  if (!can_matmul(w.type))
    throw UnsupportedError("no matmul kernel for tensor type " +
                           std::string(ggml_type_name(w.type)));
  if (n_batch <= 0 || w.rows <= 0) return;
  const GgmlType act_type = vec_dot_type(w.type);
  check_shapes(w, act_type);

  // Convert the activations once per call; F32 weights use them as they are.
  const size_t act_row_bytes = ggml_row_size(act_type, w.cols);
  const uint8_t* act = reinterpret_cast<const uint8_t*>(x);
  if (act_type != GgmlType::F32) {
    auto& scratch = activation_scratch();
    if (scratch.size() < act_row_bytes * size_t(n_batch))
      scratch.resize(act_row_bytes * size_t(n_batch));
    uint8_t* dst = scratch.data();
    auto convert = [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b)
        quantize_row(act_type, x + b * w.cols, dst + size_t(b) * act_row_bytes, w.cols);
    };
    if (pool && n_batch >= kParallelQuantizeRows)
      pool->parallel_for(n_batch, convert);
    else
      convert(0, n_batch);
    act = dst;
  }

  const detail::DotKernel kernel = detail::best_dot_kernel(w.type);
  // Tiles of tile_rows weight rows x up to tile_cols activation rows (1 x 1 dot products when
  // the kernel has no tile function); matrix-vector products use matvec_rows x 1.
  const int kw = !kernel.tile ? 1 : n_batch == 1 ? kernel.matvec_rows : kernel.tile_rows;
  const int kx = kernel.tile ? kernel.tile_cols : 1;
  const int64_t cache_tile = std::max<int64_t>(kw, tile_rows(w) / kw * kw);
  auto run_tile = [&](int64_t r, int nw, int64_t b0, int nx) {
    const uint8_t* xb = act + size_t(b0) * act_row_bytes;
    float* yb = y + b0 * w.rows + r;
    if (kernel.tile) {
      kernel.tile(w.cols, w.row(r), w.row_stride, nw, xb, act_row_bytes, nx, yb, size_t(w.rows));
      return;
    }
    for (int j = 0; j < nx; ++j)
      for (int i = 0; i < nw; ++i)
        yb[j * w.rows + i] = kernel.dot(w.cols, w.row(r + i), xb + size_t(j) * act_row_bytes);
  };
  // Rows [r0, r1) in cache tiles: each tile (about 32 KiB) meets every activation row before
  // the next tile is read, so batched calls read each weight byte from memory once.
  auto work = [&](int64_t r0, int64_t r1) {
    for (int64_t t0 = r0; t0 < r1; t0 += cache_tile) {
      const int64_t t1 = std::min(t0 + cache_tile, r1);
      for (int64_t b0 = 0; b0 < n_batch; b0 += kx) {
        const int nx = int(std::min<int64_t>(kx, n_batch - b0));
        for (int64_t r = t0; r < t1; r += kw)
          run_tile(r, int(std::min<int64_t>(kw, t1 - r)), b0, nx);
      }
    }
  };
  // Threads split the rows in whole tiles.
  const int64_t groups = (w.rows + kw - 1) / kw;
  if (pool)
    pool->parallel_for(groups,
                       [&](int64_t g0, int64_t g1) { work(g0 * kw, std::min(g1 * kw, w.rows)); });
  else
    work(0, w.rows);
}

}  // namespace ruvllm::kernels
