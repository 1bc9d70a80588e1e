// The AVX2 head-group attention loop (each key and value row converted once for all the query
// heads of a KV head) against the per-head online softmax built from the AVX2 F16 helpers:
// bit-identical scores, accumulators, maxima and sums.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "core/cpu_features.h"
#include "core/half.h"
#include "kernels/attention_simd.h"
#include "kernels/simd_math.h"

namespace ruvllm::kernels {
namespace {

// The group loop's exponential, one value at a time.
float vector_exp(float x) {
  float e;
  avx2::exp_f32(&x, &e, 1);
  return e;
}

void check_group(int heads, int64_t dim, float softcap, int64_t n_rows) {
  std::mt19937 rng(uint32_t(heads * 1000 + dim));
  std::normal_distribution<float> dist(0.f, 1.5f);
  const int64_t n_head_kv = 2, kv_head = 1;  // rows hold two KV heads; read the second
  const int64_t row = n_head_kv * dim;
  std::vector<uint16_t> k(size_t(n_rows * row)), v(size_t(n_rows * row));
  for (auto& x : k) x = fp32_to_fp16(dist(rng));
  for (auto& x : v) x = fp32_to_fp16(dist(rng));
  std::vector<float> q(size_t(heads * dim));
  for (auto& x : q) x = fp16_to_fp32(fp32_to_fp16(dist(rng)));
  const float scale = 1.0f / std::sqrt(float(dim));

  // The per-head reference, row by row, with the per-head AVX2 helpers.
  std::vector<uint16_t> ref_acc(size_t(heads * dim), 0);
  std::vector<float> ref_max(size_t(heads), -std::numeric_limits<float>::infinity());
  std::vector<float> ref_sum(size_t(heads), 0.f);
  for (int h = 0; h < heads; ++h) {
    std::vector<uint16_t> q16(static_cast<size_t>(dim));
    for (int64_t d = 0; d < dim; ++d) q16[size_t(d)] = fp32_to_fp16(q[size_t(h * dim + d)]);
    uint16_t* acc = ref_acc.data() + h * dim;
    for (int64_t j = 0; j < n_rows; ++j) {
      const uint16_t* kr = k.data() + j * row + kv_head * dim;
      const uint16_t* vr = v.data() + j * row + kv_head * dim;
      float score = avx2::dot_f16_f16(q16.data(), kr, dim) * scale;
      if (softcap > 0) score = softcap * std::tanh(score / softcap);
      float old_scale = 1.0f, weight = 1.0f;
      if (score > ref_max[size_t(h)]) {
        old_scale = vector_exp(ref_max[size_t(h)] - score);
        ref_max[size_t(h)] = score;
        avx2::scale_f16(acc, old_scale, dim);
      } else {
        weight = vector_exp(score - ref_max[size_t(h)]);
      }
      avx2::mad_f16(acc, vr, weight, dim);
      ref_sum[size_t(h)] = ref_sum[size_t(h)] * old_scale + weight;
    }
  }

  // The grouped loop, fed in two runs (as a paged cache would).
  std::vector<uint16_t> acc(size_t(heads * dim), 0);
  std::vector<float> mx(size_t(heads), -std::numeric_limits<float>::infinity());
  std::vector<float> sum(size_t(heads), 0.f), rowbuf(size_t(avx2::kAttendBlockRows * 2 * dim));
  avx2::F16HeadGroup g;
  g.heads = heads;
  g.dim_k = g.dim_v = dim;
  g.scale = scale;
  g.softcap = softcap;
  g.q = q.data();
  g.acc = acc.data();
  g.max = mx.data();
  g.sum = sum.data();
  g.row = rowbuf.data();
  const int64_t first = n_rows / 3;
  avx2::attend_rows_f16(g, k.data() + kv_head * dim, v.data() + kv_head * dim, first, row, row);
  avx2::attend_rows_f16(g, k.data() + first * row + kv_head * dim,
                        v.data() + first * row + kv_head * dim, n_rows - first, row, row);
  for (int h = 0; h < heads; ++h) {
    EXPECT_EQ(mx[size_t(h)], ref_max[size_t(h)]) << "head " << h;
    EXPECT_EQ(sum[size_t(h)], ref_sum[size_t(h)]) << "head " << h;
  }
  for (size_t i = 0; i < acc.size(); ++i) ASSERT_EQ(acc[i], ref_acc[i]) << "element " << i;
}

TEST(AttentionGroup, Avx2GroupMatchesPerHeadLoopBitForBit) {
  if (isa_level() < IsaLevel::Avx2 || !cpu_features().f16c || !cpu_features().fma)
    GTEST_SKIP() << "no AVX2/F16C/FMA on this CPU";
  check_group(1, 64, 0.f, 40);
  check_group(3, 64, 0.f, 150);
  check_group(7, 64, 0.f, 77);
  check_group(4, 256, 50.f, 33);  // gemma: wide heads, soft-capping
  check_group(2, 96, 0.f, 20);    // phi-3 head size (a 16-element step and an 8-element tail)
}

}  // namespace
}  // namespace ruvllm::kernels
