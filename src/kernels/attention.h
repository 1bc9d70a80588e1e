// Scaled dot-product attention of a batch of queries over a key/value cache.
//
// Keys and values live in a cache of `n_kv` rows, row j holding position j: the keys of all KV
// heads (n_head_kv * head_dim_k elements) and likewise the values. The rows are either one
// contiguous array, or paged: fixed-size blocks of rows found through a block table (the runtime's
// paged KV cache, whose blocks several sequences may share). Both layouts give bit-identical
// results: the rows are visited in the same order with the same arithmetic. Queries are `n_tokens`
// rows at consecutive positions pos0, pos0+1, ...; query head h reads KV head h / (n_head /
// n_head_kv) (grouped-query attention). A query at position p sees the keys at positions j <= p
// (causal) and, with a sliding window w > 0, only those with p - j < w. Scores are q.k * scale,
// then soft-capped (cap * tanh(s / cap)) when softcap > 0, then soft-maxed.
//
// An F16 cache follows llama.cpp's CPU flash attention (online softmax, F16 accumulator). With
// AVX-512, consecutive query rows of a sequence go through in tiles (attention_avx512.cpp: a
// block of keys converted once for all the tile's rows and heads), each row with the AVX2 path's
// arithmetic: a query's result does not depend on the tile, the thread or the batch it came in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/ggml_type.h"
#include "core/thread_pool.h"

namespace ruvllm::kernels {

struct AttentionShape {
  int32_t n_head = 0;
  int32_t n_head_kv = 0;
  int32_t head_dim_k = 0;
  int32_t head_dim_v = 0;
  float scale = 1.0f;
  float softcap = 0.0f;        // 0: off
  int32_t sliding_window = 0;  // 0: off
};

// A key/value cache of one layer: F32 or F16 elements, row j = position j.
struct KvView {
  GgmlType type = GgmlType::F16;
  const void* k = nullptr;  // contiguous layout: n_kv rows of n_head_kv * head_dim_k
  const void* v = nullptr;  // contiguous layout: n_kv rows of n_head_kv * head_dim_v
  int64_t n_kv = 0;         // rows filled (all positions < n_kv are valid)
  // Paged layout, used when `blocks` is set (then k and v are ignored): row j is row
  // j % block_size of block j / block_size, whose K rows start at blocks[j / block_size] +
  // k_offset and whose V rows start at blocks[j / block_size] + v_offset (byte offsets).
  const uint8_t* const* blocks = nullptr;
  int64_t block_size = 0;
  size_t k_offset = 0;
  size_t v_offset = 0;
};

// Floats of scratch each thread needs for a cache of up to n_ctx rows.
int64_t attention_scratch_per_thread(int64_t n_ctx, const AttentionShape& shape);

// out[t] (n_head * head_dim_v floats at out + t * out_stride) = attention of query row t
// (n_head * head_dim_k floats at q + t * q_stride, position pos0 + t) over the cache.
// `scratch` holds attention_scratch_per_thread(kv.n_kv) floats per pool thread (1 thread when
// pool is null). Positions pos0 .. pos0 + n_tokens - 1 must be in the cache already.
void attention(const AttentionShape& shape, const float* q, int64_t q_stride, int64_t n_tokens,
               int64_t pos0, const KvView& kv, float* out, int64_t out_stride, float* scratch,
               ThreadPool* pool);

// One sequence's part of a batched attention: its query rows (at positions pos0, pos0 + 1, ...),
// its cache and where its outputs go, as attention() takes them.
struct AttentionItem {
  const float* q = nullptr;
  int64_t q_stride = 0;
  int64_t n_tokens = 0;
  int64_t pos0 = 0;
  KvView kv;
  float* out = nullptr;
  int64_t out_stride = 0;
};

// attention() of several sequences in one job on the pool (threads split all their heads by the
// rows they read), so a batch of decoding sequences costs one synchronisation per layer instead
// of one per sequence. Results are bit-identical to one attention() call per item. `scratch`
// holds attention_scratch_per_thread(largest kv.n_kv) floats per pool thread.
void attention_batch(const AttentionShape& shape, std::span<const AttentionItem> items,
                     float* scratch, ThreadPool* pool);

}  // namespace ruvllm::kernels
