#include "runtime/sampler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>

using namespace ruvllm;

namespace {

SamplerParams plain(float temp, uint64_t seed = 42) {
  SamplerParams p;
  p.temperature = temp;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 0.0f;
  p.seed = seed;
  return p;
}

}  // namespace

TEST(Sampler, GreedyPicksArgmax) {
  Sampler s(plain(0), 5);
  std::vector<float> l = {0.1f, 2.0f, -1.f, 1.9f, 0.f};
  EXPECT_EQ(s.sample(l.data()), 1);
}

TEST(Sampler, MaskExcludesTokensAndEmptyMaskGivesMinusOne) {
  Sampler s(plain(0), 40);
  std::vector<float> l(40, 0.f);
  l[3] = 10.f;
  l[35] = 5.f;
  std::vector<uint32_t> mask(2, 0);
  mask[1] = 1u << 3;  // only token 35
  EXPECT_EQ(s.sample(l.data(), mask.data()), 35);
  std::vector<uint32_t> none(2, 0);
  std::vector<float> l2(40, 0.f);
  EXPECT_EQ(s.sample(l2.data(), none.data()), -1);
}

TEST(Sampler, LogitBiasCanBanOrForce) {
  SamplerParams p = plain(0);
  p.logit_bias = {{1, -INFINITY}, {4, 100.f}};
  Sampler s(p, 5);
  std::vector<float> l = {0.1f, 2.0f, -1.f, 1.9f, 0.f};
  EXPECT_EQ(s.sample(l.data()), 4);
}

TEST(Sampler, PenaltiesFollowLlamaCppAndOpenAISemantics) {
  SamplerParams p = plain(0);
  p.repeat_penalty = 2.0f;
  p.frequency_penalty = 0.5f;
  p.presence_penalty = 0.25f;
  Sampler s(p, 4);
  s.accept(0);
  s.accept(0);
  s.accept(1);
  std::vector<float> l = {4.f, -1.f, 0.f, 0.f};
  s.sample(l.data());
  EXPECT_FLOAT_EQ(l[0], 4.f / 2 - 2 * 0.5f - 0.25f);
  EXPECT_FLOAT_EQ(l[1], -1.f * 2 - 0.5f - 0.25f);
  EXPECT_FLOAT_EQ(l[2], 0.f);
}

TEST(Sampler, RepeatWindowLimitsPenalties) {
  SamplerParams p = plain(0);
  p.presence_penalty = 1.0f;
  p.repeat_last_n = 1;
  Sampler s(p, 3);
  s.accept(0);
  s.accept(1);
  std::vector<float> l = {0.f, 0.f, 0.f};
  s.sample(l.data());
  EXPECT_FLOAT_EQ(l[0], 0.f);
  EXPECT_FLOAT_EQ(l[1], -1.f);
}

TEST(Sampler, SameSeedSameTokens) {
  std::vector<float> base(100);
  for (int i = 0; i < 100; ++i) base[size_t(i)] = std::sin(float(i)) * 3;
  auto run = [&](uint64_t seed) {
    Sampler s(plain(1.0f, seed), 100);
    std::vector<int32_t> out;
    for (int k = 0; k < 50; ++k) {
      auto l = base;
      out.push_back(s.sample(l.data()));
    }
    return out;
  };
  EXPECT_EQ(run(7), run(7));
  EXPECT_NE(run(7), run(8));
}

TEST(Sampler, DrawsFollowTheSoftmax) {
  Sampler s(plain(1.0f, 123), 3);
  const std::vector<float> base = {std::log(0.5f), std::log(0.3f), std::log(0.2f)};
  std::map<int32_t, int> counts;
  const int n = 30000;
  for (int k = 0; k < n; ++k) {
    auto l = base;
    counts[s.sample(l.data())]++;
  }
  EXPECT_NEAR(counts[0] / double(n), 0.5, 0.015);
  EXPECT_NEAR(counts[1] / double(n), 0.3, 0.015);
  EXPECT_NEAR(counts[2] / double(n), 0.2, 0.015);
}

