#include "chat/lexer.h"

#include <algorithm>
#include <cctype>

#include "chat/py_number.h"
#include "chat/py_string.h"
#include "chat/template_error.h"

namespace ruvllm::chat {

namespace {

bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Jinja2 normalizes every newline sequence to "\n" and drops one trailing newline.
std::string normalize_source(std::string_view source) {
  std::string out;
  out.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out.push_back('\n');
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      out.push_back(source[i]);
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Python's unicode-escape decoding of a string literal body.
std::string decode_string_literal(std::string_view body) {
  std::string out;
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c != '\\' || i + 1 >= body.size()) {
      out.push_back(c);
      continue;
    }
    char e = body[++i];
    switch (e) {
      case '\n':
        break;
      case '\\':
        out.push_back('\\');
        break;
      case '\'':
        out.push_back('\'');
        break;
      case '"':
        out.push_back('"');
        break;
      case 'a':
        out.push_back('\a');
        break;
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'v':
        out.push_back('\v');
        break;
      case 'x':
      case 'u':
      case 'U': {
        int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        uint32_t cp = 0;
        bool ok = true;
        for (int k = 1; ok && k <= digits; ++k) {
          if (i + k >= body.size()) {
            ok = false;
            break;
          }
          int h = hex_value(body[i + k]);
          if (h < 0) ok = false;
          cp = cp * 16 + static_cast<uint32_t>(h);
        }
        if (!ok || cp > 0x10FFFF)
          throw TemplateError("TemplateSyntaxError",
                              "invalid \\" + std::string(1, e) + " escape in string literal");
        py::append_utf8(out, cp);
        i += digits;
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          uint32_t cp = 0;
          int k = 0;
          while (k < 3 && i + k < body.size() && body[i + k] >= '0' && body[i + k] <= '7') {
            cp = cp * 8 + static_cast<uint32_t>(body[i + k] - '0');
            ++k;
          }
          py::append_utf8(out, cp);
          i += k - 1;
        } else {
          out.push_back('\\');
          out.push_back(e);
        }
    }
  }
  return out;
}

class Lexer {
 public:
  Lexer(std::string_view source, const LexerOptions& options)
      : src_(normalize_source(source)), options_(options) {
    for (size_t i = 0; i < src_.size(); ++i)
      if (src_[i] == '\n') newlines_.push_back(i);
  }

  std::vector<Token> run() {
    while (pos_ < src_.size()) {
      size_t start = find_tag_start(pos_);
      if (start == std::string::npos) {
        emit_text(pos_, src_.substr(pos_));
        pos_ = src_.size();
        break;
      }
      char kind = src_[start + 1];
      char modifier = start + 2 < src_.size() ? src_[start + 2] : '\0';
      if (modifier != '-' && modifier != '+') modifier = '\0';
      std::string text = src_.substr(pos_, start - pos_);
      apply_left_whitespace_control(text, kind, modifier);
      emit_text(pos_, std::move(text));
      size_t body = start + 2 + (modifier ? 1 : 0);
      if (kind == '#') {
        lex_comment(start, body);
      } else if (kind == '%' && try_raw(start, body)) {
        // handled
      } else {
        lex_tag(start, body, kind == '{');
      }
    }
    tokens_.push_back(Token{TokenType::End, "", line_at(src_.size())});
    return std::move(tokens_);
  }

 private:
  int line_at(size_t pos) const {
    return 1 + static_cast<int>(std::lower_bound(newlines_.begin(), newlines_.end(), pos) -
                                newlines_.begin());
  }

  [[noreturn]] void fail(const std::string& message, size_t pos) const {
    throw TemplateSyntaxError(message, line_at(pos));
  }

  size_t find_tag_start(size_t from) const {
    for (size_t i = src_.find('{', from); i != std::string::npos; i = src_.find('{', i + 1)) {
      if (i + 1 < src_.size() && (src_[i + 1] == '{' || src_[i + 1] == '%' || src_[i + 1] == '#'))
        return i;
    }
    return std::string::npos;
  }

  void apply_left_whitespace_control(std::string& text, char kind, char modifier) const {
    if (modifier == '-') {
      size_t e = text.size();
      while (e > 0 && is_ascii_space(text[e - 1])) --e;
      text.resize(e);
      return;
    }
    if (kind == '{' || modifier == '+' || !options_.lstrip_blocks) return;
    size_t line_start = text.rfind('\n');
    line_start = line_start == std::string::npos ? 0 : line_start + 1;
    bool line_starting = pos_ == 0 || src_[pos_ - 1] == '\n';
    if (line_start == 0 && !line_starting) return;
    for (size_t i = line_start; i < text.size(); ++i)
      if (!is_ascii_space(text[i])) return;
    text.resize(line_start);
  }

