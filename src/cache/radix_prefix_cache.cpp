#include "cache/radix_prefix_cache.h"

#include <algorithm>
#include <limits>

#include "core/error.h"

namespace ruvllm::cache {

namespace {

size_t common_prefix(std::span<const int32_t> a, std::span<const int32_t> b) {
  const size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

}  // namespace

double PrefixCacheStats::hit_rate() const {
  const uint64_t total = hit_tokens + miss_tokens;
  return total == 0 ? 0.0 : double(hit_tokens) / double(total);
}

RadixPrefixCache::RadixPrefixCache(std::shared_ptr<KvBlockPool> pool)
    : pool_(std::move(pool)),
      block_size_(pool_ ? pool_->block_size() : 0),
      whole_blocks_only_(pool_ && pool_->has_conv()) {
  if (!pool_) throw Error("the prefix cache needs a block pool");
  pool_->set_evictor([this](size_t n) { return evict(n); });
}

RadixPrefixCache::~RadixPrefixCache() {
  pool_->set_evictor(nullptr);
  std::lock_guard lock(mutex_);
  // Children before parents, without recursion (chains are as long as the longest sequence).
  std::vector<Node*> stack = {&root_};
  std::vector<Node*> order;
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    order.push_back(n);
    for (auto& c : n->children) stack.push_back(c.get());
  }
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    Node* n = *it;
    if (n->block) pool_->release(n->block);
    n->children.clear();
  }
}

RadixPrefixCache::Walk RadixPrefixCache::walk_locked(std::span<const int32_t> tokens) const {
  Walk w;
  const Node* node = &root_;
  while (size_t(w.n_tokens) < tokens.size()) {
    const auto rest = tokens.subspan(size_t(w.n_tokens));
    const Node* best = nullptr;
    size_t best_len = 0;
    for (const auto& child : node->children) {
      const size_t len = common_prefix(child->tokens, rest);
      if (len > best_len) {
        best = child.get();
        best_len = len;
      }
    }
    if (!best) break;
    w.path.push_back(const_cast<Node*>(best));
    w.n_tokens += int64_t(best_len);
    if (best_len < size_t(block_size_)) break;  // partial match or partial block: a leaf
    node = best;
  }
  return w;
}

int64_t RadixPrefixCache::usable_length(int64_t matched, int64_t max_tokens) const {
  int64_t n = std::min(matched, std::max<int64_t>(0, max_tokens));
  if (whole_blocks_only_) n -= n % block_size_;
  return n;
}

void RadixPrefixCache::touch_locked(Node* node) {
  const uint64_t t = ++tick_;
  if (node->children.empty()) {
    leaves_.erase({node->last_used, node});
    leaves_.insert({t, node});
  }
  node->last_used = t;
}

PrefixMatch& PrefixMatch::operator=(PrefixMatch&& other) noexcept {
  if (this != &other) {
    release();
    pool_ = std::move(other.pool_);
    n_tokens_ = other.n_tokens_;
    blocks_ = std::move(other.blocks_);
    other.blocks_.clear();
    other.n_tokens_ = 0;
  }
  return *this;
}

void PrefixMatch::release() {
  for (KvBlock* b : blocks_) pool_->release(b);
  blocks_.clear();
}

PrefixMatch RadixPrefixCache::lookup(std::span<const int32_t> tokens, int64_t max_tokens) {
  std::lock_guard lock(mutex_);
  const Walk w = walk_locked(tokens);
  const int64_t n = usable_length(w.n_tokens, max_tokens);
  const size_t used = pool_->blocks_for(n);
  std::vector<KvBlock*> blocks;
  blocks.reserve(used);
  for (size_t i = 0; i < used; ++i) {
    blocks.push_back(w.path[i]->block);
    pool_->retain(w.path[i]->block);
  }
  for (size_t i = used; i-- > 0;) touch_locked(w.path[i]);  // parents get the later tick
  ++counters_.lookups;
  counters_.hits += n > 0 ? 1 : 0;
  counters_.hit_tokens += uint64_t(n);
  counters_.miss_tokens += uint64_t(int64_t(tokens.size()) - n);
  return PrefixMatch(pool_, n, std::move(blocks));
}

int64_t RadixPrefixCache::attach(Session& session, std::span<const int32_t> tokens,
                                 int64_t max_tokens) {
  if (session.cache().pool() != pool_)
    throw Error("the session does not use the prefix cache's block pool");
  const PrefixMatch match = lookup(tokens, max_tokens);
  session.load_prefix(tokens.first(size_t(match.n_tokens())), match.blocks());
  return match.n_tokens();
}

int64_t RadixPrefixCache::cached_length(std::span<const int32_t> tokens) const {
  std::lock_guard lock(mutex_);
  return usable_length(walk_locked(tokens).n_tokens, int64_t(tokens.size()));
}

void RadixPrefixCache::insert(const Session& session) {
  if (session.cache().pool() != pool_)
    throw Error("the session does not use the prefix cache's block pool");
  insert(session.tokens(), session.cache().blocks());
}

RadixPrefixCache::Node* RadixPrefixCache::add_child_locked(Node* parent,
                                                           std::span<const int32_t> tokens,
                                                           KvBlock* block) {
  auto node = std::make_unique<Node>();
  node->tokens.assign(tokens.begin(), tokens.end());
  node->block = block;
  node->parent = parent;
  pool_->retain(block);
  if (parent != &root_ && parent->children.empty()) leaves_.erase({parent->last_used, parent});
  Node* raw = node.get();
  parent->children.push_back(std::move(node));
  raw->last_used = ++tick_;
  leaves_.insert({raw->last_used, raw});
  ++n_nodes_;
  return raw;
}

