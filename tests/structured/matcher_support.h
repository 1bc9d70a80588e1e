// Helpers shared by the structured-output tests: small vocabularies and byte-wise acceptance.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "structured/compiled_grammar.h"
#include "structured/gbnf_parser.h"
#include "structured/grammar_matcher.h"
#include "structured/token_vocabulary.h"

namespace ruvllm::structured::test {

// A vocabulary of the given token strings; the last id is an end-of-generation token.
inline std::shared_ptr<const TokenVocabulary> make_vocab(std::vector<std::string> tokens) {
  std::vector<bool> special(tokens.size() + 1, false);
  tokens.push_back("<eos>");
  const auto eos = static_cast<int32_t>(tokens.size() - 1);
  return std::make_shared<const TokenVocabulary>(std::move(tokens), std::move(special),
                                                 std::vector<int32_t>{eos});
}

// Every single byte as a token (ids 0..255), plus EOS (256).
inline std::shared_ptr<const TokenVocabulary> byte_vocab() {
  std::vector<std::string> tokens;
  for (int b = 0; b < 256; ++b) tokens.push_back(std::string(1, static_cast<char>(b)));
  return make_vocab(std::move(tokens));
}

inline std::shared_ptr<const CompiledGrammar> compile(
    const std::string& gbnf, std::shared_ptr<const TokenVocabulary> v = byte_vocab()) {
  return std::make_shared<CompiledGrammar>(parse_gbnf(gbnf), std::move(v));
}

// Whether the grammar accepts `text` as a complete sentence, feeding it one byte at a time.
inline bool accepts(const std::shared_ptr<const CompiledGrammar>& g, const std::string& text) {
  GrammarMatcher m(g);
  for (char c : text) {
    if (!m.accept_bytes(std::string(1, c))) return false;
  }
  return m.can_terminate();
}

// Whether `text` is a prefix of some sentence.
inline bool accepts_prefix(const std::shared_ptr<const CompiledGrammar>& g,
                           const std::string& text) {
  GrammarMatcher m(g);
  return m.accept_bytes(text);
}

}  // namespace ruvllm::structured::test
