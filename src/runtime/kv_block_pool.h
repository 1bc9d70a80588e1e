// Fixed-size blocks of KV memory shared by the sequences of one model (paged KV cache).
//
// A block holds `block_size` consecutive positions of a sequence: for every attention layer the
// key rows and the value rows of those positions (F16 or F32, as the KvCache stores them), and for
// every short-convolution layer (LFM2) a snapshot of the convolution window as it stood after the
// block's last position. That snapshot is what lets a sequence resume from a cached prefix that
// ends at a block boundary, since convolution state cannot be recomputed from K/V rows.
//
// Blocks are reference counted: a sequence's block table holds one reference per block, and so
// does the prefix cache for each block it keeps. A block with more than one reference is shared
// and read-only; a sequence about to write into it copies it first (copy-on-write, KvCache).
//
// Memory is bounded: with a byte budget the pool never holds more than budget / block_bytes()
// blocks (live plus recycled). When it is full, allocate() first asks the evictor (the prefix
// cache) to drop unreferenced cached blocks, and throws KvBudgetError if that frees nothing.
// Schedulers avoid that error by reserving the blocks a sequence may need before admitting it
// (try_reserve): the reservations of active sequences never exceed the capacity, and every block
// that is not reserved is held only by the cache and can be evicted.
//
// Thread-safe: any thread may allocate, retain, release and reserve. A block's contents are
// written only by the sequence that holds its only reference.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "core/error.h"
#include "core/ggml_type.h"
#include "model/model_config.h"

namespace ruvllm {

// An allocation that would exceed the pool's byte budget while nothing can be evicted.
class KvBudgetError : public Error {
 public:
  using Error::Error;
};

// One block: its reference count and its bytes (KvBlockPool::block_bytes(), 64-byte aligned).
struct KvBlock {
  std::atomic<int32_t> refs{0};
  uint8_t* data = nullptr;
};

class KvBlockPool {
 public:
  static constexpr int64_t kDefaultBlockSize = 16;

  // type: F16 or F32. budget_bytes: 0 for no limit.
  KvBlockPool(const ModelConfig& config, GgmlType type, int64_t block_size = kDefaultBlockSize,
              size_t budget_bytes = 0);
  ~KvBlockPool();
  KvBlockPool(const KvBlockPool&) = delete;
  KvBlockPool& operator=(const KvBlockPool&) = delete;

  GgmlType type() const { return type_; }
  int64_t block_size() const { return block_size_; }
  size_t block_bytes() const { return block_bytes_; }
  size_t budget_bytes() const { return budget_bytes_; }
  // Blocks the budget allows (SIZE_MAX without a budget).
  size_t capacity_blocks() const { return capacity_; }
  // Blocks needed for n positions.
  size_t blocks_for(int64_t n_tokens) const;

  // Layout, per layer of the model.
  int n_layer() const { return int(layers_.size()); }
  bool is_attention(int layer) const { return layers_[size_t(layer)].k_row > 0; }
  bool has_conv() const { return has_conv_; }
  int64_t k_row(int layer) const { return layers_[size_t(layer)].k_row; }  // elements
  int64_t v_row(int layer) const { return layers_[size_t(layer)].v_row; }
  size_t k_offset(int layer) const { return layers_[size_t(layer)].k_offset; }  // bytes
  size_t v_offset(int layer) const { return layers_[size_t(layer)].v_offset; }
  size_t conv_offset(int layer) const { return layers_[size_t(layer)].conv_offset; }
  int64_t conv_floats(int layer) const { return layers_[size_t(layer)].conv_floats; }
  // True when a KvCache of `config` can use this pool (same layer shapes).
  bool compatible(const ModelConfig& config) const;

  // A block with one reference and undefined contents. Evicts cached blocks when the pool is
  // full; throws KvBudgetError when it stays full.
  KvBlock* allocate();
  void retain(KvBlock* block) { block->refs.fetch_add(1, std::memory_order_relaxed); }
  // Drops one reference; the last one returns the block to the pool.
  void release(KvBlock* block);
  static int32_t refs(const KvBlock* block) { return block->refs.load(std::memory_order_acquire); }

  // The evictor frees up to n blocks of the pool (by releasing their last references) and
  // returns how many it freed. Called by allocate() on the allocating thread, with no pool lock
  // held. set_evictor(nullptr) waits for running calls to return.
  void set_evictor(std::function<size_t(size_t n)> evictor);

  // A claim on `blocks` of the capacity, held by one admitted sequence until destroyed.
  class Reservation {
   public:
    Reservation() = default;
    Reservation(Reservation&& other) noexcept;
    Reservation& operator=(Reservation&& other) noexcept;
    ~Reservation();
    size_t blocks() const { return blocks_; }

   private:
    friend class KvBlockPool;
    Reservation(KvBlockPool* pool, size_t blocks) : pool_(pool), blocks_(blocks) {}
    KvBlockPool* pool_ = nullptr;
    size_t blocks_ = 0;
  };
  // Reserves n blocks if the reservations held so far plus n fit the capacity, else nothing.
  std::optional<Reservation> try_reserve(size_t n_blocks);

  struct Stats {
    size_t live_blocks = 0;      // referenced
    size_t free_blocks = 0;      // allocated and kept for reuse
    size_t reserved_blocks = 0;  // claimed by admitted sequences
    size_t peak_blocks = 0;      // most blocks (live + free) ever held
    size_t bytes = 0;            // (live + free) * block_bytes
    size_t peak_bytes = 0;
  };
  Stats stats() const;

 private:
  struct LayerLayout {
    int64_t k_row = 0, v_row = 0, conv_floats = 0;
    size_t k_offset = 0, v_offset = 0, conv_offset = 0;
  };

  KvBlock* take_locked();
  void unreserve(size_t n);

  GgmlType type_;
  int64_t block_size_;
  size_t block_bytes_ = 0;
  size_t budget_bytes_;
  size_t capacity_;
  bool has_conv_ = false;
  std::vector<LayerLayout> layers_;

  mutable std::mutex mutex_;
  std::vector<KvBlock*> free_;
  size_t n_blocks_ = 0;  // live + free
  size_t peak_blocks_ = 0;
  size_t reserved_ = 0;
  std::mutex evictor_mutex_;  // held while the evictor runs or is replaced
  std::function<size_t(size_t)> evictor_;
};

}  // namespace ruvllm
