// A thread-safe cache of immutable results keyed by a 64-bit hash, bounded by the bytes its
// values report (`memory_bytes()`): an insert that would pass the budget empties it first.
// Entries in use stay alive through their shared_ptr. The grammar layer keeps process-wide ones
// (position masks, vocabulary subtree classes) shared by every compiled grammar.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace ruvllm::structured {

template <typename Value>
class BoundedSharedCache {
 public:
  explicit BoundedSharedCache(size_t budget_bytes) : budget_bytes_(budget_bytes) {}

  std::shared_ptr<const Value> find(uint64_t key) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(key);
    return it == entries_.end() ? nullptr : it->second;
  }

  void insert(uint64_t key, std::shared_ptr<const Value> value) {
    std::lock_guard<std::mutex> lock(mutex_);
    const size_t size = value->memory_bytes();
    if (bytes_ + size > budget_bytes_) {
      entries_.clear();
      bytes_ = 0;
    }
    if (entries_.emplace(key, std::move(value)).second) bytes_ += size;
  }

  void clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    entries_.clear();
    bytes_ = 0;
  }

 private:
  const size_t budget_bytes_;
  std::mutex mutex_;
  std::unordered_map<uint64_t, std::shared_ptr<const Value>> entries_;
  size_t bytes_ = 0;
};

}  // namespace ruvllm::structured
