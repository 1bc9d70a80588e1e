#include "kernels/attention.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "core/cpu_features.h"
#include "core/error.h"
#include "core/half.h"
#include "kernels/attention_simd.h"
#include "kernels/ops.h"

namespace ruvllm::kernels {

namespace {

float dot_f32(const float* a, const float* b, int64_t n) {
  float part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) part[k] += a[i + k] * b[i + k];
  float sum = 0;
  for (int k = 0; k < 8; ++k) sum += part[k];
  for (; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

float dot_f16_f16(const uint16_t* a, const uint16_t* b, int64_t n) {
  float part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) part[k] += fp16_to_fp32(a[i + k]) * fp16_to_fp32(b[i + k]);
  float sum = 0;
  for (int k = 0; k < 8; ++k) sum += part[k];
  for (; i < n; ++i) sum += fp16_to_fp32(a[i]) * fp16_to_fp32(b[i]);
  return sum;
}

// acc = fp16(acc * s)
void scale_f16(uint16_t* acc, float s, int64_t n) {
  for (int64_t i = 0; i < n; ++i) acc[i] = fp32_to_fp16(fp16_to_fp32(acc[i]) * s);
}

// acc = fp16(acc + v * w), fused multiply-add as llama.cpp's F16C path computes it
void mad_f16(uint16_t* acc, const uint16_t* v, float w, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    acc[i] = fp32_to_fp16(std::fma(fp16_to_fp32(v[i]), w, fp16_to_fp32(acc[i])));
}

void axpy_f32(float* y, float a, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}

struct HeadRange {
  int64_t first;  // first visible cache row
  int64_t count;  // visible rows
};

HeadRange visible_rows(const AttentionShape& s, int64_t pos, int64_t n_kv) {
  const int64_t last = std::min(pos, n_kv - 1);
  const int64_t first = s.sliding_window > 0 ? std::max<int64_t>(0, pos - s.sliding_window + 1) : 0;
  return {first, last - first + 1};
}

// One KV head's visible rows as runs of rows that are consecutive in memory (the whole range
// for a contiguous cache, the part in each block for a paged one): fn(k, v, n) gets the element
// pointers of the run's first key and value (at the head's offset) and its length, in order.
template <class T, class Fn>
void for_each_run(const AttentionShape& s, const KvView& kv, HeadRange r, int kv_head, Fn&& fn) {
  const int64_t k_row = int64_t(s.n_head_kv) * s.head_dim_k;
  const int64_t v_row = int64_t(s.n_head_kv) * s.head_dim_v;
  const int64_t k_head = int64_t(kv_head) * s.head_dim_k;
  const int64_t v_head = int64_t(kv_head) * s.head_dim_v;
  if (!kv.blocks) {
    fn(static_cast<const T*>(kv.k) + r.first * k_row + k_head,
       static_cast<const T*>(kv.v) + r.first * v_row + v_head, r.count);
    return;
  }
  const int64_t end = r.first + r.count;
  for (int64_t j = r.first; j < end;) {
    const int64_t block = j / kv.block_size;
    const int64_t in = j - block * kv.block_size;
    const int64_t n = std::min(kv.block_size - in, end - j);
    const uint8_t* base = kv.blocks[block];
    fn(reinterpret_cast<const T*>(base + kv.k_offset) + in * k_row + k_head,
       reinterpret_cast<const T*>(base + kv.v_offset) + in * v_row + v_head, n);
    j += n;
  }
}

// F32 cache: exact two-pass softmax, F32 accumulation.
void attend_f32(const AttentionShape& s, const float* q, HeadRange r, int kv_head, const KvView& kv,
                float* scores, float* out) {
  const int64_t k_row = int64_t(s.n_head_kv) * s.head_dim_k;
  const int64_t v_row = int64_t(s.n_head_kv) * s.head_dim_v;
  int64_t done = 0;
  for_each_run<float>(s, kv, r, kv_head, [&](const float* k, const float*, int64_t n) {
    for (int64_t j = 0; j < n; ++j)
      scores[done + j] = dot_f32(q, k + j * k_row, s.head_dim_k) * s.scale;
    done += n;
  });
  if (s.softcap > 0) softcap_inplace(scores, s.softcap, r.count);
  softmax_inplace(scores, r.count);
  std::fill(out, out + s.head_dim_v, 0.0f);
  done = 0;
  for_each_run<float>(s, kv, r, kv_head, [&](const float*, const float* v, int64_t n) {
    for (int64_t j = 0; j < n; ++j) axpy_f32(out, scores[done + j], v + j * v_row, s.head_dim_v);
    done += n;
  });
}

// F16 cache: the numerics of llama.cpp's CPU flash attention, which is what its default
// configuration runs and what reference logits come from: the query is rounded to F16, the
// softmax is computed online, and the weighted sum of values is accumulated in F16.
// The F16 vector helpers, scalar or AVX2.
struct F16Ops {
  float (*dot)(const uint16_t*, const uint16_t*, int64_t);
  void (*scale)(uint16_t*, float, int64_t);
  void (*mad)(uint16_t*, const uint16_t*, float, int64_t);
};

const F16Ops& scalar_f16_ops() {
  static const F16Ops scalar{dot_f16_f16, scale_f16, mad_f16};
  return scalar;
}

const F16Ops& f16_ops() {
  static const F16Ops simd{avx2::dot_f16_f16, avx2::scale_f16, avx2::mad_f16};
  const auto& f = cpu_features();
  return isa_level() >= IsaLevel::Avx2 && f.f16c && f.fma ? simd : scalar_f16_ops();
}

void attend_f16(const F16Ops& ops, const AttentionShape& s, const float* q, HeadRange r,
                int kv_head, const KvView& kv, uint16_t* q16, uint16_t* acc, float* out) {
  const int64_t k_row = int64_t(s.n_head_kv) * s.head_dim_k;
  const int64_t v_row = int64_t(s.n_head_kv) * s.head_dim_v;
  for (int64_t d = 0; d < s.head_dim_k; ++d) q16[d] = fp32_to_fp16(q[d]);
  std::fill(acc, acc + s.head_dim_v, uint16_t(0));
  float sum = 0;
  float max = -std::numeric_limits<float>::infinity();
  for_each_run<uint16_t>(s, kv, r, kv_head, [&](const uint16_t* k, const uint16_t* v, int64_t n) {
    for (int64_t j = 0; j < n; ++j) {
      float score = ops.dot(q16, k + j * k_row, s.head_dim_k) * s.scale;
      if (s.softcap > 0) score = s.softcap * std::tanh(score / s.softcap);
      float old_scale = 1.0f, weight = 1.0f;
      if (score > max) {
        old_scale = std::exp(max - score);
        max = score;
        ops.scale(acc, old_scale, s.head_dim_v);
      } else {
        weight = std::exp(score - max);
      }
      ops.mad(acc, v + j * v_row, weight, s.head_dim_v);
      sum = sum * old_scale + weight;
    }
  });
  const float inv = 1.0f / sum;
  for (int64_t d = 0; d < s.head_dim_v; ++d) out[d] = fp16_to_fp32(acc[d]) * inv;
}

// attend_f16 for the `group` query heads of KV head kv_head at once (AVX2 path): each key and
// value row is converted once for all of them. Bit-identical to attend_f16 per head.
void attend_f16_group(const AttentionShape& s, int group, const float* q, HeadRange r, int kv_head,
                      const KvView& kv, float* scratch, float* out) {
  avx2::F16HeadGroup g;
  g.heads = group;
  g.dim_k = s.head_dim_k;
  g.dim_v = s.head_dim_v;
  g.scale = s.scale;
  g.softcap = s.softcap;
  g.q = scratch;
  g.max = g.q + group * s.head_dim_k;
  g.sum = g.max + group;
  g.row = g.sum + group;
  g.acc =
      reinterpret_cast<uint16_t*>(g.row + avx2::kAttendBlockRows * (s.head_dim_k + s.head_dim_v));
  for (int64_t d = 0; d < group * s.head_dim_k; ++d) g.q[d] = fp16_to_fp32(fp32_to_fp16(q[d]));
  std::fill(g.acc, g.acc + group * s.head_dim_v, uint16_t(0));
  std::fill(g.max, g.max + group, -std::numeric_limits<float>::infinity());
  std::fill(g.sum, g.sum + group, 0.0f);
  const int64_t k_row = int64_t(s.n_head_kv) * s.head_dim_k;
  const int64_t v_row = int64_t(s.n_head_kv) * s.head_dim_v;
  for_each_run<uint16_t>(s, kv, r, kv_head, [&](const uint16_t* k, const uint16_t* v, int64_t n) {
    avx2::attend_rows_f16(g, k, v, n, k_row, v_row);
  });
  for (int h = 0; h < group; ++h) {
    const float inv = 1.0f / g.sum[h];
    for (int64_t d = 0; d < s.head_dim_v; ++d)
      out[h * s.head_dim_v + d] = fp16_to_fp32(g.acc[h * s.head_dim_v + d]) * inv;
  }
}

// Query rows attend_f16_tile takes together (AVX-512 path).
constexpr int kTileQueries = 8;

// Floats of scratch attend_f16_tile needs.
int64_t tile_scratch(int64_t group, const AttentionShape& s) {
  const int64_t dk16 = (s.head_dim_k + 15) / 16 * 16;
  return 16 + avx512::kTileKeys * (dk16 + s.head_dim_v) +
         kTileQueries * (group * (avx512::kTileKeys + s.head_dim_k + s.head_dim_v + 2) + 4);
}

bool use_tiles(const AttentionShape& s) {
  const auto& f = cpu_features();
  return isa_level() >= IsaLevel::Avx512 && f.f16c && f.fma &&
         avx512::tile_supported(s.head_dim_k, s.head_dim_v);
}

// attend_f16_group for the query rows t0 .. t0 + nq - 1 of an item at once (AVX-512 path): each
// block of key and value rows is converted once for all of them. Bit-identical to
// attend_f16_group per query row.
void attend_f16_tile(const AttentionShape& s, int group, const AttentionItem& it, int64_t t0,
                     int nq, int kv_head, float* scratch) {
  avx512::F16Tile t;
  t.queries = nq;
  t.heads = group;
  t.dim_k = s.head_dim_k;
  t.dim_v = s.head_dim_v;
  t.scale = s.scale;
  t.softcap = s.softcap;
  const int64_t dk16 = (s.head_dim_k + 15) / 16 * 16;
  float* p = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(scratch) + 63) & ~uintptr_t(63));
  t.kt = p;
  t.vf = t.kt + avx512::kTileKeys * dk16;
  t.scores = t.vf + avx512::kTileKeys * s.head_dim_v;  // dim_v is a multiple of 16
  auto* begin = reinterpret_cast<int64_t*>(t.scores + kTileQueries * group * avx512::kTileKeys);
  int64_t* end = begin + kTileQueries;
  float* q = reinterpret_cast<float*>(end + kTileQueries);
  t.acc = q + int64_t(nq) * group * s.head_dim_k;
  t.max = t.acc + int64_t(nq) * group * s.head_dim_v;
  t.sum = t.max + nq * group;
  t.q = q;
  t.begin = begin;
  t.end = end;
  const int64_t width_k = int64_t(group) * s.head_dim_k;
  for (int qi = 0; qi < nq; ++qi) {
    const HeadRange r = visible_rows(s, it.pos0 + t0 + qi, it.kv.n_kv);
    begin[qi] = r.first;
    end[qi] = r.first + r.count;
    avx512::round_to_f16(it.q + (t0 + qi) * it.q_stride + kv_head * width_k, q + qi * width_k,
                         width_k);
  }
  std::fill(t.acc, t.acc + int64_t(nq) * group * s.head_dim_v, 0.0f);
  std::fill(t.max, t.max + nq * group, -std::numeric_limits<float>::infinity());
  std::fill(t.sum, t.sum + nq * group, 0.0f);
  // Visible rows are nondecreasing in position at both ends: the tile reads the union of its
  // queries' rows, each query only its own.
  const HeadRange all{begin[0], end[nq - 1] - begin[0]};
  const int64_t k_row = int64_t(s.n_head_kv) * s.head_dim_k;
  const int64_t v_row = int64_t(s.n_head_kv) * s.head_dim_v;
  int64_t row = all.first;
  for_each_run<uint16_t>(s, it.kv, all, kv_head,
                         [&](const uint16_t* k, const uint16_t* v, int64_t n) {
                           avx512::attend_tile_f16(t, k, v, row, n, k_row, v_row);
                           row += n;
                         });
  for (int qi = 0; qi < nq; ++qi) {
    float* out = it.out + (t0 + qi) * it.out_stride + int64_t(kv_head) * group * s.head_dim_v;
    for (int h = 0; h < group; ++h) {
      const float inv = 1.0f / t.sum[qi * group + h];
      const float* acc = t.acc + (int64_t(qi) * group + h) * s.head_dim_v;
      for (int64_t d = 0; d < s.head_dim_v; ++d) out[h * s.head_dim_v + d] = acc[d] * inv;
    }
  }
}

}  // namespace

