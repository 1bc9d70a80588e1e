#include "kernels/attention.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"
#include "core/half.h"
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

float dot_f16(const float* a, const uint16_t* b, int64_t n) {
  float part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) part[k] += a[i + k] * fp16_to_fp32(b[i + k]);
  float sum = 0;
  for (int k = 0; k < 8; ++k) sum += part[k];
  for (; i < n; ++i) sum += a[i] * fp16_to_fp32(b[i]);
  return sum;
}

void axpy_f32(float* y, float a, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}

void axpy_f16(float* y, float a, const uint16_t* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += a * fp16_to_fp32(x[i]);
}

// One query head against its KV head: scores in `scores`, result in `out`.
void attend_one(const AttentionShape& s, const float* q, int64_t pos, int kv_head, const KvView& kv,
                float* scores, float* out) {
  const int64_t k_row = int64_t(s.n_head_kv) * s.head_dim_k;
  const int64_t v_row = int64_t(s.n_head_kv) * s.head_dim_v;
  const int64_t last = std::min(pos, kv.n_kv - 1);
  const int64_t first = s.sliding_window > 0 ? std::max<int64_t>(0, pos - s.sliding_window + 1) : 0;
  const int64_t n = last - first + 1;
  const bool f16 = kv.type == GgmlType::F16;
  for (int64_t j = 0; j < n; ++j) {
    const int64_t off = (first + j) * k_row + int64_t(kv_head) * s.head_dim_k;
    scores[j] = f16 ? dot_f16(q, static_cast<const uint16_t*>(kv.k) + off, s.head_dim_k)
                    : dot_f32(q, static_cast<const float*>(kv.k) + off, s.head_dim_k);
    scores[j] *= s.scale;
  }
  if (s.softcap > 0) softcap_inplace(scores, s.softcap, n);
  softmax_inplace(scores, n);
  std::fill(out, out + s.head_dim_v, 0.0f);
  for (int64_t j = 0; j < n; ++j) {
    const int64_t off = (first + j) * v_row + int64_t(kv_head) * s.head_dim_v;
    if (f16)
      axpy_f16(out, scores[j], static_cast<const uint16_t*>(kv.v) + off, s.head_dim_v);
    else
      axpy_f32(out, scores[j], static_cast<const float*>(kv.v) + off, s.head_dim_v);
  }
}

}  // namespace

int64_t attention_scratch_per_thread(int64_t n_ctx, const AttentionShape& shape) {
  return n_ctx + 16;
}

void attention(const AttentionShape& shape, const float* q, int64_t q_stride, int64_t n_tokens,
               int64_t pos0, const KvView& kv, float* out, int64_t out_stride, float* scratch,
               ThreadPool* pool) {
  if (kv.type != GgmlType::F16 && kv.type != GgmlType::F32)
    throw UnsupportedError("attention: the KV cache must be F16 or F32");
  if (shape.n_head_kv <= 0 || shape.n_head % shape.n_head_kv != 0)
    throw Error("attention: n_head must be a multiple of n_head_kv");
  const int group = shape.n_head / shape.n_head_kv;
  const int64_t per_thread = attention_scratch_per_thread(kv.n_kv, shape);
  const int64_t n_tasks = n_tokens * shape.n_head;
  auto work = [&](int thread, int n_threads) {
    float* scores = scratch + thread * per_thread;
    const int64_t begin = n_tasks * thread / n_threads;
    const int64_t end = n_tasks * (thread + 1) / n_threads;
    for (int64_t task = begin; task < end; ++task) {
      const int64_t t = task / shape.n_head;
      const int h = int(task % shape.n_head);
      attend_one(shape, q + t * q_stride + int64_t(h) * shape.head_dim_k, pos0 + t, h / group, kv,
                 scores, out + t * out_stride + int64_t(h) * shape.head_dim_v);
    }
  };
  if (pool && n_tasks > 1)
    pool->run(work);
  else
    work(0, 1);
}

}  // namespace ruvllm::kernels
