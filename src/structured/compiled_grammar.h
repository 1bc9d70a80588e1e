// A grammar ready for matching against one token vocabulary.
//
// Holds the pushdown automaton and, per byte-set position, the token classification of
// `PositionTokenMasks`, computed on first use and shared through a process-wide cache keyed by
// the vocabulary and the positions' suffix hashes (Pda::suffix_hash: the rest of each position's
// alternative, callees by their Merkle hash): the JSON string body of one schema is the same
// automaton as in every other schema, so its masks are computed once per process. A study that
// misses is composed from trie subtrees shared the same way (see compute_position_token_masks).
// Thread-safe: many matchers may share one CompiledGrammar.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
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

  // Token classification for stack tops at the sorted byte-set `positions` sharing one caller
  // (computed on first use). With `caller_pos` (the caller's rule-call position) the caller's
  // frame is studied too. With `max_uncertain`, the study may give up (PositionTokenMasks::
  // gave_up) when more tokens than that are uncertain. `alone`, the same positions' study without
  // the caller (not given up), lets a study with `caller_pos` walk only the tokens it left
  // uncertain instead of the whole vocabulary (refine_position_token_masks).
  const PositionTokenMasks& masks_for(std::span<const uint32_t> positions,
                                      std::optional<uint32_t> caller_pos,
                                      size_t max_uncertain = SIZE_MAX,
                                      const PositionTokenMasks* alone = nullptr) const;

  // Schema keywords this grammar does not enforce (checked by validating the finished output).
  std::vector<std::string> unenforced;

 private:
  Pda pda_;
  std::shared_ptr<const TokenVocabulary> vocab_;
  mutable std::mutex mutex_;
  mutable std::unordered_map<std::string, std::shared_ptr<const PositionTokenMasks>> masks_;
  mutable std::vector<uint64_t> rule_hashes_;    // per rule, 0 = not computed yet (Pda::rule_hash)
  mutable std::vector<uint64_t> suffix_hashes_;  // per position (Pda::suffix_hash)

  // Pda::suffix_hash of `pos` (called with mutex_ held).
  uint64_t structural_hash(uint32_t pos) const;
};

// Drops every entry of the process-wide position mask cache (tests and benchmarks use this to
// measure cold compilation).
void clear_shared_position_mask_cache();

}  // namespace ruvllm::structured
