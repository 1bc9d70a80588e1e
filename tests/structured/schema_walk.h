// Random walks of a grammar matcher, for the property tests of schema-constrained decoding.
//
// A walk picks uniformly among the tokens the matcher's mask allows, checking at every step that
// the mask and the matcher agree (every allowed token is accepted; end-of-generation is allowed
// exactly when the grammar can end). After `budget` tokens it stops choosing at random and
// completes the grammar with the shortest bytes a bounded depth-first search finds (closing
// quotes and brackets first), as a decoder does when its token budget runs out.
#pragma once

#include <algorithm>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "structured/grammar_matcher.h"

namespace ruvllm::structured::test {

struct WalkResult {
  std::string text;
  bool complete = false;  // the grammar can end after `text`
  std::string problem;    // empty, or a mask/matcher disagreement or a dead end
};

// Bytes that complete the grammar from the matcher's state (the matcher is left unchanged), or
// nullopt when none was found. Random walks over single bytes that favour closing bytes, then
// the bytes of `hints` (the schema's text: its property names and literals), so they finish
// quickly even where an endless optional part (one more empty key...) would trap a depth-first
// search; several attempts.
inline std::optional<std::string> complete_grammar(GrammarMatcher& m, std::mt19937& rng,
                                                   const std::string& hints) {
  constexpr size_t kMaxBytes = 160;
  constexpr int kAttempts = 8;
  const std::string closers = "\"}]";
  std::vector<int> weight(256, 1);
  for (unsigned char c : hints) weight[c] = 8;
  for (unsigned char c : closers) weight[c] = 24;
  std::vector<int> allowed;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    std::string out;
    while (!m.can_terminate() && out.size() < kMaxBytes) {
      allowed.clear();
      int total = 0;
      for (int b = 0; b < 256; ++b) {
        const char c = char(b);
        if (!m.accept_bytes(std::string_view(&c, 1))) continue;
        m.rollback(1);
        allowed.push_back(b);
        total += weight[size_t(b)];
      }
      if (allowed.empty()) break;  // a dead end: the caller reports it
      int r = std::uniform_int_distribution<int>(0, total - 1)(rng);
      size_t k = 0;
      while (r >= weight[size_t(allowed[k])]) r -= weight[size_t(allowed[k++])];
      const char c = char(allowed[k]);
      m.accept_bytes(std::string_view(&c, 1));
      out += c;
    }
    const bool done = m.can_terminate();
    if (!out.empty()) m.rollback(out.size());
    if (done) return out;
  }
  return std::nullopt;
}

// One random walk from the matcher's current state (normally a fresh matcher).
inline WalkResult random_walk(GrammarMatcher& m, std::mt19937& rng, size_t budget,
                              const std::string& hints) {
  const TokenVocabulary& vocab = m.grammar().vocab();
  std::vector<uint32_t> mask(vocab.mask_words());
  std::vector<int32_t> allowed;
  WalkResult r;
  for (size_t step = 0; step < budget; ++step) {
    m.fill_next_token_mask(mask.data());
    allowed.clear();
    bool eos_allowed = false;
    for (size_t w = 0; w < mask.size(); ++w) {
      for (uint32_t bits = mask[w]; bits; bits &= bits - 1) {
        const auto id = int32_t(w * 32 + size_t(__builtin_ctz(bits)));
        allowed.push_back(id);
        if (vocab.is_eog(id)) eos_allowed = true;
      }
    }
    if (eos_allowed != m.can_terminate()) {
      r.problem = std::string("end-of-generation ") + (eos_allowed ? "allowed" : "banned") +
                  " but can_terminate() is " + (m.can_terminate() ? "true" : "false");
      return r;
    }
    if (allowed.empty()) {
      r.problem = "dead end: the mask allows nothing";
      return r;
    }
    const int32_t id = allowed[std::uniform_int_distribution<size_t>(0, allowed.size() - 1)(rng)];
    if (!m.accept_token(id)) {
      r.problem = "the matcher rejected token " + std::to_string(id) + " (\"" + vocab.bytes(id) +
                  "\") that its mask allowed";
      return r;
    }
    if (vocab.is_eog(id)) {
      r.complete = true;
      return r;
    }
    r.text += vocab.bytes(id);
  }
  if (m.can_terminate()) {
    r.complete = true;
    return r;
  }
  if (std::optional<std::string> tail = complete_grammar(m, rng, hints)) {
    if (!m.accept_bytes(*tail)) {
      r.problem = "the completion found was not accepted again";
      return r;
    }
    r.text += *tail;
    r.complete = m.can_terminate();
  }
  return r;
}

}  // namespace ruvllm::structured::test
