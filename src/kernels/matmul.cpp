#include "kernels/matmul.h"

#include <algorithm>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"
#include "kernels/dequantize.h"
#include "kernels/packed_kernels.h"
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
// Products per matmul_shared call.
constexpr int kMaxShared = 8;

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

// Converted activations of the calling thread, reused across calls; one buffer per activation
// type of a matmul_shared call.
std::vector<uint8_t>& activation_scratch(int slot) {
  thread_local std::vector<uint8_t> buffers[kMaxShared];
  return buffers[slot];
}

// How a kernel reads its activation rows (DotKernel / PackedKernel::prepare).
struct Layout {
  detail::PreparedBytesFn prepared_bytes = nullptr;
  detail::PrepareFn prepare = nullptr;
};

// The activations converted to act_type (F32 weights use x as it is), then to the kernel's own
// layout when it has one (`prepare`).
const uint8_t* convert_activations(GgmlType act_type, const Layout& layout, const float* x,
                                   int64_t cols, int64_t n_batch, int slot, ThreadPool* pool) {
  if (act_type == GgmlType::F32 && !layout.prepare) return reinterpret_cast<const uint8_t*>(x);
  const size_t row_bytes = ggml_row_size(act_type, cols);
  const size_t out_bytes = layout.prepare ? layout.prepared_bytes(cols) : row_bytes;
  auto& scratch = activation_scratch(slot);
  if (scratch.size() < out_bytes * size_t(n_batch)) scratch.resize(out_bytes * size_t(n_batch));
  uint8_t* dst = scratch.data();
  auto convert = [&](int64_t b0, int64_t b1) {
    thread_local std::vector<uint8_t> row;
    if (layout.prepare && row.size() < row_bytes) row.resize(row_bytes);
    for (int64_t b = b0; b < b1; ++b) {
      uint8_t* out = dst + size_t(b) * out_bytes;
      if (!layout.prepare) {
        quantize_row(act_type, x + b * cols, out, cols);
        continue;
      }
      quantize_row(act_type, x + b * cols, row.data(), cols);
      layout.prepare(cols, row.data(), out);
    }
  };
  if (pool && n_batch >= kParallelQuantizeRows)
    pool->parallel_for(n_batch, convert);
  else
    convert(0, n_batch);
  return dst;
}

// One product's kernel, tile shape and converted activations.
struct Product {
  const WeightView* w = nullptr;
  float* y = nullptr;
  detail::DotKernel kernel;
  detail::PackedKernel packed;  // reads w->packed when `group` is set
  size_t group_bytes = 0;
  Layout layout;
  int kw = 1, kx = 1;  // weight rows and activation rows per tile
  int64_t cache_tile = 1;
  const uint8_t* act = nullptr;
  size_t act_row_bytes = 0;

  int64_t groups() const { return (w->rows + kw - 1) / kw; }
};

Product plan(const WeightView& w, float* y, int64_t n_batch) {
  if (!can_matmul(w.type))
    throw UnsupportedError("no matmul kernel for tensor type " +
                           std::string(ggml_type_name(w.type)));
  const GgmlType act_type = vec_dot_type(w.type);
  check_shapes(w, act_type);
  Product p;
  p.w = &w;
  p.y = y;
  if (w.packed) p.packed = detail::best_packed_kernel(w.type, w.packing);
  if (p.packed.group) {
    // Row groups of 16 times up to max_cols activation rows, for every batch size.
    p.kw = detail::kPackedGroupRows;
    p.kx = p.packed.max_cols;
    p.group_bytes = detail::packed_group_bytes(w.type, w.cols);
    p.cache_tile = std::max<int64_t>(p.kw, tile_rows(w) / p.kw * p.kw);
    p.layout = {p.packed.prepared_bytes, p.packed.prepare};
    p.act_row_bytes = p.packed.prepared_bytes(w.cols);
    return p;
  }
  p.kernel = detail::best_dot_kernel(w.type);
  p.layout = {p.kernel.prepared_bytes, p.kernel.prepare};
  // Tiles of tile_rows weight rows x up to tile_cols activation rows (1 x 1 dot products when
  // the kernel has no tile function); matrix-vector products use matvec_rows x 1.
  p.kw = !p.kernel.tile ? 1 : n_batch == 1 ? p.kernel.matvec_rows : p.kernel.tile_rows;
  p.kx = p.kernel.tile ? p.kernel.tile_cols : 1;
  if (p.kernel.tile && n_batch > 1 && n_batch <= p.kernel.small_batch_cols) {
    p.kw = 1;
    p.kx = int(n_batch);
  }
  p.cache_tile = std::max<int64_t>(p.kw, tile_rows(w) / p.kw * p.kw);
  p.act_row_bytes =
      p.kernel.prepare ? p.kernel.prepared_bytes(w.cols) : ggml_row_size(act_type, w.cols);
  return p;
}

