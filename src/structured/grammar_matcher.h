// Runs a compiled grammar over generated tokens and says which tokens may come next.
//
// The matcher keeps the parser frontier after every accepted token, so it can roll back, and
// computes the next-token mask as a bit set over the vocabulary (uint32 words, bit id % 32 of
// word id / 32). Special tokens are never allowed, except end-of-generation tokens when the
// grammar can end here; accepting one of those terminates the matcher.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "structured/compiled_grammar.h"
#include "structured/pda.h"

namespace ruvllm::structured {

class GrammarMatcher {
 public:
  explicit GrammarMatcher(std::shared_ptr<const CompiledGrammar> grammar);

  // Accepts token `id` if the grammar allows it here; returns false (state unchanged) if not.
  bool accept_token(int32_t id);
  // Accepts raw bytes as one step (for tests and forced text); false (unchanged) if invalid.
  bool accept_bytes(std::string_view bytes);
  // Undoes the last `n` accepted steps (tokens or byte strings); n beyond history resets.
  void rollback(size_t n);
  void reset();

  // Whether the input so far is a complete sentence of the grammar.
  bool can_terminate() const;
  bool is_terminated() const { return terminated_; }
  size_t num_steps() const { return history_.size() - 1; }

  // Writes the allowed-next-token mask into `words` (vocab.mask_words() entries).
  void fill_next_token_mask(uint32_t* words);

  const CompiledGrammar& grammar() const { return *grammar_; }

 private:
  bool feed(std::string_view bytes, PdaFrontier& out);
  void add_uncertain(uint32_t resume, const PositionTokenMasks& masks, uint32_t* words);

  std::shared_ptr<const CompiledGrammar> grammar_;
  StackPool pool_;
  PdaStepper stepper_;
  std::vector<PdaFrontier> history_;
  std::vector<bool> terminated_at_;  // per history entry
  bool terminated_ = false;
  // Scratch.
  std::vector<PdaFrontier> walk_;
  std::vector<uint32_t> scratch_words_;
  std::vector<uint8_t> suffix_ok_;
  std::vector<std::pair<uint32_t, uint32_t>> groups_;  // (caller, position) of stack tops
  std::vector<uint32_t> positions_;
};

}  // namespace ruvllm::structured
