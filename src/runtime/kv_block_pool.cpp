#include "runtime/kv_block_pool.h"

#include <limits>
#include <new>
#include <string>

namespace ruvllm {

namespace {

constexpr size_t kAlign = 64;

size_t align_up(size_t n) {
  return (n + kAlign - 1) / kAlign * kAlign;
}

}  // namespace

KvBlockPool::KvBlockPool(const ModelConfig& c, GgmlType type, int64_t block_size,
                         size_t budget_bytes)
    : type_(type), block_size_(block_size), budget_bytes_(budget_bytes) {
  if (type != GgmlType::F16 && type != GgmlType::F32)
    throw UnsupportedError("KV cache type must be f16 or f32");
  if (block_size <= 0 || block_size > 4096)
    throw Error("KV block size must be between 1 and 4096 positions");
  const size_t elem = type == GgmlType::F16 ? 2 : 4;
  size_t offset = 0;
  layers_.resize(c.layers.size());
  for (size_t il = 0; il < c.layers.size(); ++il) {
    const LayerConfig& l = c.layers[il];
    LayerLayout& out = layers_[il];
    if (l.kind == LayerKind::Attention) {
      out.k_row = int64_t(l.n_head_kv) * c.head_dim_k;
      out.v_row = int64_t(l.n_head_kv) * c.head_dim_v;
      out.k_offset = offset;
      offset = align_up(offset + size_t(block_size * out.k_row) * elem);
      out.v_offset = offset;
      offset = align_up(offset + size_t(block_size * out.v_row) * elem);
    } else {
      has_conv_ = true;
      out.conv_floats = int64_t(std::max(0, c.conv_kernel - 1)) * c.n_embd;
      out.conv_offset = offset;
      offset = align_up(offset + size_t(out.conv_floats) * sizeof(float));
    }
  }
  block_bytes_ = std::max(offset, kAlign);
  capacity_ = budget_bytes == 0 ? std::numeric_limits<size_t>::max() : budget_bytes / block_bytes_;
  if (budget_bytes != 0 && capacity_ == 0)
    throw Error("the KV cache budget of " + std::to_string(budget_bytes) +
                " bytes is smaller than one block (" + std::to_string(block_bytes_) + " bytes)");
}

KvBlockPool::~KvBlockPool() {
  // Blocks still referenced belong to caches that outlive the pool: a caller bug, but freeing
  // only the recycled ones keeps that from becoming a double free.
  for (KvBlock* b : free_) {
    ::operator delete(b->data, std::align_val_t(kAlign));
    delete b;
  }
}

size_t KvBlockPool::blocks_for(int64_t n_tokens) const {
  return n_tokens <= 0 ? 0 : size_t((n_tokens + block_size_ - 1) / block_size_);
}

bool KvBlockPool::compatible(const ModelConfig& c) const {
  if (c.layers.size() != layers_.size()) return false;
  for (size_t il = 0; il < layers_.size(); ++il) {
    const LayerConfig& l = c.layers[il];
    const LayerLayout& p = layers_[il];
    if (l.kind == LayerKind::Attention) {
      if (p.k_row != int64_t(l.n_head_kv) * c.head_dim_k ||
          p.v_row != int64_t(l.n_head_kv) * c.head_dim_v)
        return false;
    } else if (p.k_row != 0 ||
               p.conv_floats != int64_t(std::max(0, c.conv_kernel - 1)) * c.n_embd) {
      return false;
    }
  }
  return true;
}

KvBlock* KvBlockPool::take_locked() {
  if (!free_.empty()) {
    KvBlock* b = free_.back();
    free_.pop_back();
    b->refs.store(1, std::memory_order_relaxed);
    return b;
  }
  if (n_blocks_ >= capacity_) return nullptr;
  auto* b = new KvBlock;
  b->data = static_cast<uint8_t*>(::operator new(block_bytes_, std::align_val_t(kAlign)));
  b->refs.store(1, std::memory_order_relaxed);
  ++n_blocks_;
  peak_blocks_ = std::max(peak_blocks_, n_blocks_);
  return b;
}

KvBlock* KvBlockPool::allocate() {
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (KvBlock* b = take_locked()) return b;
    }
    size_t freed = 0;
    {
      std::lock_guard lock(evictor_mutex_);
      if (evictor_) freed = evictor_(1);
    }
    if (freed == 0) {
      // Another thread's release may have refilled the free list meanwhile.
      std::lock_guard lock(mutex_);
      if (KvBlock* b = take_locked()) return b;
      throw KvBudgetError("the KV cache budget of " + std::to_string(budget_bytes_) +
                          " bytes is used up by active sequences");
    }
  }
}

void KvBlockPool::release(KvBlock* block) {
  if (block->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  std::lock_guard lock(mutex_);
  free_.push_back(block);
}

void KvBlockPool::set_evictor(std::function<size_t(size_t)> evictor) {
  std::lock_guard lock(evictor_mutex_);
  evictor_ = std::move(evictor);
}

std::optional<KvBlockPool::Reservation> KvBlockPool::try_reserve(size_t n_blocks) {
  std::lock_guard lock(mutex_);
  if (n_blocks > capacity_ || reserved_ > capacity_ - n_blocks) return std::nullopt;
  reserved_ += n_blocks;
  return Reservation(this, n_blocks);
}

void KvBlockPool::unreserve(size_t n) {
  std::lock_guard lock(mutex_);
  reserved_ -= n;
}

KvBlockPool::Reservation::Reservation(Reservation&& other) noexcept
    : pool_(other.pool_), blocks_(other.blocks_) {
  other.pool_ = nullptr;
  other.blocks_ = 0;
}

KvBlockPool::Reservation& KvBlockPool::Reservation::operator=(Reservation&& other) noexcept {
  if (this != &other) {
    if (pool_) pool_->unreserve(blocks_);
    pool_ = other.pool_;
    blocks_ = other.blocks_;
    other.pool_ = nullptr;
    other.blocks_ = 0;
  }
  return *this;
}

KvBlockPool::Reservation::~Reservation() {
  if (pool_) pool_->unreserve(blocks_);
}

KvBlockPool::Stats KvBlockPool::stats() const {
  std::lock_guard lock(mutex_);
  Stats s;
  s.free_blocks = free_.size();
  s.live_blocks = n_blocks_ - free_.size();
  s.reserved_blocks = reserved_;
  s.peak_blocks = peak_blocks_;
  s.bytes = n_blocks_ * block_bytes_;
  s.peak_bytes = peak_blocks_ * block_bytes_;
  return s;
}

}  // namespace ruvllm