TEST(Sampler, TemperatureSharpens) {
  Sampler s(plain(0.25f, 5), 2);
  const std::vector<float> base = {std::log(0.6f), std::log(0.4f)};
  int first = 0;
  for (int k = 0; k < 10000; ++k) {
    auto l = base;
    first += s.sample(l.data()) == 0;
  }
  // p0 = 0.6^4 / (0.6^4 + 0.4^4) = 0.835
  EXPECT_NEAR(first / 10000.0, 0.835, 0.02);
}

TEST(Sampler, TopKTopPMinPTruncate) {
  const std::vector<float> base = {std::log(0.4f), std::log(0.3f), std::log(0.2f), std::log(0.1f)};
  auto support = [&](SamplerParams p) {
    Sampler s(p, 4);
    std::set<int32_t> seen;
    for (int k = 0; k < 3000; ++k) {
      auto l = base;
      seen.insert(s.sample(l.data()));
    }
    return seen;
  };
  SamplerParams k2 = plain(1.0f);
  k2.top_k = 2;
  EXPECT_EQ(support(k2), (std::set<int32_t>{0, 1}));
  SamplerParams p = plain(1.0f);
  p.top_p = 0.65f;
  EXPECT_EQ(support(p), (std::set<int32_t>{0, 1}));
  SamplerParams m = plain(1.0f);
  m.min_p = 0.45f;  // floor 0.18: keeps 0.4, 0.3, 0.2
  EXPECT_EQ(support(m), (std::set<int32_t>{0, 1, 2}));
}

TEST(Sampler, LogprobsAreNormalised) {
  Sampler s(plain(0), 4);
  std::vector<float> l = {1.f, 2.f, 3.f, 4.f};
  const int32_t t = s.sample(l.data());
  EXPECT_EQ(t, 3);
  double total = 0;
  for (int i = 0; i < 4; ++i) total += std::exp(double(s.last_logprob(i)));
  EXPECT_NEAR(total, 1.0, 1e-6);
  auto top = s.last_top(2);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].id, 3);
  EXPECT_EQ(top[1].id, 2);
  EXPECT_NEAR(top[0].logprob, s.last_logprob(3), 1e-6);
}

// A vocabulary large enough that the nucleus spans several growing sort steps: the kept tokens
// are exactly the shortest most likely prefix a full sort gives, with ties broken by id.
TEST(Sampler, TopPOverLargeVocabularyKeepsTheExactNucleus) {
  const int32_t n = 5000;
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> level(0, 399);  // many equal logits: ties matter
  std::vector<float> base(static_cast<size_t>(n));
  for (auto& v : base) v = float(level(rng)) / 100.f;
  SamplerParams p = plain(1.0f, 11);
  p.top_p = 0.5f;
  // The reference nucleus from a full sort.
  std::vector<int32_t> order(static_cast<size_t>(n));
  for (int32_t i = 0; i < n; ++i) order[size_t(i)] = i;
  std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    return base[size_t(a)] > base[size_t(b)] || (base[size_t(a)] == base[size_t(b)] && a < b);
  });
  const float mx = base[size_t(order[0])];
  double total = 0;
  for (float v : base) total += std::exp(double(v - mx));
  std::set<int32_t> nucleus;
  double cum = 0;
  for (int32_t id : order) {
    cum += std::exp(double(base[size_t(id)] - mx)) / total;
    nucleus.insert(id);
    if (cum >= 0.5) break;
  }
  ASSERT_GT(nucleus.size(), 300u);  // past the first sort steps (64, 256)
  Sampler s(p, n);
  std::set<int32_t> seen;
  for (int k = 0; k < 20000; ++k) {
    auto l = base;
    const int32_t t = s.sample(l.data());
    ASSERT_TRUE(nucleus.count(t)) << "token " << t << " outside the nucleus";
    seen.insert(t);
  }
  EXPECT_GT(seen.size(), nucleus.size() * 9 / 10);
}
