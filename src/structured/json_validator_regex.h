// ECMAScript regular expressions for "pattern", "patternProperties" and format "regex".
//
// Built on std::wregex (ECMAScript grammar) over UTF-32 text, so "." and character classes see
// code points rather than UTF-8 bytes. Limits of std::regex that JSON Schema users may meet:
// no \p{...} Unicode property classes, no lookbehind, no named groups, and \w \d \s \b are
// ASCII/locale based rather than Unicode-aware. Patterns using those fail to compile (a
// FormatError at schema compile time) or match as ASCII.
#pragma once

#include <regex>
#include <string>
#include <string_view>

namespace ruvllm::structured::detail {

class EcmaRegex {
 public:
  // Throws FormatError when `pattern` is not a regex std::wregex understands.
  explicit EcmaRegex(const std::string& pattern);

  // True when the pattern matches anywhere in `text` (UTF-8). JSON Schema patterns are not
  // anchored. Strings longer than kMaxMatchLength code points never match (std::regex needs
  // stack in proportion to the input; long inputs run on a helper thread with a large stack).
  bool search(std::string_view text) const;

  static constexpr std::size_t kMaxMatchLength = 1u << 18;

  const std::string& pattern() const { return pattern_; }

 private:
  std::string pattern_;
  std::wregex regex_;
};

// UTF-8 to UTF-32 (as wchar_t), invalid sequences becoming U+FFFD.
std::wstring utf8_to_wide(std::string_view text);

}  // namespace ruvllm::structured::detail
