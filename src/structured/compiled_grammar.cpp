#include "structured/compiled_grammar.h"

#include <algorithm>
#include <unordered_map>

#include "structured/bounded_shared_cache.h"

namespace ruvllm::structured {

namespace {

// Process-wide cache of position masks keyed by (vocabulary, structural hash).
BoundedSharedCache<PositionTokenMasks>& shared_mask_cache() {
  static BoundedSharedCache<PositionTokenMasks> cache(size_t{512} << 20);
  return cache;
}

}  // namespace

void clear_shared_position_mask_cache() {
  shared_mask_cache().clear();
  clear_shared_subtree_cache();
}

CompiledGrammar::CompiledGrammar(const Grammar& grammar,
                                 std::shared_ptr<const TokenVocabulary> vocab)
    : pda_(grammar), vocab_(std::move(vocab)), rule_hashes_(pda_.num_rules(), 0) {}

uint64_t CompiledGrammar::structural_hash(uint32_t pos) const {
  // Called with mutex_ held.
  return pda_.suffix_hash(pos, rule_hashes_, suffix_hashes_);
}

const PositionTokenMasks& CompiledGrammar::masks_for(std::span<const uint32_t> positions,
                                                     std::optional<uint32_t> caller_pos,
                                                     size_t max_uncertain,
                                                     const PositionTokenMasks* alone) const {
  std::string local(reinterpret_cast<const char*>(positions.data()), positions.size() * 4);
  local += caller_pos ? 'c' : '-';
  if (caller_pos) local += std::to_string(*caller_pos);
  if (max_uncertain != SIZE_MAX) local.append("b").append(std::to_string(max_uncertain));
  uint64_t key = 0x5851F42D4C957F2Dull;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = masks_.find(local);
    if (it != masks_.end()) return *it->second;
    // The group is a set of stacks: combine their hashes in a canonical order.
    std::vector<uint64_t> hashes;
    hashes.reserve(positions.size());
    for (uint32_t pos : positions) hashes.push_back(structural_hash(pos));
    std::sort(hashes.begin(), hashes.end());
    for (uint64_t h : hashes) key = (key ^ h) * 0xC2B2AE3D27D4EB4Full;
    if (caller_pos) key = (key ^ structural_hash(*caller_pos) ^ 0xCA11E4) * 0x9E3779B97F4A7C15ull;
  }
  // The classification also depends on what may follow the studied frames (tails are filtered
  // by FOLLOW sets), which differs between grammars that share a rule's shape.
  if (caller_pos) {
    for (uint64_t w : pda_.follow(pda_.rule_of(*caller_pos)).words)
      key = (key ^ w) * 0x100000001B3ull;
  } else {
    for (uint32_t pos : positions) {
      for (uint64_t w : pda_.follow(pda_.rule_of(pos)).words) key = (key ^ w) * 0x100000001B3ull;
    }
  }
  key = (key ^ max_uncertain) * 0xD6E8FEB86659FD93ull;
  key = key * 0x9E3779B97F4A7C15ull ^ vocab_->fingerprint();
  auto& shared = shared_mask_cache();
  std::shared_ptr<const PositionTokenMasks> masks = shared.find(key);
  if (!masks) {
    const PositionHash position_hash = [this](uint32_t pos) {
      std::lock_guard<std::mutex> lock(mutex_);
      return structural_hash(pos);
    };
    if (caller_pos && alone && !alone->gave_up && max_uncertain == SIZE_MAX) {
      masks = std::make_shared<const PositionTokenMasks>(
          refine_position_token_masks(pda_, positions, *caller_pos, *vocab_, *alone));
    } else {
      masks = std::make_shared<const PositionTokenMasks>(compute_position_token_masks(
          pda_, positions, caller_pos, *vocab_, max_uncertain, &position_hash));
    }
    shared.insert(key, masks);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  auto& slot = masks_[local];
  if (!slot) slot = std::move(masks);
  return *slot;
}

}  // namespace ruvllm::structured