// Packed weight rows [r0, r1) (whole groups but the matrix's last) in cache tiles of groups.
void run_packed_rows(const Product& p, int64_t n_batch, int64_t r0, int64_t r1) {
  const WeightView& w = *p.w;
  const auto* packed = static_cast<const uint8_t*>(w.packed);
  for (int64_t t0 = r0; t0 < r1; t0 += p.cache_tile) {
    const int64_t t1 = std::min(t0 + p.cache_tile, r1);
    for (int64_t b0 = 0; b0 < n_batch; b0 += p.kx) {
      const int nx = int(std::min<int64_t>(p.kx, n_batch - b0));
      const uint8_t* xb = p.act + size_t(b0) * p.act_row_bytes;
      for (int64_t r = t0; r < t1; r += p.kw)
        p.packed.group(w.cols, packed + size_t(r / p.kw) * p.group_bytes, xb, p.act_row_bytes, nx,
                       p.y + b0 * w.rows + r, size_t(w.rows), int(std::min<int64_t>(p.kw, t1 - r)));
    }
  }
}

// Weight rows [r0, r1) of one product in cache tiles: each tile (about 32 KiB) meets every
// activation row before the next tile is read, so batched calls read each weight byte once.
void run_rows(const Product& p, int64_t n_batch, int64_t r0, int64_t r1) {
  const WeightView& w = *p.w;
  if (p.packed.group) return run_packed_rows(p, n_batch, r0, r1);
  for (int64_t t0 = r0; t0 < r1; t0 += p.cache_tile) {
    const int64_t t1 = std::min(t0 + p.cache_tile, r1);
    if (n_batch == 1 && p.kw == 1 && p.kernel.rows) {
      p.kernel.rows(w.cols, w.row(t0), w.row_stride, t1 - t0, p.act, p.y + t0);
      continue;
    }
    for (int64_t b0 = 0; b0 < n_batch; b0 += p.kx) {
      const int nx = int(std::min<int64_t>(p.kx, n_batch - b0));
      const uint8_t* xb = p.act + size_t(b0) * p.act_row_bytes;
      for (int64_t r = t0; r < t1; r += p.kw) {
        const int nw = int(std::min<int64_t>(p.kw, t1 - r));
        float* yb = p.y + b0 * w.rows + r;
        if (p.kernel.tile) {
          p.kernel.tile(w.cols, w.row(r), w.row_stride, nw, xb, p.act_row_bytes, nx, yb,
                        size_t(w.rows));
          continue;
        }
        for (int j = 0; j < nx; ++j)
          for (int i = 0; i < nw; ++i)
            yb[j * w.rows + i] =
                p.kernel.dot(w.cols, w.row(r + i), xb + size_t(j) * p.act_row_bytes);
      }
    }
  }
}

// Runs the products' tiles on the pool as one job: threads split the concatenated row groups.
void run_products(const Product* products, size_t count, int64_t n_batch, ThreadPool* pool) {
  int64_t total = 0;
  for (size_t i = 0; i < count; ++i) total += products[i].groups();
  auto work = [&](int64_t g0, int64_t g1) {
    int64_t base = 0;
    for (size_t i = 0; i < count && base < g1; ++i) {
      const Product& p = products[i];
      const int64_t lo = std::max(g0, base), hi = std::min(g1, base + p.groups());
      if (lo < hi)
        run_rows(p, n_batch, (lo - base) * p.kw, std::min((hi - base) * p.kw, p.w->rows));
      base += p.groups();
    }
  };
  if (pool)
    pool->parallel_for(total, work);
  else
    work(0, total);
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
  const MatmulOutput out{w, y};
  matmul_shared(std::span<const MatmulOutput>(&out, 1), x, n_batch, pool);
}

void matmul_shared(std::span<const MatmulOutput> outs, const float* x, int64_t n_batch,
                   ThreadPool* pool) {
  if (outs.size() > size_t(kMaxShared))
    throw Error("matmul_shared: more than " + std::to_string(kMaxShared) + " products");
  Product products[kMaxShared];
  size_t count = 0;
  for (const MatmulOutput& o : outs) {
    if (o.w.cols != outs[0].w.cols)
      throw Error("matmul_shared: the products' row lengths differ (" + std::to_string(o.w.cols) +
                  " vs " + std::to_string(outs[0].w.cols) + ")");
    Product p = plan(o.w, o.y, n_batch);
    if (n_batch > 0 && o.w.rows > 0) products[count++] = p;
  }
  if (count == 0) return;
  // Convert the input once per activation type and kernel layout.
  struct Converted {
    GgmlType type;
    detail::PrepareFn prepare;
    const uint8_t* act;
  };
  Converted converted[kMaxShared];
  int n_converted = 0;
  for (size_t i = 0; i < count; ++i) {
    const GgmlType act_type = vec_dot_type(products[i].w->type);
    const detail::PrepareFn prepare = products[i].layout.prepare;
    int k = 0;
    while (k < n_converted && (converted[k].type != act_type || converted[k].prepare != prepare))
      ++k;
    if (k == n_converted)
      converted[n_converted++] = {act_type, prepare,
                                  convert_activations(act_type, products[i].layout, x,
                                                      products[i].w->cols, n_batch, k, pool)};
    products[i].act = converted[k].act;
  }
  run_products(products, count, n_batch, pool);
}

}  // namespace ruvllm::kernels
