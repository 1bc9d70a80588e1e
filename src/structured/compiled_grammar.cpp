#include "structured/compiled_grammar.h"

#include <unordered_map>

namespace ruvllm::structured {

namespace {

// Process-wide cache of position masks keyed by (vocabulary, structural hash). Bounded: when it
// grows past its budget it is emptied (entries in use stay alive through shared_ptr).
class SharedMaskCache {
 public:
  static SharedMaskCache& instance() {
    static SharedMaskCache cache;
    return cache;
  }

  std::shared_ptr<const PositionTokenMasks> find(uint64_t key) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(key);
    return it == entries_.end() ? nullptr : it->second;
  }

  void insert(uint64_t key, std::shared_ptr<const PositionTokenMasks> masks) {
    std::lock_guard<std::mutex> lock(mutex_);
    const size_t size = masks->memory_bytes();
    if (bytes_ + size > kBudgetBytes) {
      entries_.clear();
      bytes_ = 0;
    }
    if (entries_.emplace(key, std::move(masks)).second) bytes_ += size;
  }

  void clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    entries_.clear();
    bytes_ = 0;
  }

 private:
  static constexpr size_t kBudgetBytes = size_t{512} << 20;
  std::mutex mutex_;
  std::unordered_map<uint64_t, std::shared_ptr<const PositionTokenMasks>> entries_;
  size_t bytes_ = 0;
};

}  // namespace

void clear_shared_position_mask_cache() {
  SharedMaskCache::instance().clear();
}

CompiledGrammar::CompiledGrammar(const Grammar& grammar,
                                 std::shared_ptr<const TokenVocabulary> vocab)
    : pda_(grammar), vocab_(std::move(vocab)), masks_(pda_.num_positions()) {}

std::shared_ptr<const PositionTokenMasks> CompiledGrammar::shared_or_compute(
    uint64_t key, uint32_t pos, std::optional<uint32_t> caller) const {
  // The classification also depends on what may follow the studied frames (tails are filtered
  // by the FOLLOW set), which differs between grammars that share a rule's shape.
  const ByteSet& follow = pda_.follow(pda_.rule_of(caller ? *caller : pos));
  for (uint64_t w : follow.words) key = (key ^ w) * 0x100000001B3ull + 0x9E37;
  key = key * 0x9E3779B97F4A7C15ull ^ vocab_->fingerprint();
  auto& shared = SharedMaskCache::instance();
  std::shared_ptr<const PositionTokenMasks> masks = shared.find(key);
  if (!masks) {
    masks = std::make_shared<const PositionTokenMasks>(
        compute_position_token_masks(pda_, pos, caller, *vocab_));
    shared.insert(key, masks);
  }
  return masks;
}

const PositionTokenMasks& CompiledGrammar::masks_at(uint32_t pos) const {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (masks_[pos]) return *masks_[pos];
  }
  auto masks = shared_or_compute(pda_.structural_hash(pos), pos, std::nullopt);
  std::lock_guard<std::mutex> lock(mutex_);
  if (!masks_[pos]) masks_[pos] = std::move(masks);
  return *masks_[pos];
}

const PositionTokenMasks& CompiledGrammar::masks_at(uint32_t pos, uint32_t caller_pos) const {
  const uint64_t local = (uint64_t{pos} << 32) | caller_pos;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = pair_masks_.find(local);
    if (it != pair_masks_.end()) return *it->second;
  }
  const uint64_t key = pda_.structural_hash(pos) * 0xC2B2AE3D27D4EB4Full +
                       pda_.structural_hash(caller_pos) + 0x5851F42D4C957F2Dull;
  auto masks = shared_or_compute(key, pos, caller_pos);
  std::lock_guard<std::mutex> lock(mutex_);
  auto& slot = pair_masks_[local];
  if (!slot) slot = std::move(masks);
  return *slot;
}

}  // namespace ruvllm::structured