void RadixPrefixCache::remove_leaf_locked(Node* node) {
  leaves_.erase({node->last_used, node});
  pool_->release(node->block);
  Node* parent = node->parent;
  auto& siblings = parent->children;
  siblings.erase(std::find_if(siblings.begin(), siblings.end(),
                              [&](const std::unique_ptr<Node>& c) { return c.get() == node; }));
  --n_nodes_;
  if (parent != &root_ && parent->children.empty()) leaves_.insert({parent->last_used, parent});
}

void RadixPrefixCache::insert(std::span<const int32_t> tokens, std::span<KvBlock* const> blocks) {
  if (blocks.size() < pool_->blocks_for(int64_t(tokens.size())))
    throw Error("prefix cache insert: the tokens need more blocks than given");
  std::lock_guard lock(mutex_);
  ++counters_.inserts;
  Node* node = &root_;
  for (size_t pos = 0; pos < tokens.size(); pos += size_t(block_size_)) {
    const auto chunk = tokens.subspan(pos, std::min(size_t(block_size_), tokens.size() - pos));
    const bool full = chunk.size() == size_t(block_size_);
    if (!full && whole_blocks_only_) return;
    Node* same = nullptr;
    Node* shorter = nullptr;  // a partial leaf this chunk extends
    bool covered = false;     // a cached block already holds this partial chunk
    for (const auto& child : node->children) {
      const size_t len = common_prefix(child->tokens, chunk);
      if (len == chunk.size() && len == child->tokens.size())
        same = child.get();
      else if (len == child->tokens.size() && len < chunk.size())
        shorter = child.get();
      else if (len == chunk.size())
        covered = true;
    }
    if (same) {
      touch_locked(same);
      if (!full) return;
      node = same;
      continue;
    }
    if (covered) return;
    if (shorter) remove_leaf_locked(shorter);
    Node* added = add_child_locked(node, chunk, blocks[pos / size_t(block_size_)]);
    if (!full) return;
    node = added;
  }
}

void RadixPrefixCache::mark_pinned_locked(std::span<const int32_t> tokens, Clock::time_point until,
                                          bool raise) {
  const Walk w = walk_locked(tokens);
  const size_t used = pool_->blocks_for(usable_length(w.n_tokens, int64_t(tokens.size())));
  for (size_t i = 0; i < used; ++i)
    w.path[i]->pinned_until = raise ? std::max(w.path[i]->pinned_until, until) : until;
}

void RadixPrefixCache::pin(const std::string& key, std::span<const int32_t> tokens,
                           Clock::duration ttl) {
  const auto now = Clock::now();
  const auto until = now + ttl;
  std::lock_guard lock(mutex_);
  std::erase_if(pins_, [&](const auto& pin) { return pin.second.until <= now; });
  auto it = pins_.find(key);
  if (it == pins_.end()) {
    pins_.emplace(key, Pin{{tokens.begin(), tokens.end()}, until});
    mark_pinned_locked(tokens, until, true);
    return;
  }
  // The key's earlier pin is replaced, not extended: unpin its blocks, then let every pin
  // (this one included) mark its blocks again, as blocks may be shared by several keys.
  mark_pinned_locked(it->second.tokens, Clock::time_point{}, false);
  it->second = Pin{{tokens.begin(), tokens.end()}, until};
  for (const auto& [name, pin] : pins_) mark_pinned_locked(pin.tokens, pin.until, true);
}

bool RadixPrefixCache::evictable(const Node* node, Clock::time_point now,
                                 bool include_pinned) const {
  return KvBlockPool::refs(node->block) == 1 && (include_pinned || node->pinned_until <= now);
}

size_t RadixPrefixCache::evict_locked(size_t n_blocks, bool include_pinned) {
  const auto now = Clock::now();
  size_t freed = 0;
  // Removing a leaf may turn its parent into a leaf with an older tick, which the scan then
  // meets again from the start.
  auto it = leaves_.begin();
  while (freed < n_blocks && it != leaves_.end()) {
    Node* node = it->second;
    if (!evictable(node, now, include_pinned)) {
      ++it;
      continue;
    }
    remove_leaf_locked(node);
    ++freed;
    it = leaves_.begin();
  }
  counters_.evictions += freed;
  return freed;
}

size_t RadixPrefixCache::evict(size_t n_blocks) {
  std::lock_guard lock(mutex_);
  size_t freed = evict_locked(n_blocks, false);
  if (freed < n_blocks) freed += evict_locked(n_blocks - freed, true);
  return freed;
}

void RadixPrefixCache::clear() {
  evict(std::numeric_limits<size_t>::max());
}

PrefixCacheStats RadixPrefixCache::stats() const {
  PrefixCacheStats s;
  {
    std::lock_guard lock(mutex_);
    s = counters_;
    s.cached_blocks = n_nodes_;
    const auto now = Clock::now();
    std::vector<const Node*> stack = {&root_};
    while (!stack.empty()) {
      const Node* n = stack.back();
      stack.pop_back();
      if (n != &root_ && n->pinned_until > now) ++s.pinned_blocks;
      for (const auto& c : n->children) stack.push_back(c.get());
    }
  }
  s.cached_bytes = s.cached_blocks * pool_->block_bytes();
  const auto p = pool_->stats();
  s.pool_bytes = p.bytes;
  s.peak_pool_bytes = p.peak_bytes;
  s.budget_bytes = pool_->budget_bytes();
  return s;
}

}  // namespace ruvllm::cache
