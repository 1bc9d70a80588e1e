// A grammar ready for matching against one token vocabulary.
//
// Holds the pushdown automaton and, per byte-set position, the token classification of
// `PositionTokenMasks`, computed on first use and shared through a process-wide cache keyed by
// the vocabulary and the position's structural hash: the JSON string body of one schema is the
// same automaton as in every other schema, so its masks are computed once per process.
// Thread-safe: many matchers may share one CompiledGrammar.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "structured/grammar.h"
#include "structured/pda.h"
#include "structured/position_token_masks.h"
#include "structured/token_vocabulary.h"

namespace ruvllm::structured {

class CompiledGrammar {
 public:
  CompiledGrammar(const Grammar& grammar, std::shared_ptr<const TokenVocabulary> vocab);

  const Pda& pda() const { return pda_; }
  const TokenVocabulary& vocab() const { return *vocab_; }
  const std::shared_ptr<const TokenVocabulary>& vocab_ptr() const { return vocab_; }

  // Token classification at byte-set position `pos` (computed on first use).
  const PositionTokenMasks& masks_at(uint32_t pos) const;
  // The same with the frame below known: `caller_pos` is its rule-call position.
  const PositionTokenMasks& masks_at(uint32_t pos, uint32_t caller_pos) const;

  // Schema keywords this grammar does not enforce (checked by validating the finished output).
  std::vector<std::string> unenforced;

 private:
  Pda pda_;
  std::shared_ptr<const TokenVocabulary> vocab_;
  mutable std::mutex mutex_;
  mutable std::vector<std::shared_ptr<const PositionTokenMasks>> masks_;
  mutable std::unordered_map<uint64_t, std::shared_ptr<const PositionTokenMasks>> pair_masks_;

  std::shared_ptr<const PositionTokenMasks> shared_or_compute(uint64_t key, uint32_t pos,
                                                              std::optional<uint32_t> caller) const;
};

// Drops every entry of the process-wide position mask cache (tests and benchmarks use this to
// measure cold compilation).
void clear_shared_position_mask_cache();

}  // namespace ruvllm::structured
