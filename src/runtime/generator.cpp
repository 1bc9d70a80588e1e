#include "runtime/generator.h"

#include <algorithm>
#include <chrono>

namespace ruvllm {

std::string_view finish_reason_name(FinishReason r) {
  switch (r) {
    case FinishReason::EndOfGeneration:
      return "eog";
    case FinishReason::StopString:
      return "stop";
    case FinishReason::MaxTokens:
      return "length";
    case FinishReason::ContextFull:
      return "context";
    case FinishReason::Cancelled:
      return "cancelled";
  }
  return "unknown";
}

std::string StopStringFilter::push(std::string_view text) {
  if (matched()) return {};
  held_.append(text);
  // The earliest complete stop string wins.
  size_t best = std::string::npos;
  for (size_t i = 0; i < stops_.size(); ++i) {
    if (stops_[i].empty()) continue;
    const size_t at = held_.find(stops_[i]);
    if (at < best) {
      best = at;
      matched_ = int(i);
    }
  }
  if (matched()) {
    std::string out = held_.substr(0, best);
    held_.clear();
    return out;
  }
  // Keep the longest tail that is a proper prefix of some stop string.
  size_t keep = 0;
  for (const auto& s : stops_) {
    const size_t max_len = std::min(s.size() - (s.empty() ? 0 : 1), held_.size());
    for (size_t len = max_len; len > keep; --len) {
      if (held_.compare(held_.size() - len, len, s, 0, len) == 0) {
        keep = len;
        break;
      }
    }
  }
  std::string out = held_.substr(0, held_.size() - keep);
  held_.erase(0, held_.size() - keep);
  return out;
}

std::string StopStringFilter::flush() {
  std::string out;
  out.swap(held_);
  return matched() ? std::string() : out;
}

const std::string& StopStringFilter::matched_string() const {
  static const std::string none;
  return matched() ? stops_[size_t(matched_)] : none;
}

Generator::Generator(Session& session, const Tokenizer& tokenizer)
    : session_(session), tokenizer_(tokenizer) {}

GenerationResult Generator::generate(std::span<const int32_t> prompt,
                                     const GenerationParams& params, const TextCallback& on_text,
                                     const TokenCallback& on_token) {
  using Clock = std::chrono::steady_clock;
  GenerationResult result;
  Sampler sampler(params.sampling, int32_t(session_.n_vocab()));
  if (params.accept_prompt) {
    for (int32_t t : session_.tokens()) sampler.accept(t);
    for (int32_t t : prompt) sampler.accept(t);
  }
  const auto t0 = Clock::now();
  if (!prompt.empty()) {
    session_.eval(prompt);
  } else if (session_.n_past() == 0) {
    throw Error("generate needs a prompt or a session that already holds tokens");
  }
  result.n_prompt = int64_t(prompt.size());
  const auto t1 = Clock::now();
  result.prompt_seconds = std::chrono::duration<double>(t1 - t0).count();

  StreamDecoder decoder(tokenizer_);
  StopStringFilter stops(params.stop);
  bool cancelled = false;
  auto emit = [&](const std::string& piece) {
    if (piece.empty() || cancelled) return;
    result.text += piece;
    if (on_text && !on_text(piece)) cancelled = true;
  };

  result.finish = FinishReason::MaxTokens;
  int32_t generated = 0;
  while (params.max_tokens < 0 || generated < params.max_tokens) {
    const uint32_t* mask = params.allowed_tokens ? params.allowed_tokens() : nullptr;
    const int32_t token = sampler.sample(session_.last_logits().data(), mask);
    if (token < 0) throw Error("the token constraint allows no token");
    sampler.accept(token);
    result.tokens.push_back(token);
    ++generated;
    if (on_token && !on_token(token)) {
      result.finish = FinishReason::Cancelled;
      break;
    }
    if (!params.ignore_eog && tokenizer_.is_eog(token)) {
      result.finish = FinishReason::EndOfGeneration;
      break;
    }
    emit(stops.push(decoder.push(token)));
    if (stops.matched()) {
      result.finish = FinishReason::StopString;
      result.stop_string = stops.matched_string();
      break;
    }
    if (cancelled) {
      result.finish = FinishReason::Cancelled;
      break;
    }
    if (params.max_tokens >= 0 && generated >= params.max_tokens) break;
    if (session_.n_past() >= session_.n_ctx()) {
      result.finish = FinishReason::ContextFull;
      break;
    }
    session_.eval(std::span<const int32_t>(&token, 1));
  }
  if (!stops.matched() && result.finish != FinishReason::Cancelled) {
    std::string tail = stops.push(decoder.flush());
    tail += stops.flush();
    emit(tail);
  }
  result.decode_seconds = std::chrono::duration<double>(Clock::now() - t1).count();
  return result;
}

}  // namespace ruvllm
