// Attention over a KV cache against a direct double-precision computation: causal mask, sliding
// window, grouped-query heads, soft-capping; F32 and F16 caches; one thread and several.
#include "kernels/attention.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/cpu_features.h"
#include "core/half.h"

namespace ruvllm::kernels {
namespace {

struct Case {
  AttentionShape shape;
  int64_t n_kv = 0;      // positions in the cache
  int64_t n_tokens = 0;  // queries at the last n_tokens positions
};

std::vector<float> random_vector(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

std::vector<double> reference(const Case& c, const std::vector<float>& q,
                              const std::vector<float>& k, const std::vector<float>& v) {
  const auto& s = c.shape;
  const int64_t pos0 = c.n_kv - c.n_tokens;
  const int64_t kw = int64_t(s.n_head_kv) * s.head_dim_k, vw = int64_t(s.n_head_kv) * s.head_dim_v;
  std::vector<double> out(size_t(c.n_tokens * s.n_head * s.head_dim_v), 0.0);
  for (int64_t t = 0; t < c.n_tokens; ++t) {
    const int64_t pos = pos0 + t;
    for (int h = 0; h < s.n_head; ++h) {
      const int g = h / (s.n_head / s.n_head_kv);
      std::vector<double> w;
      std::vector<int64_t> js;
      for (int64_t j = 0; j <= pos; ++j) {
        if (s.sliding_window > 0 && pos - j >= s.sliding_window) continue;
        double dot = 0;
        for (int d = 0; d < s.head_dim_k; ++d)
          dot += double(q[size_t((t * s.n_head + h) * s.head_dim_k + d)]) *
                 k[size_t(j * kw + g * s.head_dim_k + d)];
        dot *= s.scale;
        if (s.softcap > 0) dot = s.softcap * std::tanh(dot / s.softcap);
        w.push_back(dot);
        js.push_back(j);
      }
      double mx = -1e300, sum = 0;
      for (double x : w) mx = std::max(mx, x);
      for (double& x : w) sum += (x = std::exp(x - mx));
      for (size_t i = 0; i < w.size(); ++i)
        for (int d = 0; d < s.head_dim_v; ++d)
          out[size_t((t * s.n_head + h) * s.head_dim_v + d)] +=
              w[i] / sum * v[size_t(js[i] * vw + g * s.head_dim_v + d)];
    }
  }
  return out;
}

void run_case(const Case& c, GgmlType type, ThreadPool* pool, double tol) {
  const auto& s = c.shape;
  const int64_t kw = int64_t(s.n_head_kv) * s.head_dim_k, vw = int64_t(s.n_head_kv) * s.head_dim_v;
  auto q = random_vector(size_t(c.n_tokens * s.n_head * s.head_dim_k), 1);
  auto k = random_vector(size_t(c.n_kv * kw), 2);
  auto v = random_vector(size_t(c.n_kv * vw), 3);
  std::vector<uint16_t> k16(k.size()), v16(v.size());
  if (type == GgmlType::F16) {
    // The reference sees the same rounded cache.
    for (size_t i = 0; i < k.size(); ++i) k[i] = fp16_to_fp32(k16[i] = fp32_to_fp16(k[i]));
    for (size_t i = 0; i < v.size(); ++i) v[i] = fp16_to_fp32(v16[i] = fp32_to_fp16(v[i]));
  }
  KvView kv{type, type == GgmlType::F16 ? static_cast<const void*>(k16.data()) : k.data(),
            type == GgmlType::F16 ? static_cast<const void*>(v16.data()) : v.data(), c.n_kv};
  const int threads = pool ? pool->size() : 1;
  std::vector<float> scratch(size_t(attention_scratch_per_thread(c.n_kv, s) * threads));
  std::vector<float> out(size_t(c.n_tokens * s.n_head * s.head_dim_v), -1.0f);
  attention(s, q.data(), int64_t(s.n_head) * s.head_dim_k, c.n_tokens, c.n_kv - c.n_tokens, kv,
            out.data(), int64_t(s.n_head) * s.head_dim_v, scratch.data(), pool);
  auto ref = reference(c, q, k, v);
  for (size_t i = 0; i < ref.size(); ++i) ASSERT_NEAR(out[i], ref[i], tol) << i;
}

TEST(Attention, CausalGroupedQueryF32) {
  Case c{{8, 2, 16, 16, 0.25f, 0.0f, 0}, 23, 23};
  run_case(c, GgmlType::F32, nullptr, 1e-5);
}

TEST(Attention, DecodeOneQueryOverALongCache) {
  Case c{{4, 4, 32, 32, 1.0f / std::sqrt(32.0f), 0.0f, 0}, 300, 1};
  run_case(c, GgmlType::F32, nullptr, 1e-5);
}

TEST(Attention, SlidingWindowAndSoftcap) {
  Case c{{4, 1, 8, 12, 0.5f, 5.0f, 6}, 40, 17};
  run_case(c, GgmlType::F32, nullptr, 1e-5);
}

TEST(Attention, F16CacheWithinHalfPrecision) {
  Case c{{8, 2, 64, 64, 0.125f, 0.0f, 0}, 50, 10};
  run_case(c, GgmlType::F16, nullptr, 1e-2);
}

TEST(Attention, F16CacheSlidingWindowSoftcap) {
  Case c{{2, 1, 64, 64, 0.125f, 50.0f, 8}, 33, 33};
  run_case(c, GgmlType::F16, nullptr, 1e-2);
}

TEST(Attention, ThreadsGiveTheSameResult) {
  ThreadPool pool(3);
  Case c{{8, 4, 16, 16, 0.25f, 0.0f, 5}, 31, 12};
  run_case(c, GgmlType::F32, &pool, 1e-5);
  run_case(c, GgmlType::F16, &pool, 1e-2);
}

TEST(Attention, ScalarAndSimdPathsAgree) {
  const AttentionShape s{4, 2, 64, 64, 0.125f, 30.0f, 0};
  const int64_t n_kv = 70, n_tokens = 3;
  auto q = random_vector(size_t(n_tokens * s.n_head * s.head_dim_k), 7);
  std::vector<uint16_t> k(size_t(n_kv * s.n_head_kv * s.head_dim_k));
  std::vector<uint16_t> v(size_t(n_kv * s.n_head_kv * s.head_dim_v));
  auto kf = random_vector(k.size(), 8), vf = random_vector(v.size(), 9);
  for (size_t i = 0; i < k.size(); ++i) k[i] = fp32_to_fp16(kf[i]);
  for (size_t i = 0; i < v.size(); ++i) v[i] = fp32_to_fp16(vf[i]);
  const KvView kv{GgmlType::F16, k.data(), v.data(), n_kv};
  std::vector<float> scratch(size_t(attention_scratch_per_thread(n_kv, s)));
  auto run = [&] {
    std::vector<float> out(size_t(n_tokens * s.n_head * s.head_dim_v));
    attention(s, q.data(), s.n_head * s.head_dim_k, n_tokens, n_kv - n_tokens, kv, out.data(),
              s.n_head * s.head_dim_v, scratch.data(), nullptr);
    return out;
  };
  const auto best = run();
  set_isa_cap(IsaLevel::Scalar);
  const auto scalar = run();
  set_isa_cap(IsaLevel::Avx512);
  for (size_t i = 0; i < best.size(); ++i) ASSERT_NEAR(best[i], scalar[i], 2e-3) << i;
}

}  // namespace
}  // namespace ruvllm::kernels
