// What every token does when the matcher is at one grammar position, whatever called it.
//
// This is the adaptive token mask cache of XGrammar (Dong et al., 2024): from a position, run
// the automaton with an unknown caller below it. A token is
//   - accepted when some path consumes all its bytes inside the position's rule (the caller
//     cannot change that),
//   - rejected when every path dies inside the rule without ever returning to the caller,
//   - uncertain otherwise: some path returned to the caller with bytes left. We record those
//     remaining suffixes; at run time each distinct suffix is checked once against the real
//     caller, and the token is allowed when any of its suffixes is.
// Accepted or rejected ids are stored, whichever list is shorter. A remaining suffix is kept only
// when its first byte can follow the rule being left (its FOLLOW set).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "structured/pda.h"
#include "structured/token_vocabulary.h"

namespace ruvllm::structured {

struct PositionTokenMasks {
  // The study stopped early because more than its `max_uncertain` tokens were uncertain; the
  // lists are then empty and must not be used (the matcher studies the caller's frame too).
  bool gave_up = false;
  bool lists_rejected = false;  // `listed` holds rejected ids (else accepted ids)
  std::vector<int32_t> listed;  // sorted token ids
  // Uncertain tokens: uncertain_ids[i] is allowed when any suffix in
  // suffix_of[suffix_begin[i] .. suffix_begin[i+1]) is accepted after returning to the caller.
  std::vector<int32_t> uncertain_ids;
  std::vector<uint32_t> suffix_begin;
  std::vector<uint32_t> suffix_of;
  std::vector<std::string> suffixes;  // distinct, sorted
  std::vector<uint16_t> suffix_lcp;   // common prefix with the previous suffix

  size_t memory_bytes() const;
};

// Classifies every token of `vocab` at byte-set position `pos` of `pda`. With `caller_pos` (the
// rule-call position of the frame below), the study covers both frames and only what lies below
// the caller is unknown: fewer tokens are uncertain, at the price of one entry per pair.
PositionTokenMasks compute_position_token_masks(const Pda& pda, uint32_t pos,
                                                std::optional<uint32_t> caller_pos,
                                                const TokenVocabulary& vocab);
// The same for a group of positions that share one caller (stack tops with the same parent):
// the group is studied as one frontier, so the matcher does one mask operation per group.
// Gives up (see `gave_up`) once more than `max_uncertain` tokens are uncertain: where nearly every
// token can leave the rule, a study without the caller is wasted work.
//
// With `position_hash` (a hash of what a stack node at a position does until its frame returns,
// equal across grammars for positions that behave the same, as Pda::suffix_hash), the study is
// composed from trie subtrees (the tokens sharing a prefix): a subtree's classes are shared
// process-wide under the prefix, the frontier after it (its stacks, by position hashes, and
// flags), which frontiers before it could leave the studied frames and the FOLLOW filter, so only
// prefixes leading somewhere new are walked. The result is the same as without it.
// Trie subtrees of more than `walk_up_to` tokens are split by their next byte (each part looked
// up or built the same way), smaller ones are walked.
using PositionHash = std::function<uint64_t(uint32_t pos)>;
PositionTokenMasks compute_position_token_masks(const Pda& pda, std::span<const uint32_t> positions,
                                                std::optional<uint32_t> caller_pos,
                                                const TokenVocabulary& vocab,
                                                size_t max_uncertain = SIZE_MAX,
                                                const PositionHash* position_hash = nullptr,
                                                size_t walk_up_to = 2048);

// Drops the shared per-first-byte results (clear_shared_position_mask_cache does too).
void clear_shared_subtree_cache();

// The study of `positions` with the caller's frame (`caller_pos`) below, from their study
// without it (`alone`, which must not have given up): only the tokens `alone` left uncertain are
// walked again. Classifies every token as compute_position_token_masks(pda, positions,
// caller_pos, vocab) does; only the form of `listed` (accepted or rejected ids) may differ.
PositionTokenMasks refine_position_token_masks(const Pda& pda, std::span<const uint32_t> positions,
                                               uint32_t caller_pos, const TokenVocabulary& vocab,
                                               const PositionTokenMasks& alone);

}  // namespace ruvllm::structured
