// Cached and uncached runs of the same request give bit-identical logits and greedy tokens, for
// every golden model: a prefix that ends mid-block and one that ends on a block boundary, a
// second conversation turn that hits the first turn's generated tokens, and a model with
// convolution state (which resumes at the last block boundary of the match).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "cache/radix_prefix_cache.h"
#include "model/model.h"
#include "runtime/session.h"
#include "support/golden.h"

namespace ruvllm::cache {
namespace {

namespace fs = std::filesystem;

constexpr int kGreedy = 5;

std::vector<std::string> golden_models() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(test::golden("models"), ec))
    if (e.path().extension() == ".gguf") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<int32_t> random_tokens(size_t n, int32_t n_vocab, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int32_t> dist(1, std::min(n_vocab, 30000) - 1);
  std::vector<int32_t> t(n);
  for (auto& x : t) x = dist(rng);
  return t;
}

int32_t argmax(std::span<const float> logits) {
  return int32_t(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

// The logits rows a request produces: after its prompt, then after each greedy token.
struct RequestRun {
  std::vector<std::vector<float>> logits;
  std::vector<int32_t> tokens;
};

RequestRun finish_request(Session& s, std::span<const int32_t> rest) {
  RequestRun r;
  auto l = s.eval(rest);
  for (int i = 0;; ++i) {
    r.logits.emplace_back(l.begin(), l.end());
    if (i == kGreedy) break;
    r.tokens.push_back(argmax(l));
    l = s.eval(std::span(&r.tokens.back(), 1));
  }
  return r;
}

void expect_same(const RequestRun& cached, const RequestRun& uncached, const std::string& what) {
  EXPECT_EQ(cached.tokens, uncached.tokens) << what;
  ASSERT_EQ(cached.logits.size(), uncached.logits.size());
  for (size_t i = 0; i < cached.logits.size(); ++i)
    EXPECT_EQ(0, std::memcmp(cached.logits[i].data(), uncached.logits[i].data(),
                             cached.logits[i].size() * sizeof(float)))
        << what << ": logits row " << i << " differ";
}

class CachedLogits : public testing::TestWithParam<std::string> {};

TEST_P(CachedLogits, CachedRunsAreBitIdenticalToUncached) {
  const fs::path path = test::golden("models/" + GetParam() + ".gguf");
  RUVLLM_REQUIRE_GOLDEN(path);
  auto model = Model::load(path.string());
  const ModelConfig& c = model->config();
  const int64_t n_ctx = std::min<int64_t>(128, default_context_size(c, 0));
  auto pool = std::make_shared<KvBlockPool>(c, GgmlType::F16, 16);
  RadixPrefixCache cache(pool);
  const bool conv = pool->has_conv();
  const SessionParams shared{.n_ctx = n_ctx, .max_batch = 24, .kv_pool = pool};
  const SessionParams plain{.n_ctx = n_ctx, .max_batch = 24};

  for (int64_t prefix_len : {37, 32}) {  // mid-block, then on a boundary
    const std::string what = GetParam() + ", prefix " + std::to_string(prefix_len);
    const auto prefix = random_tokens(size_t(prefix_len), c.n_vocab, uint32_t(prefix_len));
    auto prompt = prefix;
    const auto suffix = random_tokens(7, c.n_vocab, 99);
    prompt.insert(prompt.end(), suffix.begin(), suffix.end());

    // An earlier request shared the prefix and diverged after it.
    Session earlier(model, shared, nullptr);
    auto other = prefix;
    for (int32_t t : random_tokens(9, c.n_vocab, 7)) other.push_back(t);
    earlier.eval(other);
    cache.insert(earlier);
    earlier.clear();

    Session fresh(model, plain, nullptr);
    const RequestRun uncached = finish_request(fresh, prompt);

    Session s(model, shared, nullptr);
    const int64_t hit = cache.attach(s, prompt, int64_t(prompt.size()) - 1);
    EXPECT_EQ(hit, conv ? prefix_len / 16 * 16 : prefix_len) << what;
    const RequestRun cached = finish_request(s, std::span(prompt).subspan(size_t(hit)));
    expect_same(cached, uncached, what);

    // The next turn hits the whole first turn, generated tokens included.
    cache.insert(s);
    auto turn2 = s.tokens();
    for (int32_t t : random_tokens(5, c.n_vocab, 3)) turn2.push_back(t);
    const RequestRun uncached2 =
        finish_request(fresh, std::span(turn2).subspan(fresh.tokens().size()));
    Session s2(model, shared, nullptr);
    const int64_t hit2 = cache.attach(s2, turn2, int64_t(turn2.size()) - 1);
    const int64_t history = int64_t(s.tokens().size());
    EXPECT_EQ(hit2, conv ? history / 16 * 16 : history) << what;
    expect_same(finish_request(s2, std::span(turn2).subspan(size_t(hit2))), uncached2,
                what + ", second turn");
  }
  EXPECT_GT(cache.stats().hit_tokens, 0u);
}

INSTANTIATE_TEST_SUITE_P(Golden, CachedLogits, testing::ValuesIn(golden_models()),
                         [](const testing::TestParamInfo<std::string>& info) {
                           std::string s = info.param;
                           for (char& ch : s)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return s;
                         });

TEST(CachedLogitsCoverage, EveryArchitectureIsAmongTheGoldenModels) {
  const auto names = golden_models();
  if (names.empty()) {
    if (test::in_ci()) FAIL() << "no golden models";
    GTEST_SKIP() << "no golden models";
  }
  for (const char* arch : {"llama", "qwen2", "qwen3", "phi3", "gemma2", "gemma3", "lfm2"})
    EXPECT_TRUE(std::any_of(names.begin(), names.end(), [&](const std::string& n) {
      return n.find(arch) != std::string::npos;
    })) << arch;
}

}  // namespace
}  // namespace ruvllm::cache
