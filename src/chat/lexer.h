// Tokenizer for Jinja2 templates.
//
// Splits a template into literal text and the tokens inside {{ ... }} and {% ... %} tags,
// applying Jinja2's whitespace control as Hugging Face configures it: trim_blocks (drop the first
// newline after a block or comment tag), lstrip_blocks (drop spaces and tabs before a block or
// comment tag that starts a line), `-` on either side of a tag (strip all whitespace on that side)
// and `+` (disable trim/lstrip for that tag). Newlines are normalized to "\n" and one trailing
// newline of the template is removed (keep_trailing_newline=False). {% raw %} blocks become text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ruvllm::chat {

enum class TokenType {
  Text,        // literal template text
  VarBegin,    // {{
  VarEnd,      // }}
  BlockBegin,  // {%
  BlockEnd,    // %}
  Name,
  String,  // text holds the decoded value
  Integer,
  Float,
  Operator,  // text holds the operator, e.g. "==", "(", "|"
  End,
};

struct Token {
  TokenType type;
  std::string text;
  int line = 1;
  int64_t int_value = 0;
  double float_value = 0;
};

struct LexerOptions {
  bool trim_blocks = true;
  bool lstrip_blocks = true;
};

// Throws TemplateSyntaxError on unterminated tags, comments and strings.
std::vector<Token> tokenize(std::string_view source, const LexerOptions& options = {});

// A readable description of a token for error messages ("'}}'", "end of template").
std::string describe(const Token& token);

}  // namespace ruvllm::chat
