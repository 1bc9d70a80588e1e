// The radix tree of the prefix cache on a model-free pool: longest-prefix matches (also ending
// mid-block), inserts that share and extend, LRU eviction of unreferenced leaves only, pins,
// statistics; and randomized properties of sequences of operations under a byte budget.
#include "cache/radix_prefix_cache.h"

#include <gtest/gtest.h>

#include <random>
#include <thread>

#include "cache_test_util.h"

#if RUVLLM_HAVE_RAPIDCHECK
#include <rapidcheck/gtest.h>
#endif

namespace ruvllm::cache {
namespace {

using test::blocks_hold;
using test::blocks_recording;
using test::release_all;

std::vector<int32_t> seq(int32_t first, size_t n) {
  std::vector<int32_t> t(n);
  for (size_t i = 0; i < n; ++i) t[i] = first + int32_t(i);
  return t;
}

std::vector<int32_t> concat(std::vector<int32_t> a, const std::vector<int32_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

class RadixCache : public testing::Test {
 protected:
  std::shared_ptr<KvBlockPool> pool_ =
      std::make_shared<KvBlockPool>(test::tiny_attention_config(), GgmlType::F16, 4);

  // Inserts tokens as a finished sequence would, then lets go of the sequence's blocks.
  void insert(RadixPrefixCache& cache, const std::vector<int32_t>& tokens) {
    auto blocks = blocks_recording(*pool_, tokens);
    cache.insert(tokens, blocks);
    release_all(*pool_, blocks);
  }
};

TEST_F(RadixCache, EmptyCacheMisses) {
  RadixPrefixCache cache(pool_);
  const auto t = seq(1, 10);
  const PrefixMatch m = cache.lookup(t, 10);
  EXPECT_EQ(m.n_tokens(), 0);
  EXPECT_TRUE(m.blocks().empty());
  const auto s = cache.stats();
  EXPECT_EQ(s.lookups, 1u);
  EXPECT_EQ(s.hits, 0u);
  EXPECT_EQ(s.miss_tokens, 10u);
  EXPECT_EQ(s.hit_rate(), 0.0);
}

TEST_F(RadixCache, FindsTheLongestPrefixEvenMidBlock) {
  RadixPrefixCache cache(pool_);
  const auto a = seq(100, 10);  // blocks of 4: [4][4][2]
  insert(cache, a);
  EXPECT_EQ(cache.stats().cached_blocks, 3u);
  auto probe = concat(std::vector<int32_t>(a.begin(), a.begin() + 6), seq(7, 5));
  const PrefixMatch m = cache.lookup(probe, 100);
  EXPECT_EQ(m.n_tokens(), 6);  // two rows into the second block
  ASSERT_EQ(m.blocks().size(), 2u);
  EXPECT_TRUE(blocks_hold(*pool_, m.blocks(), probe, 6));
  EXPECT_EQ(cache.lookup(a, 100).n_tokens(), 10);
  EXPECT_EQ(cache.lookup(a, 9).n_tokens(), 9);  // capped
  EXPECT_EQ(cache.cached_length(seq(5, 3)), 0);
  const auto s = cache.stats();
  EXPECT_EQ(s.lookups, 3u);
  EXPECT_EQ(s.hits, 3u);
  EXPECT_EQ(s.hit_tokens, 25u);
  EXPECT_EQ(s.miss_tokens, 5u + 0u + 1u);
  EXPECT_EQ(s.cached_bytes, 3 * pool_->block_bytes());
}

TEST_F(RadixCache, SharedPrefixesShareBlocksAndExtensionsReplacePartialLeaves) {
  RadixPrefixCache cache(pool_);
  const auto system = seq(1, 8);
  insert(cache, concat(system, seq(50, 3)));  // 2 full + 1 partial
  insert(cache, concat(system, seq(60, 4)));  // shares 2, adds 1 full
  EXPECT_EQ(cache.stats().cached_blocks, 4u);
  // The next turn of the first conversation extends its partial last block.
  const auto turn2 = concat(concat(system, seq(50, 3)), seq(70, 6));
  insert(cache, turn2);
  EXPECT_EQ(cache.stats().cached_blocks, 6u);  // partial leaf replaced by a full block + 1 more
  const PrefixMatch m = cache.lookup(turn2, 100);
  EXPECT_EQ(m.n_tokens(), 17);
  EXPECT_TRUE(blocks_hold(*pool_, m.blocks(), turn2, 17));
  // Inserting a prefix of what is cached adds nothing.
  insert(cache, std::vector<int32_t>(turn2.begin(), turn2.begin() + 10));
  EXPECT_EQ(cache.stats().cached_blocks, 6u);
}

TEST_F(RadixCache, EvictsLeastRecentlyUsedLeavesButNeverBlocksInUse) {
  auto pool = std::make_shared<KvBlockPool>(test::tiny_attention_config(), GgmlType::F16, 4,
                                            4 * pool_->block_bytes());
  RadixPrefixCache cache(pool);
  const auto a = seq(10, 8), b = seq(20, 8);
  {
    auto blocks = blocks_recording(*pool, a);
    cache.insert(a, blocks);
    release_all(*pool, blocks);
  }
  {
    auto blocks = blocks_recording(*pool, b);
    cache.insert(b, blocks);
    release_all(*pool, blocks);
  }
  EXPECT_EQ(cache.lookup(a, 8).n_tokens(), 8);  // a is now more recent than b
  // A new sequence needs two blocks: b's go first, leaf before parent.
  auto held = blocks_recording(*pool, seq(30, 8));
  EXPECT_EQ(cache.cached_length(a), 8);
  EXPECT_EQ(cache.cached_length(b), 0);
  EXPECT_EQ(cache.stats().evictions, 2u);
  // Blocks mapped by a live match are in use and survive.
  const PrefixMatch in_use = cache.lookup(a, 8);
  EXPECT_THROW(pool->allocate(), KvBudgetError);
  EXPECT_EQ(cache.cached_length(a), 8);
  release_all(*pool, held);
  EXPECT_LE(pool->stats().peak_bytes, 4 * pool->block_bytes());
}

TEST_F(RadixCache, PinnedPrefixesAreEvictedLast) {
  auto pool = std::make_shared<KvBlockPool>(test::tiny_attention_config(), GgmlType::F16, 4,
                                            4 * pool_->block_bytes());
  RadixPrefixCache cache(pool);
  const auto a = seq(10, 8), b = seq(20, 8);
  for (const auto* t : {&a, &b}) {
    auto blocks = blocks_recording(*pool, *t);
    cache.insert(*t, blocks);
    release_all(*pool, blocks);
  }
  cache.pin("system", a, std::chrono::seconds(60));
  EXPECT_EQ(cache.stats().pinned_blocks, 2u);
  cache.lookup(b, 8);  // b most recent, but a is pinned
  EXPECT_EQ(cache.evict(2), 2u);
  EXPECT_EQ(cache.cached_length(a), 8);
  EXPECT_EQ(cache.cached_length(b), 0);
  EXPECT_EQ(cache.evict(10), 2u);  // nothing else left: pins give way
  EXPECT_EQ(cache.stats().cached_blocks, 0u);
  cache.pin("expired", a, std::chrono::seconds(0));
}

// A pin protects its blocks until its TTL runs out; pinning a key again replaces its expiry
// (shorter too) and its tokens, while blocks another unexpired key covers stay pinned.
TEST_F(RadixCache, PinsExpireAndARepinReplacesTheKeysExpiry) {
  using namespace std::chrono_literals;
  auto pool = std::make_shared<KvBlockPool>(test::tiny_attention_config(), GgmlType::F16, 4);
  RadixPrefixCache cache(pool);
  const auto a = seq(10, 8), b = seq(20, 8), c = seq(30, 8);
  for (const auto* t : {&a, &b, &c}) {
    auto blocks = blocks_recording(*pool, *t);
    cache.insert(*t, blocks);
    release_all(*pool, blocks);
  }
  // a is the least recently used: without a pin it goes first.
  cache.pin("short", a, 50ms);
  EXPECT_EQ(cache.stats().pinned_blocks, 2u);
  std::this_thread::sleep_for(120ms);
  EXPECT_EQ(cache.stats().pinned_blocks, 0u);
  EXPECT_EQ(cache.evict(2), 2u);
  EXPECT_EQ(cache.cached_length(a), 0);
  EXPECT_EQ(cache.cached_length(b), 8);

  // A long pin shortened by pinning the same key again.
  cache.pin("system", b, 1h);
  cache.pin("system", b, 50ms);
  std::this_thread::sleep_for(120ms);
  EXPECT_EQ(cache.stats().pinned_blocks, 0u);
  EXPECT_EQ(cache.evict(2), 2u);  // b is now the oldest unpinned leaf
  EXPECT_EQ(cache.cached_length(b), 0);
  EXPECT_EQ(cache.cached_length(c), 8);

  // Two keys share c's blocks: shortening one leaves the other's protection.
  cache.pin("x", c, 1h);
  cache.pin("y", c, 1h);
  cache.pin("x", c, 1ms);
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(cache.stats().pinned_blocks, 2u);
  // A key pinned to other tokens moves: c keeps only y's pin, and y moving frees c.
  insert(cache, a);
  cache.pin("y", a, 1h);
  EXPECT_EQ(cache.stats().pinned_blocks, 2u);  // a's blocks only
  cache.lookup(a, 8);                          // a most recent but pinned; c older and free
  EXPECT_EQ(cache.evict(2), 2u);
  EXPECT_EQ(cache.cached_length(c), 0);
  EXPECT_EQ(cache.cached_length(a), 8);
}

TEST_F(RadixCache, ClearKeepsOnlyBlocksInUse) {
  RadixPrefixCache cache(pool_);
  insert(cache, seq(1, 9));
  insert(cache, seq(40, 5));
  {
    const PrefixMatch m = cache.lookup(seq(1, 9), 6);
    cache.clear();
    EXPECT_EQ(cache.stats().cached_blocks, 2u);  // the two blocks m maps
  }
  cache.clear();
  EXPECT_EQ(cache.stats().cached_blocks, 0u);
  EXPECT_EQ(pool_->stats().live_blocks, 0u);
}

TEST_F(RadixCache, RejectsTooFewBlocks) {
  RadixPrefixCache cache(pool_);
  auto blocks = blocks_recording(*pool_, seq(1, 4));
  EXPECT_THROW(cache.insert(seq(1, 5), blocks), Error);
  release_all(*pool_, blocks);
}

TEST_F(RadixCache, ConcurrentInsertsAndLookupsStayConsistent) {
  auto pool = std::make_shared<KvBlockPool>(test::tiny_attention_config(), GgmlType::F16, 4,
                                            40 * pool_->block_bytes());
  RadixPrefixCache cache(pool);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      std::mt19937 rng{uint32_t(t)};
      for (int i = 0; i < 300; ++i) {
        auto tokens = seq(int32_t(rng() % 3) * 100, 6 + rng() % 6);  // three shared prefixes
        tokens.push_back(int32_t(rng() % 5));                        // diverging tails
        auto reservation = pool->try_reserve(pool->blocks_for(int64_t(tokens.size())));
        if (!reservation) continue;
        const PrefixMatch m = cache.lookup(tokens, int64_t(tokens.size()));
        if (!blocks_hold(*pool, m.blocks(), tokens, m.n_tokens())) ++wrong;
        auto blocks = blocks_recording(*pool, tokens);
        cache.insert(tokens, blocks);
        release_all(*pool, blocks);
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE(pool->stats().peak_bytes, 40 * pool->block_bytes());
  EXPECT_GT(cache.stats().hits, 0u);
}

#if RUVLLM_HAVE_RAPIDCHECK

// Any sequence of inserts, lookups (some held, as running sequences hold their prefix) and
// releases under a small budget: lookups return only tokens that were inserted, with blocks
// that hold exactly those tokens; held blocks are never evicted; memory stays within budget.
RC_GTEST_PROP(RadixCacheProperties, LookupsAreCorrectAndMemoryBounded, ()) {
  const int64_t bs = *rc::gen::inRange<int64_t>(1, 6);
  const size_t capacity = *rc::gen::inRange<size_t>(8, 24);
  KvBlockPool probe(test::tiny_attention_config(), GgmlType::F16, bs);
  auto pool = std::make_shared<KvBlockPool>(test::tiny_attention_config(), GgmlType::F16, bs,
                                            capacity * probe.block_bytes());
  RadixPrefixCache cache(pool);
  std::vector<std::vector<int32_t>> inserted;
  std::vector<std::pair<std::vector<int32_t>, PrefixMatch>> held;
  const int steps = *rc::gen::inRange(1, 60);
  for (int step = 0; step < steps; ++step) {
    // Small alphabet and lengths: many shared and diverging prefixes.
    const auto tokens = *rc::gen::container<std::vector<int32_t>>(*rc::gen::inRange<size_t>(1, 14),
                                                                  rc::gen::inRange<int32_t>(0, 3));
    const int op = *rc::gen::inRange(0, 4);
    if (op == 0) {
      if (held.size() > 3) held.erase(held.begin());
      PrefixMatch m = cache.lookup(tokens, int64_t(tokens.size()));
      RC_ASSERT(m.n_tokens() <= int64_t(tokens.size()));
      RC_ASSERT(blocks_hold(*pool, m.blocks(), tokens, m.n_tokens()));
      held.emplace_back(tokens, std::move(m));
    } else if (op == 1 && !held.empty()) {
      held.erase(held.begin());
    } else {
      auto reservation = pool->try_reserve(pool->blocks_for(int64_t(tokens.size())));
      if (!reservation) continue;
      std::vector<KvBlock*> blocks;
      try {
        blocks = blocks_recording(*pool, tokens);
      } catch (const KvBudgetError&) {
        // Held matches pin blocks that the reservations do not account for.
        continue;
      }
      cache.insert(tokens, blocks);
      release_all(*pool, blocks);
      inserted.push_back(tokens);
    }
    for (const auto& [t, m] : held) RC_ASSERT(blocks_hold(*pool, m.blocks(), t, m.n_tokens()));
    RC_ASSERT(pool->stats().bytes <= capacity * pool->block_bytes());
  }
  // A cached prefix is always a prefix of something inserted.
  for (const auto& t : inserted) {
    const int64_t n = cache.cached_length(t);
    bool found = n == 0;
    for (const auto& u : inserted)
      if (int64_t(u.size()) >= n && std::equal(t.begin(), t.begin() + n, u.begin())) found = true;
    RC_ASSERT(found);
  }
}

#endif

}  // namespace
}  // namespace ruvllm::cache