int64_t attention_scratch_per_thread(int64_t n_ctx, const AttentionShape& shape) {
  // scores (F32 path), or the F16 query and accumulator (F16 path, one head), or a head group's
  // state and the current key and value rows (F16 path, AVX2), or a tile's (AVX-512)
  const int64_t group = shape.n_head_kv > 0 ? std::max(1, shape.n_head / shape.n_head_kv) : 1;
  const int64_t dims = shape.head_dim_k + shape.head_dim_v;
  return std::max({n_ctx, dims, group * (dims + 2) + avx2::kAttendBlockRows * dims,
                   tile_scratch(group, shape)}) +
         16;
}

void attention(const AttentionShape& shape, const float* q, int64_t q_stride, int64_t n_tokens,
               int64_t pos0, const KvView& kv, float* out, int64_t out_stride, float* scratch,
               ThreadPool* pool) {
  const AttentionItem item{q, q_stride, n_tokens, pos0, kv, out, out_stride};
  attention_batch(shape, std::span<const AttentionItem>(&item, 1), scratch, pool);
}

void attention_batch(const AttentionShape& shape, std::span<const AttentionItem> items,
                     float* scratch, ThreadPool* pool) {
  if (shape.n_head_kv <= 0 || shape.n_head % shape.n_head_kv != 0)
    throw Error("attention: n_head must be a multiple of n_head_kv");
  int64_t max_kv = 0;
  for (const AttentionItem& it : items) {
    if (it.kv.type != GgmlType::F16 && it.kv.type != GgmlType::F32)
      throw UnsupportedError("attention: the KV cache must be F16 or F32");
    if (it.kv.blocks && it.kv.block_size <= 0)
      throw Error("attention: paged KV needs a positive block size");
    max_kv = std::max(max_kv, it.kv.n_kv);
  }
  const int group = shape.n_head / shape.n_head_kv;
  const int64_t per_thread = attention_scratch_per_thread(max_kv, shape);
  const F16Ops& ops = f16_ops();
  const bool grouped = &ops != &scalar_f16_ops();
  const bool tiled = grouped && use_tiles(shape);
  // A task is the query heads of one KV head in a tile of consecutive query rows of one item
  // (one row unless the AVX-512 tiles are used for an F16 cache); its cost is the rows its
  // queries read. Threads take contiguous runs of tasks of about equal cost, so one job covers
  // every sequence of a batch.
  auto tile_rows = [&](const AttentionItem& it) {
    return tiled && it.kv.type == GgmlType::F16 ? kTileQueries : 1;
  };
  auto tile_cost = [&](const AttentionItem& it, int64_t t0, int nq) {
    int64_t c = 0;
    for (int64_t t = t0; t < t0 + nq; ++t) c += visible_rows(shape, it.pos0 + t, it.kv.n_kv).count;
    return c;
  };
  int64_t total_cost = 0, n_tasks = 0;
  for (const AttentionItem& it : items) {
    const int tq = tile_rows(it);
    for (int64_t t0 = 0; t0 < it.n_tokens; t0 += tq) {
      const int nq = int(std::min<int64_t>(tq, it.n_tokens - t0));
      total_cost += tile_cost(it, t0, nq) * shape.n_head_kv;
      n_tasks += shape.n_head_kv;
    }
  }
  auto work = [&](int thread, int n_threads) {
    float* scores = scratch + thread * per_thread;
    const int64_t lo = total_cost * thread / n_threads;
    const int64_t hi = total_cost * (thread + 1) / n_threads;
    int64_t cost = 0;  // of the tasks before the current one
    for (const AttentionItem& it : items) {
      const int tq = tile_rows(it);
      for (int64_t t0 = 0; t0 < it.n_tokens && cost < hi; t0 += tq) {
        const int nq = int(std::min<int64_t>(tq, it.n_tokens - t0));
        const int64_t c = tile_cost(it, t0, nq);
        for (int kh = 0; kh < shape.n_head_kv && cost < hi; ++kh, cost += c) {
          // A task belongs to the thread whose range holds its first row of cost.
          if (cost < lo) continue;
          if (tq > 1) {
            attend_f16_tile(shape, group, it, t0, nq, kh, scores);
            continue;
          }
          const int64_t t = t0;
          const HeadRange r = visible_rows(shape, it.pos0 + t, it.kv.n_kv);
          const float* qg = it.q + t * it.q_stride + int64_t(kh) * group * shape.head_dim_k;
          float* og = it.out + t * it.out_stride + int64_t(kh) * group * shape.head_dim_v;
          if (it.kv.type == GgmlType::F32) {
            for (int g = 0; g < group; ++g)
              attend_f32(shape, qg + g * shape.head_dim_k, r, kh, it.kv, scores,
                         og + g * shape.head_dim_v);
          } else if (grouped) {
            attend_f16_group(shape, group, qg, r, kh, it.kv, scores, og);
          } else {
            auto* q16 = reinterpret_cast<uint16_t*>(scores);
            for (int g = 0; g < group; ++g)
              attend_f16(ops, shape, qg + g * shape.head_dim_k, r, kh, it.kv, q16,
                         q16 + shape.head_dim_k, og + g * shape.head_dim_v);
          }
        }
      }
      if (cost >= hi) break;
    }
  };
  if (pool && n_tasks > 1)
    pool->run(work);
  else
    work(0, 1);
}

}  // namespace ruvllm::kernels
