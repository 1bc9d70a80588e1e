#include "runtime/kv_cache.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "core/error.h"
#include "core/half.h"

namespace ruvllm {

KvCache::KvCache(const ModelConfig& c, int64_t n_ctx, GgmlType type)
    : KvCache(c, n_ctx, std::make_shared<KvBlockPool>(c, type)) {}

KvCache::KvCache(const ModelConfig& c, int64_t n_ctx, std::shared_ptr<KvBlockPool> pool)
    : pool_(std::move(pool)), n_ctx_(n_ctx) {
  if (!pool_) throw Error("KV cache needs a block pool");
  if (!pool_->compatible(c)) throw Error("the KV block pool was made for a different model");
  if (n_ctx <= 0) throw Error("KV cache context size must be positive");
  conv_.resize(c.layers.size());
  for (int il = 0; il < pool_->n_layer(); ++il)
    conv_[size_t(il)].assign(size_t(pool_->conv_floats(il)), 0.0f);
  table_.reserve(pool_->blocks_for(n_ctx));
  data_.reserve(table_.capacity());
}

KvCache::~KvCache() {
  release_from(0);
}

size_t KvCache::bytes() const {
  size_t n = table_.size() * pool_->block_bytes();
  for (const auto& s : conv_) n += s.size() * sizeof(float);
  return n;
}

void KvCache::release_from(size_t first_block) {
  for (size_t i = first_block; i < table_.size(); ++i) pool_->release(table_[i]);
  table_.resize(std::min(first_block, table_.size()));
  data_.resize(table_.size());
}

void KvCache::clear() {
  n_past_ = 0;
  release_from(0);
  for (auto& s : conv_) std::fill(s.begin(), s.end(), 0.0f);
}

bool KvCache::can_truncate(int64_t n) const {
  if (n < 0 || n > n_past_) return false;
  return !pool_->has_conv() || n == 0 || n == n_past_ || n % block_size() == 0;
}

void KvCache::truncate(int64_t n) {
  if (n < 0 || n > n_past_)
    throw Error("cannot truncate the KV cache to " + std::to_string(n) + " positions: it holds " +
                std::to_string(n_past_));
  if (n == 0) return clear();
  if (n == n_past_) return;
  if (!can_truncate(n))
    throw Error(
        "this model keeps recurrent convolution state, which can be rewound only to a "
        "multiple of " +
        std::to_string(block_size()) + " positions, not to " + std::to_string(n));
  release_from(pool_->blocks_for(n));
  n_past_ = n;
  if (pool_->has_conv()) restore_conv(n);
}

void KvCache::restore_conv(int64_t n) {
  const uint8_t* block = table_[size_t(n / block_size() - 1)]->data;
  for (int il = 0; il < pool_->n_layer(); ++il) {
    auto& state = conv_[size_t(il)];
    if (!state.empty())
      std::memcpy(state.data(), block + pool_->conv_offset(il), state.size() * sizeof(float));
  }
}

void KvCache::prepare(int64_t n) {
  if (n <= 0) return;
  if (n_past_ + n > n_ctx_)
    throw Error("KV cache position out of range: " + std::to_string(n_past_ + n) +
                " exceeds the context size " + std::to_string(n_ctx_));
  const size_t first = size_t(n_past_ / block_size());
  const size_t end = pool_->blocks_for(n_past_ + n);
  for (size_t i = first; i < end; ++i) {
    if (i == table_.size()) {
      table_.push_back(pool_->allocate());
      data_.push_back(table_.back()->data);
      continue;
    }
    if (KvBlockPool::refs(table_[i]) == 1) continue;
    // Shared: the rows before n_past (and a conv snapshot) are someone else's too; copy them.
    KvBlock* copy = pool_->allocate();
    std::memcpy(copy->data, table_[i]->data, pool_->block_bytes());
    pool_->release(table_[i]);
    table_[i] = copy;
    data_[i] = copy->data;
  }
}

namespace {

void store_row(GgmlType type, uint8_t* dst, int64_t row_elems, const float* src) {
  if (type == GgmlType::F32) {
    std::memcpy(dst, src, size_t(row_elems) * 4);
    return;
  }
  auto* out = reinterpret_cast<uint16_t*>(dst);
  for (int64_t i = 0; i < row_elems; ++i) out[i] = fp32_to_fp16(src[i]);
}

}  // namespace

void KvCache::store(int layer, int64_t pos, const float* k, const float* v) {
  const int64_t bs = block_size();
  if (pos < 0 || pos >= n_ctx_ || size_t(pos / bs) >= table_.size())
    throw Error("KV cache position out of range");
  uint8_t* block = table_[size_t(pos / bs)]->data;
  const int64_t in = pos % bs;
  const size_t elem = type() == GgmlType::F16 ? 2 : 4;
  const int64_t kr = pool_->k_row(layer), vr = pool_->v_row(layer);
  store_row(type(), block + pool_->k_offset(layer) + size_t(in * kr) * elem, kr, k);
  store_row(type(), block + pool_->v_offset(layer) + size_t(in * vr) * elem, vr, v);
}

kernels::KvView KvCache::view(int layer, int64_t n_kv) const {
  kernels::KvView v{type(), nullptr, nullptr, n_kv};
  v.blocks = data_.data();
  v.block_size = block_size();
  v.k_offset = pool_->k_offset(layer);
  v.v_offset = pool_->v_offset(layer);
  return v;
}

void KvCache::snapshot_conv(int layer, int64_t pos) {
  const auto& state = conv_[size_t(layer)];
  if (state.empty() || pos <= 0 || pos % block_size() != 0) return;
  uint8_t* block = table_[size_t(pos / block_size() - 1)]->data;
  std::memcpy(block + pool_->conv_offset(layer), state.data(), state.size() * sizeof(float));
}

void KvCache::map_prefix(std::span<KvBlock* const> blocks, int64_t n) {
  if (n < 0 || n > n_ctx_) throw Error("cached prefix longer than the context");
  if (blocks.size() < pool_->blocks_for(n)) throw Error("cached prefix is missing blocks");
  if (pool_->has_conv() && n % block_size() != 0)
    throw Error("a model with convolution state can resume only at a block boundary");
  // Retain first: `blocks` may be (part of) this cache's own table.
  const size_t count = pool_->blocks_for(n);
  std::vector<KvBlock*> mapped(blocks.begin(), blocks.begin() + ptrdiff_t(count));
  for (KvBlock* b : mapped) pool_->retain(b);
  clear();
  table_ = std::move(mapped);
  for (KvBlock* b : table_) data_.push_back(b->data);
  n_past_ = n;
  if (pool_->has_conv() && n > 0) restore_conv(n);
}

}  // namespace ruvllm