  void emit_text(size_t pos, std::string text) {
    if (text.empty()) return;
    tokens_.push_back(Token{TokenType::Text, std::move(text), line_at(pos)});
  }

  // After a tag: `-` strips all following whitespace, trim_blocks drops one newline.
  void apply_right_whitespace_control(char modifier, bool is_block) {
    if (modifier == '-') {
      while (pos_ < src_.size() && is_ascii_space(src_[pos_])) ++pos_;
    } else if (is_block && modifier != '+' && options_.trim_blocks && pos_ < src_.size() &&
               src_[pos_] == '\n') {
      ++pos_;
    }
  }

  void lex_comment(size_t start, size_t body) {
    size_t end = src_.find("#}", body);
    if (end == std::string::npos) fail("Missing end of comment tag", start);
    char modifier =
        end > body && (src_[end - 1] == '-' || src_[end - 1] == '+') ? src_[end - 1] : '\0';
    pos_ = end + 2;
    apply_right_whitespace_control(modifier, true);
  }

  // Matches `{%[-+]? raw [-+]?%}` at `start`; on success emits the raw text as-is.
  bool try_raw(size_t start, size_t body) {
    size_t i = body;
    while (i < src_.size() && is_ascii_space(src_[i])) ++i;
    if (src_.compare(i, 3, "raw") != 0) return false;
    i += 3;
    if (i < src_.size() && (std::isalnum(static_cast<unsigned char>(src_[i])) || src_[i] == '_'))
      return false;
    while (i < src_.size() && is_ascii_space(src_[i])) ++i;
    char open_modifier = '\0';
    if (i < src_.size() && (src_[i] == '-' || src_[i] == '+')) open_modifier = src_[i++];
    if (src_.compare(i, 2, "%}") != 0) fail("expected '%}' after 'raw'", start);
    pos_ = i + 2;
    if (open_modifier == '-')
      while (pos_ < src_.size() && is_ascii_space(src_[pos_])) ++pos_;
    // Find {%[-+]? endraw [-+]?%}.
    for (size_t s = src_.find("{%", pos_); s != std::string::npos; s = src_.find("{%", s + 2)) {
      size_t j = s + 2;
      char left = '\0';
      if (j < src_.size() && (src_[j] == '-' || src_[j] == '+')) left = src_[j++];
      while (j < src_.size() && is_ascii_space(src_[j])) ++j;
      if (src_.compare(j, 6, "endraw") != 0) continue;
      j += 6;
      while (j < src_.size() && is_ascii_space(src_[j])) ++j;
      char right = '\0';
      if (j < src_.size() && (src_[j] == '-' || src_[j] == '+')) right = src_[j++];
      if (src_.compare(j, 2, "%}") != 0) continue;
      std::string text = src_.substr(pos_, s - pos_);
      if (left == '-') {
        size_t e = text.size();
        while (e > 0 && is_ascii_space(text[e - 1])) --e;
        text.resize(e);
      }
      emit_text(pos_, std::move(text));
      pos_ = j + 2;
      apply_right_whitespace_control(right, true);
      return true;
    }
    fail("Unexpected end of template. Jinja was looking for the following tags: 'endraw'.", start);
  }

  void lex_tag(size_t start, size_t body, bool is_var) {
    tokens_.push_back(Token{is_var ? TokenType::VarBegin : TokenType::BlockBegin,
                            is_var ? "{{" : "{%", line_at(start)});
    size_t i = body;
    int balance = 0;
    const char close = is_var ? '}' : '%';
    while (true) {
      while (i < src_.size() && is_ascii_space(src_[i])) ++i;
      if (i >= src_.size())
        fail(is_var ? "unexpected end of template, expected 'end of print statement'."
                    : "unexpected end of template, expected 'end of statement block'.",
             start);
      if (balance == 0) {
        char modifier = (src_[i] == '-' || src_[i] == '+') ? src_[i] : '\0';
        size_t j = modifier ? i + 1 : i;
        if (j + 1 < src_.size() && src_[j] == close && src_[j + 1] == '}' &&
            !(modifier == '+' && is_var)) {
          tokens_.push_back(Token{is_var ? TokenType::VarEnd : TokenType::BlockEnd,
                                  is_var ? "}}" : "%}", line_at(i)});
          pos_ = j + 2;
          apply_right_whitespace_control(modifier, !is_var);
          return;
        }
      }
      i = lex_token(i, balance);
    }
  }

