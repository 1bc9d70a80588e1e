// Sampling under a slot's grammar: a grammar active from the first token, or lazy grammars that
// wait for their trigger text (tool calls in `auto` mode).
#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "server/scheduler.h"

namespace ruvllm::server {

namespace {

// How often a token whose bytes run past a trigger into text the grammar rejects is resampled
// (with that token banned) before the answer ends without the call.
constexpr int kTriggerResamples = 8;

// Completing a grammar before the token budget runs out: once this few tokens remain, every
// sampled token must leave room for a completion of the grammar after it; a token that does not
// is replaced by the completion from the state before it (which fit at the previous step).
constexpr int64_t kClosingWindow = 192;
constexpr size_t kMaxCompletionBytes = 512;
constexpr size_t kMaxCompletionTries = 20000;
constexpr int kCompletionAttempts = 6;

// Bytes in the order a completion tries them: closers first, then the others in an order
// shuffled per attempt (a fixed order can loop, e.g. re-adding the same optional key forever
// while a required one is missing).
std::vector<char> completion_byte_order(std::mt19937& rng) {
  const std::string closers = "\"}]";
  std::vector<char> printable, rest;
  for (int b = 0; b < 256; ++b) {
    if (closers.find(char(b)) != std::string::npos) continue;
    (b >= 0x20 && b < 0x7F ? printable : rest).push_back(char(b));
  }
  std::shuffle(printable.begin(), printable.end(), rng);
  std::shuffle(rest.begin(), rest.end(), rng);
  // Printable ASCII before other bytes: text that re-tokenizes as it reads (a lone UTF-8 lead
  // byte may not survive the tokenizer).
  std::vector<char> order(closers.begin(), closers.end());
  order.insert(order.end(), printable.begin(), printable.end());
  order.insert(order.end(), rest.begin(), rest.end());
  return order;
}

// A short text that completes the matcher's grammar, found depth-first with closing bytes
// first (a few attempts, each with a bounded number of tries). The matcher is left as it was.
std::optional<std::string> grammar_completion(structured::GrammarMatcher& matcher) {
  std::mt19937 rng(12345);  // deterministic: the same state gives the same completion
  for (int attempt = 0; attempt < kCompletionAttempts; ++attempt) {
    const std::vector<char> order = completion_byte_order(rng);
    std::string out;
    std::vector<size_t> resume;  // per byte of `out`: the next candidate if it is undone
    std::optional<std::string> result;
    size_t tries = 0, candidate = 0;
    for (;;) {
      if (matcher.can_terminate()) {
        result = out;
        break;
      }
      bool advanced = false;
      if (out.size() < kMaxCompletionBytes) {
        for (; candidate < order.size() && tries < kMaxCompletionTries; ++candidate) {
          ++tries;
          if (matcher.accept_bytes(std::string_view(&order[candidate], 1))) {
            out += order[candidate];
            resume.push_back(candidate + 1);
            candidate = 0;
            advanced = true;
            break;
          }
        }
      }
      if (advanced) continue;
      if (out.empty() || tries >= kMaxCompletionTries) break;
      matcher.rollback(1);  // dead end: try the next byte one position back
      out.pop_back();
      candidate = resume.back();
      resume.pop_back();
    }
    if (!out.empty()) matcher.rollback(out.size());
    if (result) return result;
  }
  return std::nullopt;
}

}  // namespace

std::optional<ApiError> Scheduler::output_schema_error(const Slot& slot) const {
  if (!slot.job.output_schema) return std::nullopt;
  const nlohmann::json value =
      nlohmann::json::parse(slot.output, nullptr, /*allow_exceptions=*/false);
  std::string problem;
  if (value.is_discarded()) {
    problem = "it is not JSON";
  } else {
    const structured::ValidationResult verdict = slot.job.output_schema->validate(value);
    if (verdict) return std::nullopt;
    problem = verdict.to_string();
  }
  return ApiError(500, "server_error",
                  "The generated output does not match the response_format schema (keywords the "
                  "grammar cannot enforce are checked afterwards): " +
                      problem,
                  "response_format", "output_validation_failed");
}

int64_t Scheduler::token_budget(const Slot& slot) const {
  int64_t budget = slot.session->n_ctx() - slot.session->n_past();
  if (slot.job.max_tokens >= 0)
    budget = std::min<int64_t>(budget, int64_t(slot.job.max_tokens) - slot.generated);
  return budget;
}

std::optional<std::vector<int32_t>> Scheduler::completion_tokens(Slot& slot) {
  const std::optional<std::string> text = grammar_completion(*slot.matcher);
  if (!text) return std::nullopt;
  std::vector<int32_t> tokens = tokenizer_.encode(*text, false, false);
  // The tokens must spell the completion exactly (a tokenizer may not keep every byte string,
  // e.g. the rest of a character a sampled token began): checked before the plan is relied on.
  size_t accepted = 0;
  while (accepted < tokens.size() && slot.matcher->accept_token(tokens[accepted])) ++accepted;
  const bool complete = accepted == tokens.size() && slot.matcher->can_terminate();
  slot.matcher->rollback(accepted);
  if (!complete) return std::nullopt;
  return tokens;
}

int32_t Scheduler::budgeted_token(Slot& slot, int32_t sampled) {
  if (!slot.closing.empty()) {
    const int32_t token = slot.closing.back();
    slot.closing.pop_back();
    if (slot.matcher->accept_token(token)) return token;
    slot.closing.clear();  // cannot happen for a checked plan; end rather than go astray
    return kEndLength;
  }
  const int64_t budget = token_budget(slot);  // this token included
  const auto accept_sampled = [&] {
    if (!slot.matcher->accept_token(sampled))
      throw Error("the grammar rejected the token it allowed");
    return sampled;
  };
  if (budget > kClosingWindow || tokenizer_.is_eog(sampled)) return accept_sampled();
  // The completion from the state before this token: computed at the previous step when that
  // step was inside the window too, else now.
  std::optional<std::vector<int32_t>> before;
  if (slot.plan_at == slot.generated) {
    before = std::move(slot.plan);
  } else {
    before = completion_tokens(slot);
  }
  slot.plan_at = -1;
  // The sampled token is kept when the completion after it still fits, with room for the
  // end-of-generation token that closes the turn.
  if (sampled >= 0 && slot.matcher->accept_token(sampled)) {
    std::optional<std::vector<int32_t>> after = completion_tokens(slot);
    if (after && int64_t(after->size()) + 2 <= budget) {
      slot.plan = std::move(*after);
      slot.plan_at = slot.generated + 1;
      return sampled;
    }
    slot.matcher->rollback(1);
  }
  if (slot.matcher->can_terminate()) {
    // Complete already; whatever the model would start now cannot finish in time.
    if (tokenizer_.eog_ids().empty()) return kEndStop;
    return tokenizer_.eog_ids().front();
  }
  if (!before) {
    // No completion the tokenizer spells exactly is known (some vocabularies re-tokenize text
    // differently): keep sampling while the budget lasts.
    if (sampled >= 0 && slot.matcher->accept_token(sampled)) return sampled;
    return kEndLength;
  }
  if (int64_t(before->size()) + 1 > budget) return kEndLength;  // no complete answer fits
  slot.closing.assign(before->rbegin(), before->rend());
  return budgeted_token(slot, sampled);
}

int32_t Scheduler::pick_token(Slot& slot) {
  float* logits = slot.session->last_logits().data();
  const size_t words = size_t(slot.session->n_vocab() + 31) / 32;
  if (slot.matcher) {
    if (!slot.closing.empty()) return budgeted_token(slot, -1);
    slot.mask.resize(words);
    slot.matcher->fill_next_token_mask(slot.mask.data());
    const int32_t token = slot.sampler->sample(logits, slot.mask.data());
    if (token < 0 && token_budget(slot) > kClosingWindow) {
      // Everything the grammar allows is banned (e.g. logit_bias on the end-of-generation
      // tokens once the last call is complete): a complete sentence simply ends here.
      if (slot.matcher->can_terminate()) return kEndStop;
      throw Error("the grammar allows no token here");
    }
    const int32_t picked = budgeted_token(slot, token);
    if (picked == kEndStop && !slot.matcher->can_terminate())
      throw Error("the grammar allows no token here");
    return picked;
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
  bool out_of_budget = false;
  for (int attempt = 0; attempt <= kTriggerResamples; ++attempt) {
    const int32_t token = slot.sampler->sample(logits, banning ? slot.mask.data() : nullptr);
    if (token < 0) break;  // every token was banned
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
      // A call starts only when its shortest completion fits in the budget left after this
      // token (and the end-of-generation token after it).
      const int64_t budget = token_budget(slot);
      std::optional<std::vector<int32_t>> plan;
      if (budget <= kClosingWindow) plan = completion_tokens(slot);
      if (budget > kClosingWindow || (plan && int64_t(plan->size()) + 2 <= budget)) {
        if (plan) {
          slot.plan = std::move(*plan);
          slot.plan_at = slot.generated + 1;
        }
        slot.mask.resize(words);
        slot.trigger_tail.clear();
        return token;
      }
      out_of_budget = true;
    }
    // The token completes the trigger but carries text the grammar rejects, or starts a call
    // that cannot finish in time: draw another.
    slot.matcher.reset();
    if (!banning) slot.mask.assign(words, ~0u);
    banning = true;
    slot.mask[size_t(token) / 32] &= ~(1u << (uint32_t(token) % 32));
    std::copy(slot.logits_copy.begin(), slot.logits_copy.end(), logits);
  }
  // The model keeps starting calls that cannot be written: the answer ends before the call
  // (no unconstrained call text is ever generated).
  slot.trigger_tail.clear();
  return out_of_budget ? kEndLength : kEndStop;
}

}  // namespace ruvllm::server
