// A small backtracking regex matcher with ECMAScript semantics (ordered alternation, greedy
// quantifiers, lookahead), enough for the pre-tokenizer patterns in tokenizer.json files.
//
// It reproduces how llama.cpp runs such a pattern through std::regex: patterns that use Unicode
// categories (\p{L}, \p{N}, \p{P}, \p{M}, \p{S}, \p{Lu}...) run over "collapsed" text in which
// every non-ASCII code point is replaced by one symbol for its category (0xD1 number, 0xD2
// letter, 0xD3 punctuation, 0xD4 mark, 0xD5 symbol, 0xD0 anything else, 0x0B whitespace), and
// \p{X} matches that symbol or the ASCII characters llama.cpp lists for X (every letter
// subcategory means "letter"; \p{S} lacks '~'). Other patterns run over code points with
// non-ASCII whitespace replaced by 0x0B. \s is ASCII whitespace (so all Unicode whitespace after
// the replacement), \d is 0-9 and \w is [A-Za-z0-9_], as in the C locale.
//
// Supported syntax: literals and escapes (\r \n \t \f \v \xHH \uHHHH and escaped punctuation),
// ., classes [...] with ranges and negation, \s \S \d \D \w \W \p{..}, groups (...) (?:...),
// lookahead (?=...) (?!...), anchors ^ $ \b \B, quantifiers * + ? {n} {n,} {n,m} (lazy with ?),
// alternation |.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ruvllm::tokenizer_detail {

class Regex {
 public:
  // Throws Error for syntax this matcher does not support.
  explicit Regex(std::string_view pattern);
  ~Regex();
  Regex(Regex&&) noexcept;
  Regex& operator=(Regex&&) noexcept;

  // Whether the pattern runs over collapsed symbols (see above) rather than code points.
  bool collapsed() const { return collapsed_; }

  // Splits each piece of `symbols` (consecutive lengths in `pieces`) the way llama.cpp's
  // std::regex_iterator loop does: every match and every gap between matches becomes a piece
  // (empty matches give empty pieces). Appends the new lengths to `out`.
  void split(const std::vector<uint32_t>& symbols, const std::vector<size_t>& pieces,
             std::vector<size_t>& out) const;

  struct Program;

 private:
  std::unique_ptr<Program> program_;
  bool collapsed_ = false;
};

// The symbol a code point becomes in collapsed text.
uint32_t collapse_symbol(uint32_t cp);
// The symbol a code point becomes in code point mode.
uint32_t codepoint_symbol(uint32_t cp);

}  // namespace ruvllm::tokenizer_detail
