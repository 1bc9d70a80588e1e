// Prefix cache: keys and values of token sequences seen before, shared by every sequence of a
// model (RadixAttention-style reuse over the runtime's paged KV cache).
//
// A radix tree over token ids whose edges are KV blocks: each node covers the positions of one
// block of its pool (block_size tokens; fewer for a sequence's last, partial block, which is
// always a leaf) and holds a reference to that block. A request looks up its longest cached
// prefix, which may end in the middle of a block, and maps those blocks read-only into its
// session (Session::load_prefix); the session copies a shared block before writing into it.
// Finished sequences (prompt and generated tokens) are inserted, so the next turn of a
// conversation hits. Models with convolution state (LFM2) resume only at block boundaries, so
// for them matches are rounded down to a block and partial blocks are not cached.
//
// Memory: the cache shares its pool's byte budget with the active sequences. When the pool is
// full it evicts least-recently-used leaves that no sequence references (blocks in use are
// never evicted); pinned prefixes (pin()) go last. Schedulers reserve a sequence's blocks in the
// pool before admitting it (KvBlockPool::try_reserve), so allocation never fails.
//
// Thread-safe: lookups, inserts, pins, eviction and stats may come from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "runtime/kv_block_pool.h"
#include "runtime/session.h"

namespace ruvllm::cache {

struct PrefixCacheStats {
  uint64_t lookups = 0;      // attach() calls
  uint64_t hits = 0;         // lookups that reused at least one token
  uint64_t hit_tokens = 0;   // tokens reused
  uint64_t miss_tokens = 0;  // tokens looked up but not found (to be evaluated)
  uint64_t inserts = 0;
  uint64_t evictions = 0;  // blocks evicted
  size_t cached_blocks = 0;
  size_t cached_bytes = 0;   // blocks held by the cache (some may be in use by sequences too)
  size_t pinned_blocks = 0;  // of those, pinned
  size_t pool_bytes = 0;     // everything the block pool holds (cache and active sequences)
  size_t peak_pool_bytes = 0;
  size_t budget_bytes = 0;  // 0: none
  // hit_tokens / (hit_tokens + miss_tokens), 0 before any lookup.
  double hit_rate() const;
};

// The blocks of a cached prefix, kept from eviction (one reference each) while this lives.
class PrefixMatch {
 public:
  PrefixMatch() = default;
  PrefixMatch(std::shared_ptr<KvBlockPool> pool, int64_t n_tokens, std::vector<KvBlock*> blocks)
      : pool_(std::move(pool)), n_tokens_(n_tokens), blocks_(std::move(blocks)) {}
  PrefixMatch(PrefixMatch&& other) noexcept = default;
  PrefixMatch& operator=(PrefixMatch&& other) noexcept;
  ~PrefixMatch() { release(); }

  int64_t n_tokens() const { return n_tokens_; }
  // blocks_for(n_tokens) blocks; the last one may hold more (unmatched) rows.
  std::span<KvBlock* const> blocks() const { return blocks_; }

 private:
  void release();
  std::shared_ptr<KvBlockPool> pool_;
  int64_t n_tokens_ = 0;
  std::vector<KvBlock*> blocks_;
};

class RadixPrefixCache {
 public:
  using Clock = std::chrono::steady_clock;

  // Caches blocks of `pool` and becomes its evictor.
  explicit RadixPrefixCache(std::shared_ptr<KvBlockPool> pool);
  ~RadixPrefixCache();
  RadixPrefixCache(const RadixPrefixCache&) = delete;
  RadixPrefixCache& operator=(const RadixPrefixCache&) = delete;

  const std::shared_ptr<KvBlockPool>& pool() const { return pool_; }

  // Replaces the session's contents with the longest cached prefix of `tokens`, at most
  // `max_tokens` long, and returns its length (0: nothing cached; the session is then empty).
  // The session must use this cache's pool.
  int64_t attach(Session& session, std::span<const int32_t> tokens, int64_t max_tokens);

  // The longest cached prefix of `tokens`, at most `max_tokens` long, counted in the statistics
  // as a lookup of tokens.size() tokens.
  PrefixMatch lookup(std::span<const int32_t> tokens, int64_t max_tokens);

  // Length of the longest cached prefix of `tokens` (no statistics, no LRU update).
  int64_t cached_length(std::span<const int32_t> tokens) const;

  // Caches the session's evaluated tokens. Blocks of positions already cached are not replaced.
  void insert(const Session& session);
  // Caches `tokens` whose positions are held by `blocks` (blocks_for(tokens.size()) of them).
  void insert(std::span<const int32_t> tokens, std::span<KvBlock* const> blocks);

  // Keeps the cached part of `tokens` from eviction until `ttl` from now, unless nothing else
  // can be evicted. `key` names the pin: pinning a key again replaces its tokens and expiry
  // (a shorter TTL shortens it); a block stays pinned while any unexpired key covers it.
  void pin(const std::string& key, std::span<const int32_t> tokens, Clock::duration ttl);

  // Evicts up to n unreferenced blocks, least recently used leaves first; returns how many.
  size_t evict(size_t n_blocks);
  // Drops every block no sequence references.
  void clear();

  PrefixCacheStats stats() const;

 private:
  struct Node {
    std::vector<int32_t> tokens;  // of the block's positions; fewer than block_size: a leaf
    KvBlock* block = nullptr;
    Node* parent = nullptr;
    std::vector<std::unique_ptr<Node>> children;
    uint64_t last_used = 0;
    Clock::time_point pinned_until{};
  };
  struct Walk {
    std::vector<Node*> path;  // nodes whose blocks hold the match
    int64_t n_tokens = 0;
  };

  Walk walk_locked(std::span<const int32_t> tokens) const;
  int64_t usable_length(int64_t matched, int64_t max_tokens) const;
  void touch_locked(Node* node);
  Node* add_child_locked(Node* parent, std::span<const int32_t> tokens, KvBlock* block);
  void remove_leaf_locked(Node* node);
  size_t evict_locked(size_t n_blocks, bool include_pinned);
  // Sets pinned_until of the cached blocks of `tokens` (at most `until` lower when `raise`).
  void mark_pinned_locked(std::span<const int32_t> tokens, Clock::time_point until, bool raise);
  bool evictable(const Node* node, Clock::time_point now, bool include_pinned) const;

  std::shared_ptr<KvBlockPool> pool_;
  int64_t block_size_;
  bool whole_blocks_only_;  // convolution state: resume only at block boundaries

  mutable std::mutex mutex_;
  Node root_;
  std::set<std::pair<uint64_t, Node*>> leaves_;  // by last use, oldest first
  uint64_t tick_ = 0;
  size_t n_nodes_ = 0;
  struct Pin {
    std::vector<int32_t> tokens;
    Clock::time_point until;
  };
  std::unordered_map<std::string, Pin> pins_;  // unexpired ones (expired are dropped on pin())
  PrefixCacheStats counters_;
};

}  // namespace ruvllm::cache
