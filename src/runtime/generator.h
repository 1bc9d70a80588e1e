// The generation loop: evaluate a prompt, then sample, stream and evaluate one token at a time
// until an end-of-generation token, a stop string, the token limit or the end of the context.
//
// Text is streamed through a StreamDecoder (only complete UTF-8 leaves) and through a stop-string
// filter: text that might be the start of a stop string is held back until it is known not to
// be, so a stop string split across tokens is never shown, and nothing after it either.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/sampler.h"
#include "runtime/session.h"
#include "tokenizer/tokenizer.h"

namespace ruvllm {

enum class FinishReason {
  EndOfGeneration,  // the model produced an end-of-generation token (is_eog)
  StopString,       // a stop string appeared in the text
  MaxTokens,        // max_tokens generated
  ContextFull,      // the session's context has no room left
  Cancelled,        // a callback asked to stop
};

std::string_view finish_reason_name(FinishReason r);

struct GenerationParams {
  int32_t max_tokens = 256;       // < 0: until the context is full
  std::vector<std::string> stop;  // stop strings (not included in the output)
  bool ignore_eog = false;        // keep going past end-of-generation tokens
  bool accept_prompt = true;      // feed prompt tokens to the sampler's penalty window
  SamplerParams sampling;
  // Optional constraint: a bitmask of allowed tokens for the next step (bit i of word i/32),
  // or null for no constraint. Called once per step before sampling.
  std::function<const uint32_t*()> allowed_tokens;
};

struct GenerationResult {
  std::vector<int32_t> tokens;  // generated tokens (including a final end-of-generation token)
  std::string text;             // streamed text (stop string and what follows it removed)
  FinishReason finish = FinishReason::MaxTokens;
  std::string stop_string;  // the stop string that matched, if any
  int64_t n_prompt = 0;     // prompt tokens evaluated
  double prompt_seconds = 0;
  double decode_seconds = 0;
};

// Receives each new piece of text; returns false to stop generation (FinishReason::Cancelled).
using TextCallback = std::function<bool(std::string_view text)>;
// Receives each generated token before its text; returns false to stop.
using TokenCallback = std::function<bool(int32_t token)>;

class Generator {
 public:
  Generator(Session& session, const Tokenizer& tokenizer);

  // Appends `prompt` to the session (it may already hold a prefix, e.g. from a prompt cache) and
  // generates. With an empty prompt the session's last logits are used (it must hold tokens).
  GenerationResult generate(std::span<const int32_t> prompt, const GenerationParams& params,
                            const TextCallback& on_text = {}, const TokenCallback& on_token = {});

 private:
  Session& session_;
  const Tokenizer& tokenizer_;
};

// Holds back text that could begin a stop string. push() returns text safe to show;
// `matched()` tells whether a stop string was found (then no more text is returned).
class StopStringFilter {
 public:
  explicit StopStringFilter(const std::vector<std::string>& stops) : stops_(stops) {}
  std::string push(std::string_view text);
  // The held-back tail, at the end of generation when no stop string matched.
  std::string flush();
  bool matched() const { return matched_ >= 0; }
  const std::string& matched_string() const;

 private:
  const std::vector<std::string>& stops_;
  std::string held_;
  int matched_ = -1;
};

}  // namespace ruvllm
