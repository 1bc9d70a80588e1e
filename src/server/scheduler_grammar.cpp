// Sampling under a slot's grammar: a grammar active from the first token, or lazy grammars that
// wait for their trigger text (tool calls in `auto` mode).
#include <algorithm>

#include "server/scheduler.h"

namespace ruvllm::server {

namespace {

// How often a token whose bytes run past a trigger into text the grammar rejects is resampled
// (with that token banned) before the trigger is ignored for this token.
constexpr int kTriggerResamples = 4;

}  // namespace

int32_t Scheduler::pick_token(Slot& slot) {
  float* logits = slot.session->last_logits().data();
  const size_t words = size_t(slot.session->n_vocab() + 31) / 32;
  if (slot.matcher) {
    slot.mask.resize(words);
    slot.matcher->fill_next_token_mask(slot.mask.data());
    const int32_t token = slot.sampler->sample(logits, slot.mask.data());
    if (token < 0) {
      // Everything the grammar allows is banned (e.g. logit_bias on the end-of-generation
      // tokens once the last call is complete): a complete sentence simply ends here.
      if (slot.matcher->can_terminate()) return -1;
      throw Error("the grammar allows no token here");
    }
    if (!slot.matcher->accept_token(token))
      throw Error("the grammar rejected the token it allowed");
    return token;
  }
  const auto& triggers = slot.job.grammar_triggers;
  if (triggers.empty()) {
    const int32_t token = slot.sampler->sample(logits, nullptr);
    if (token < 0) throw Error("the sampler found no token");
    return token;
  }

  size_t longest = 0;
  for (const auto& trigger : triggers) longest = std::max(longest, trigger.text.size());
  slot.logits_copy.assign(logits, logits + slot.session->n_vocab());
  bool banning = false;
  int32_t token = -1;
  for (int attempt = 0; attempt <= kTriggerResamples; ++attempt) {
    token = slot.sampler->sample(logits, banning ? slot.mask.data() : nullptr);
    if (token < 0) throw Error("the sampler found no token");
    const std::string window = slot.trigger_tail + tokenizer_.token_to_bytes(token, true);
    // The earliest trigger in the window; any occurrence ends in this token's bytes, since the
    // tail alone is shorter than every trigger.
    const GenerationJob::GrammarTrigger* hit = nullptr;
    size_t at = std::string::npos;
    for (const auto& trigger : triggers) {
      const size_t pos = window.find(trigger.text);
      if (pos < at) {
        at = pos;
        hit = &trigger;
      }
    }
    if (!hit) {
      slot.trigger_tail = window.substr(window.size() - std::min(window.size(), longest - 1));
      return token;
    }
    slot.matcher.emplace(hit->grammar);
    const std::string rest = window.substr(at + hit->text.size());
    if (rest.empty() || slot.matcher->accept_bytes(rest)) {
      slot.mask.resize(words);
      slot.trigger_tail.clear();
      return token;
    }
    // The token completes the trigger but carries text the grammar rejects: draw another.
    slot.matcher.reset();
    if (!banning) slot.mask.assign(words, ~0u);
    banning = true;
    slot.mask[size_t(token) / 32] &= ~(1u << (uint32_t(token) % 32));
    std::copy(slot.logits_copy.begin(), slot.logits_copy.end(), logits);
  }
  slot.trigger_tail.clear();
  return token;
}

}  // namespace ruvllm::server