  // Lexes one token inside a tag at `i`; returns the position after it.
  size_t lex_token(size_t i, int& balance) {
    char c = src_[i];
    int line = line_at(i);
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t j = i;
      while (j < src_.size() &&
             (std::isalnum(static_cast<unsigned char>(src_[j])) || src_[j] == '_'))
        ++j;
      tokens_.push_back(Token{TokenType::Name, src_.substr(i, j - i), line});
      return j;
    }
    if (std::isdigit(static_cast<unsigned char>(c))) return lex_number(i, line);
    if (c == '\'' || c == '"') return lex_string(i, line);
    static const char* kTwo[] = {"//", "**", "==", "!=", "<=", ">="};
    for (const char* op : kTwo) {
      if (src_.compare(i, 2, op) == 0) {
        tokens_.push_back(Token{TokenType::Operator, op, line});
        return i + 2;
      }
    }
    static const std::string kOne = "+-*/%~()[]{}<>=.:|,;";
    if (kOne.find(c) == std::string::npos)
      fail("unexpected char " + py::repr(std::string(1, c)) + " at " + std::to_string(i), i);
    if (c == '(' || c == '[' || c == '{') ++balance;
    if ((c == ')' || c == ']' || c == '}') && balance > 0) --balance;
    tokens_.push_back(Token{TokenType::Operator, std::string(1, c), line});
    return i + 1;
  }

  size_t lex_number(size_t i, int line) {
    auto digits_from = [&](size_t j, auto is_digit) {
      while (j < src_.size() && (is_digit(src_[j]) ||
                                 (src_[j] == '_' && j + 1 < src_.size() && is_digit(src_[j + 1]))))
        ++j;
      return j;
    };
    auto dec = [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)) != 0; };
    if (src_[i] == '0' && i + 1 < src_.size() &&
        std::string("xXoObB").find(src_[i + 1]) != std::string::npos) {
      char p = static_cast<char>(std::tolower(static_cast<unsigned char>(src_[i + 1])));
      auto is_digit = [p](char ch) {
        if (p == 'x') return std::isxdigit(static_cast<unsigned char>(ch)) != 0;
        if (p == 'o') return ch >= '0' && ch <= '7';
        return ch == '0' || ch == '1';
      };
      size_t j = digits_from(i + 2, is_digit);
      auto v = py::parse_int(src_.substr(i, j - i), 0);
      if (!v) fail("integer literal out of range", i);
      tokens_.push_back(Token{TokenType::Integer, src_.substr(i, j - i), line, *v});
      return j;
    }
    size_t j = digits_from(i, dec);
    bool after_dot = !tokens_.empty() && tokens_.back().type == TokenType::Operator &&
                     tokens_.back().text == "." && i > 0 && src_[i - 1] == '.';
    bool is_float = false;
    if (!after_dot && j + 1 < src_.size() && src_[j] == '.' && dec(src_[j + 1])) {
      j = digits_from(j + 1, dec);
      is_float = true;
    }
    if (!after_dot && j < src_.size() && (src_[j] == 'e' || src_[j] == 'E')) {
      size_t k = j + 1;
      if (k < src_.size() && (src_[k] == '+' || src_[k] == '-')) ++k;
      if (k < src_.size() && dec(src_[k])) {
        j = digits_from(k, dec);
        is_float = true;
      }
    }
    std::string text = src_.substr(i, j - i);
    Token t{is_float ? TokenType::Float : TokenType::Integer, text, line};
    if (is_float) {
      t.float_value = py::parse_float(text).value_or(0.0);
    } else {
      auto v = py::parse_int(text, 10);
      if (!v) fail("integer literal out of range", i);
      t.int_value = *v;
    }
    tokens_.push_back(std::move(t));
    return j;
  }

  size_t lex_string(size_t i, int line) {
    char quote = src_[i];
    size_t j = i + 1;
    while (j < src_.size() && src_[j] != quote) {
      if (src_[j] == '\\') ++j;
      ++j;
    }
    if (j >= src_.size()) fail("unexpected end of string", i);
    std::string value;
    try {
      value = decode_string_literal(std::string_view(src_).substr(i + 1, j - i - 1));
    } catch (const TemplateError& e) {
      fail(e.message(), i);
    }
    tokens_.push_back(Token{TokenType::String, std::move(value), line});
    return j + 1;
  }

  std::string src_;
  LexerOptions options_;
  std::vector<size_t> newlines_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
};

}  // namespace

std::vector<Token> tokenize(std::string_view source, const LexerOptions& options) {
  return Lexer(source, options).run();
}

std::string describe(const Token& token) {
  switch (token.type) {
    case TokenType::End:
      return "end of template";
    case TokenType::VarEnd:
      return "end of print statement";
    case TokenType::BlockEnd:
      return "end of statement block";
    case TokenType::String:
      return "string";
    case TokenType::Integer:
      return "integer";
    case TokenType::Float:
      return "float";
    case TokenType::Text:
      return "template data";
    default:
      return "'" + token.text + "'";
  }
}

}  // namespace ruvllm::chat
