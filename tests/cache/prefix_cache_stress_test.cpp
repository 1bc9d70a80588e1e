// Many threads share one prefix cache and one byte-bounded block pool, as the server's requests
// do: four shared "system prompts", diverging user turns, second turns that extend the first.
// Every request's greedy tokens and logits must equal an uncached run's, the pool must never
// hold more than its budget, and reservations must make admission wait rather than fail.
// (Run under ThreadSanitizer: scripts/sanitize.sh tsan.)
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "cache/radix_prefix_cache.h"
#include "model/model.h"
#include "runtime/session.h"
#include "support/golden.h"

namespace ruvllm::cache {
namespace {

constexpr int kThreads = 16;
constexpr int kRequests = 1000;
constexpr int kGreedy = 4;

struct Request {
  std::vector<int32_t> prompt;
  std::vector<int32_t> expected_tokens;  // greedy, uncached
  std::vector<float> expected_last;      // logits after the last greedy token
};

std::vector<int32_t> random_tokens(std::mt19937& rng, size_t n) {
  std::uniform_int_distribution<int32_t> dist(1, 511);
  std::vector<int32_t> t(n);
  for (auto& x : t) x = dist(rng);
  return t;
}

int32_t argmax(std::span<const float> l) {
  return int32_t(std::max_element(l.begin(), l.end()) - l.begin());
}

// Greedy continuation of a session whose prompt was just evaluated; leaves its last logits.
std::vector<int32_t> greedy(Session& s, std::span<const float> logits) {
  std::vector<int32_t> out;
  for (int i = 0; i < kGreedy; ++i) {
    out.push_back(argmax(logits));
    logits = s.eval(std::span(&out.back(), 1));
  }
  return out;
}

TEST(PrefixCacheStress, ThousandRequestsFromSixteenThreads) {
  const auto path = test::golden("models/stories260Ktok512.gguf");
  RUVLLM_REQUIRE_GOLDEN(path);
  auto model = Model::load(path.string());
  constexpr int64_t kCtx = 128;

  // Reference outputs, uncached: 4 system prompts x 6 user turns, each with a second turn.
  std::mt19937 rng(42);
  std::vector<std::vector<int32_t>> systems;
  for (int i = 0; i < 4; ++i) systems.push_back(random_tokens(rng, 30 + 9 * size_t(i)));
  std::vector<Request> requests;
  for (const auto& system : systems)
    for (int u = 0; u < 6; ++u) {
      Request first;
      first.prompt = system;
      for (int32_t t : random_tokens(rng, 3 + size_t(u))) first.prompt.push_back(t);
      Session s(model, SessionParams{.n_ctx = kCtx}, nullptr);
      first.expected_tokens = greedy(s, s.eval(first.prompt));
      first.expected_last.assign(s.last_logits().begin(), s.last_logits().end());
      Request second;
      second.prompt = first.prompt;
      second.prompt.insert(second.prompt.end(), first.expected_tokens.begin(),
                           first.expected_tokens.end());
      for (int32_t t : random_tokens(rng, 5)) second.prompt.push_back(t);
      Session s2(model, SessionParams{.n_ctx = kCtx}, nullptr);
      second.expected_tokens = greedy(s2, s2.eval(second.prompt));
      second.expected_last.assign(s2.last_logits().begin(), s2.last_logits().end());
      requests.push_back(std::move(first));
      requests.push_back(std::move(second));
    }

  // A budget far below what caching everything would take, so that eviction runs all the time.
  KvBlockPool probe(model->config(), GgmlType::F16, 16);
  const size_t budget_blocks = 48;
  auto pool = std::make_shared<KvBlockPool>(model->config(), GgmlType::F16, 16,
                                            budget_blocks * probe.block_bytes());
  RadixPrefixCache cache(pool);
  std::atomic<int> next{0}, wrong{0}, waits{0}, errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      std::mt19937 pick{uint32_t(t) * 7919u};
      Session s(model, SessionParams{.n_ctx = kCtx, .max_batch = 32, .kv_pool = pool}, nullptr);
      while (next.fetch_add(1) < kRequests) {
        const Request& r = requests[pick() % requests.size()];
        const int64_t need = int64_t(r.prompt.size()) + kGreedy;
        std::optional<KvBlockPool::Reservation> admitted;
        while (!(admitted = pool->try_reserve(pool->blocks_for(need)))) {
          ++waits;
          std::this_thread::yield();
        }
        try {
          const int64_t hit = cache.attach(s, r.prompt, int64_t(r.prompt.size()) - 1);
          const auto tokens = greedy(s, s.eval(std::span(r.prompt).subspan(size_t(hit))));
          const auto last = s.last_logits();
          if (tokens != r.expected_tokens ||
              std::memcmp(last.data(), r.expected_last.data(), last.size() * sizeof(float)) != 0)
            ++wrong;
          cache.insert(s);
        } catch (const std::exception&) {
          ++errors;
        }
        s.clear();
      }
    });
  for (auto& th : threads) th.join();

  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(wrong.load(), 0);
  const auto st = cache.stats();
  EXPECT_EQ(st.lookups, uint64_t(kRequests));
  EXPECT_LE(st.peak_pool_bytes, budget_blocks * probe.block_bytes());
  EXPECT_GT(st.evictions, 0u);
  EXPECT_GT(st.hit_rate(), 0.5);
  EXPECT_GT(waits.load(), 0);  // admission waited for room instead of over-allocating
  EXPECT_EQ(pool->stats().reserved_blocks, 0u);
  EXPECT_EQ(pool->stats().live_blocks, st.cached_blocks);  // sessions gave everything back
}

}  // namespace
}  // namespace ruvllm::cache
