#include "structured/json_repair_parser.h"

#include <algorithm>
#include <array>
#include <cctype>

#include <nlohmann/json.hpp>

namespace ruvllm::structured::detail {
namespace {

// Thrown (and caught in parse_at) when containers nest deeper than the limit.
struct TooDeep {};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool is_word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$';
}
bool is_hex(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}

// Characters that can follow a closing quote; anything else after a quote means the quote was
// part of the text ("say "hi" now").
bool ends_string(char c) {
  return std::string_view(",:}])\n\r/#\"'{[=").find(c) != std::string_view::npos;
}

// The string being written ends in an unescaped comma (and spaces).
bool ends_with_comma(const std::string& out) {
  std::size_t i = out.size();
  while (i > 0 && (out[i - 1] == ' ' || out[i - 1] == '\t')) --i;
  return i >= 2 && out[i - 1] == ',' && out[i - 2] != '\\';
}

void append_json_string(std::string& out, std::string_view text) {
  out += nlohmann::json(std::string(text))
             .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Literal words, for recognising one cut short by the end of the input ("tru").
constexpr std::array<std::string_view, 11> kLiteralWords = {
    "true", "false", "null", "True", "False", "None", "undefined", "NaN", "Infinity", "nan", "inf"};

}  // namespace

TolerantJsonParser::TolerantJsonParser(std::string_view text, std::size_t max_depth)
    : text_(text), max_depth_(max_depth) {}

std::optional<RepairCandidate> TolerantJsonParser::parse_at(std::size_t start) {
  pos_ = start;
  out_.clear();
  closers_.clear();
  result_ = RepairCandidate();
  result_.begin = start;
  try {
    if (parse_value(Context::kTop) != Outcome::kValue) return std::nullopt;
  } catch (const TooDeep&) {
    return std::nullopt;
  }
  result_.json = std::move(out_);
  result_.end = pos_;
  return std::move(result_);
}

void TolerantJsonParser::fix(JsonFix kind) {
  std::uint32_t bit = 1u << static_cast<unsigned>(kind);
  if (result_.fixes & bit) return;
  result_.fixes |= bit;
  result_.fix_order.push_back(kind);
}

void TolerantJsonParser::skip_space_and_comments() {
  while (pos_ < text_.size()) {
    char c = text_[pos_];
    if (is_space(c)) {
      ++pos_;
    } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '/') {
      fix(JsonFix::kComment);
      std::size_t newline = text_.find('\n', pos_);
      pos_ = newline == std::string_view::npos ? text_.size() : newline;
    } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '*') {
      fix(JsonFix::kComment);
      std::size_t close = text_.find("*/", pos_ + 2);
      pos_ = close == std::string_view::npos ? text_.size() : close + 2;
    } else if (c == '#') {
      fix(JsonFix::kComment);
      std::size_t newline = text_.find('\n', pos_);
      pos_ = newline == std::string_view::npos ? text_.size() : newline;
    } else {
      break;
    }
  }
}

bool TolerantJsonParser::closer_expected_by_ancestor(char closer) const {
  for (std::size_t i = 0; i + 1 < closers_.size(); ++i) {
    if (closers_[i] == closer) return true;
  }
  return false;
}

TolerantJsonParser::Outcome TolerantJsonParser::parse_value(Context context) {
  skip_space_and_comments();
  if (at_end()) return Outcome::kEnd;
  char c = peek();
  if (c == '{') return parse_object();
  if (c == '[') return parse_array();
  if (c == '"' || c == '\'') return parse_string(context);
  if ((c == '-' || c == '+') && pos_ + 1 < text_.size() &&
      std::isalpha(static_cast<unsigned char>(text_[pos_ + 1]))) {
    return parse_word(context);
  }
  if (is_digit(c) || c == '-' || c == '+' || c == '.') return parse_number();
  if (is_word_char(c) || static_cast<unsigned char>(c) >= 0x80) return parse_word(context);
  return Outcome::kNone;
}

TolerantJsonParser::Outcome TolerantJsonParser::parse_object() {
  if (closers_.size() >= max_depth_) throw TooDeep();
  ++pos_;
  out_ += '{';
  closers_.push_back('}');
  bool has_member = false, after_comma = false;
  // A member whose value never arrived is removed again from the output.
  auto drop_member = [&](std::size_t member_start) {
    out_.resize(member_start);
    fix(JsonFix::kDroppedIncomplete);
  };
  auto input_ended = [&] {
    result_.truncated = true;
    fix(JsonFix::kUnclosedContainer);
  };
  while (true) {
    skip_space_and_comments();
    if (at_end()) {
      input_ended();
      break;
    }
    char c = peek();
    if (c == '}') {
      if (after_comma) fix(JsonFix::kTrailingComma);
      ++pos_;
      break;
    }
    if (c == ']') {
      fix(JsonFix::kMismatchedBracket);
      if (!closer_expected_by_ancestor(']')) ++pos_;
      break;
    }
    if (c == ',') {
      ++pos_;
      after_comma = true;
      continue;
    }
    std::size_t member_start = out_.size();
    if (has_member) {
      if (!after_comma) fix(JsonFix::kMissingComma);
      out_ += ',';
    }
    Outcome key = Outcome::kNone;
    if (c == '"' || c == '\'') {
      key = parse_string(Context::kKey);
    } else if (is_word_char(c) || c == '-' || static_cast<unsigned char>(c) >= 0x80) {
      std::size_t start = pos_;
      while (!at_end() &&
             std::string_view(":,{}[]\"'=\n\r").find(peek()) == std::string_view::npos) {
        ++pos_;
      }
      std::string_view name = text_.substr(start, pos_ - start);
      while (!name.empty() && is_space(name.back())) name.remove_suffix(1);
      if (at_end()) {
        key = Outcome::kEnd;
      } else {
        fix(JsonFix::kUnquotedKey);
        append_json_string(out_, name);
        key = Outcome::kValue;
      }
    } else {
      out_.resize(member_start);
      ++pos_;
      fix(JsonFix::kStrayCharacter);
      result_.weak = true;
      continue;
    }
    after_comma = false;
    if (key == Outcome::kEnd) {
      drop_member(member_start);
      input_ended();
      break;
    }
    skip_space_and_comments();
    if (at_end()) {
      drop_member(member_start);
      input_ended();
      break;
    }
    c = peek();
    if (c == ':') {
      ++pos_;
    } else if (c == ',' || c == '}' || c == ']') {
      drop_member(member_start);  // a key without a value
      result_.weak = true;
      continue;
    } else {
      fix(JsonFix::kMissingColon);
      if (c == '=') ++pos_;
    }
    out_ += ':';
    Outcome value = parse_value(Context::kObjectValue);
    if (value == Outcome::kEnd) {
      drop_member(member_start);
      input_ended();
      break;
    }
    if (value == Outcome::kNone) {
      drop_member(member_start);
      result_.weak = true;
      continue;
    }
    has_member = true;
  }
  out_ += '}';
  closers_.pop_back();
  return Outcome::kValue;
}

TolerantJsonParser::Outcome TolerantJsonParser::parse_array() {
  if (closers_.size() >= max_depth_) throw TooDeep();
  ++pos_;
  out_ += '[';
  closers_.push_back(']');
  bool has_item = false, after_comma = false;
  while (true) {
    skip_space_and_comments();
    if (at_end()) {
      result_.truncated = true;
      fix(JsonFix::kUnclosedContainer);
      break;
    }
    char c = peek();
    if (c == ']') {
      if (after_comma) fix(JsonFix::kTrailingComma);
      ++pos_;
      break;
    }
    if (c == '}') {
      fix(JsonFix::kMismatchedBracket);
      if (!closer_expected_by_ancestor('}')) ++pos_;
      break;
    }
    if (c == ',') {
      ++pos_;
      after_comma = true;
      continue;
    }
    std::size_t item_start = out_.size();
    if (has_item) {
      if (!after_comma) fix(JsonFix::kMissingComma);
      out_ += ',';
    }
    after_comma = false;
    Outcome item = parse_value(Context::kArrayItem);
    if (item == Outcome::kEnd) {
      out_.resize(item_start);
      result_.truncated = true;
      fix(JsonFix::kUnclosedContainer);
      break;
    }
    if (item == Outcome::kNone) {
      out_.resize(item_start);
      ++pos_;
      fix(JsonFix::kStrayCharacter);
      result_.weak = true;
      continue;
    }
    has_item = true;
  }
  out_ += ']';
  closers_.pop_back();
  return Outcome::kValue;
}

bool TolerantJsonParser::string_ends_here(std::size_t after, char quote, Context context) const {
  // 'name = 'bob'': a doubled quote is text followed by the real end.
  if (after < text_.size() && text_[after] == quote) return false;
  while (after < text_.size() && (text_[after] == ' ' || text_[after] == '\t')) ++after;
  if (after >= text_.size()) return true;
  char next = text_[after];
  if (next == ',' && context == Context::kObjectValue) return member_follows(after + 1);
  if (next == ',' && context == Context::kArrayItem) return item_follows(after + 1);
  return ends_string(next);
}

std::size_t TolerantJsonParser::skip_blank(std::size_t p) const {
  // Lookahead from inside a string is bounded (indentation is short) so that text made of
  // blank lines cannot make the scan quadratic.
  const std::size_t limit = std::min(text_.size(), p + kMaxLookahead);
  while (p < limit && is_space(text_[p])) ++p;
  return p;
}

bool TolerantJsonParser::member_follows(std::size_t p) const {
  p = skip_blank(p);
  if (p >= text_.size()) return true;
  char c = text_[p];
  if (c == '}' || c == ']' || c == '/' || c == '#') return true;
  if (c == '"' || c == '\'') return quoted_key_at(p);
  if (!is_word_char(c)) return false;
  while (p < text_.size() && (is_word_char(text_[p]) || text_[p] == '-')) ++p;
  while (p < text_.size() && (text_[p] == ' ' || text_[p] == '\t')) ++p;
  return p >= text_.size() || text_[p] == ':';
}

bool TolerantJsonParser::item_follows(std::size_t p) const {
  p = skip_blank(p);
  if (p >= text_.size()) return true;
  char c = text_[p];
  if (std::string_view("\"'[{]}-+./#").find(c) != std::string_view::npos || is_digit(c))
    return true;
  for (std::string_view literal : kLiteralWords) {
    if (text_.substr(p, literal.size()) == literal) return true;
  }
  return false;
}

bool TolerantJsonParser::quoted_key_at(std::size_t p) const {
  const char quote = text_[p];
  for (std::size_t q = p + 1; q < text_.size(); ++q) {
    if (text_[q] == '\\') {
      ++q;
    } else if (text_[q] == '\n') {
      return false;
    } else if (text_[q] == quote) {
      q = q + 1;
      while (q < text_.size() && (text_[q] == ' ' || text_[q] == '\t')) ++q;
      return q >= text_.size() || text_[q] == ':';
    }
  }
  return true;  // the key runs to the end of the input: a cut-off member
}

bool TolerantJsonParser::next_line_starts_member(std::size_t newline) const {
  std::size_t p = skip_blank(newline);
  if (p >= text_.size() || is_space(text_[p])) return false;  // end, or lookahead exhausted
  char c = text_[p];
  if (c == '}' || c == ']') {
    // A closing bracket alone on its line, as in pretty-printed JSON (not "}" inside code).
    std::size_t q = p + 1;
    while (q < text_.size() && (text_[q] == ' ' || text_[q] == '\t')) ++q;
    return q >= text_.size() ||
           std::string_view(",}]\n\r").find(text_[q]) != std::string_view::npos;
  }
  if (c != '"') return false;
  // Look for "key": on that line only, so that scanning stays linear in the input.
  std::size_t line_end = std::min(text_.find('\n', p + 1), text_.size());
  std::size_t close = text_.substr(0, line_end).find('"', p + 1);
  if (close == std::string_view::npos) return false;
  std::size_t q = close + 1;
  while (q < text_.size() && (text_[q] == ' ' || text_[q] == '\t')) ++q;
  return q < text_.size() && text_[q] == ':';
}

TolerantJsonParser::Outcome TolerantJsonParser::parse_string(Context context) {
  const char quote = peek();
  ++pos_;
  if (quote == '\'') fix(JsonFix::kSingleQuotes);
  out_ += '"';
  while (true) {
    if (at_end()) {
      fix(JsonFix::kUnclosedString);
      result_.truncated = true;
      if (context == Context::kKey) return Outcome::kEnd;
      out_ += '"';
      return Outcome::kValue;
    }
    const unsigned char c = static_cast<unsigned char>(peek());
    if (c == quote) {
      if (string_ends_here(pos_ + 1, quote, context)) {
        ++pos_;
        out_ += '"';
        return Outcome::kValue;
      }
      if (context == Context::kObjectValue && quoted_key_at(pos_) && ends_with_comma(out_)) {
        // "a": "hello, "b": 2 -- the closing quote went missing before ", ".
        fix(JsonFix::kUnclosedString);
        while (out_.back() == ' ' || out_.back() == '\t') out_.pop_back();
        out_.pop_back();
        out_ += '"';
        return Outcome::kValue;
      }
      fix(JsonFix::kUnescapedQuote);
      out_ += quote == '"' ? "\\\"" : "'";
      ++pos_;
    } else if (c == '"') {
      out_ += "\\\"";  // inside a single-quoted string
      ++pos_;
    } else if (c == '\\') {
      parse_escape();
    } else if (c == '\n' || c == '\r') {
      if (context != Context::kKey && next_line_starts_member(pos_)) {
        // The closing quote is missing at the end of a line of pretty-printed JSON; a comma
        // typed before the line break belongs to the structure, not the text.
        fix(JsonFix::kUnclosedString);
        while (out_.back() == ' ' || out_.back() == '\t') out_.pop_back();
        if (out_.back() == ',' && out_.size() >= 2 && out_[out_.size() - 2] != '\\')
          out_.pop_back();
        out_ += '"';
        return Outcome::kValue;
      }
      fix(JsonFix::kControlCharacter);
      out_ += c == '\n' ? "\\n" : "\\r";
      ++pos_;
    } else if (c < 0x20) {
      fix(JsonFix::kControlCharacter);
      static const char* const kHex = "0123456789abcdef";
      if (c == '\t') {
        out_ += "\\t";
      } else {
        out_ += "\\u00";
        out_ += kHex[c >> 4];
        out_ += kHex[c & 15];
      }
      ++pos_;
    } else if (c >= 0x80) {
      copy_utf8_sequence();
    } else {
      out_ += static_cast<char>(c);
      ++pos_;
    }
  }
}

void TolerantJsonParser::parse_escape() {
  ++pos_;                // the backslash
  if (at_end()) return;  // cut off: the string loop closes the string
  const char e = peek();
  switch (e) {
    case '"':
    case '\\':
    case '/':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't':
      out_ += '\\';
      out_ += e;
      ++pos_;
      return;
    case '\'':
      out_ += '\'';
      ++pos_;
      return;
    case '\n':  // JavaScript line continuation
      ++pos_;
      return;
    default:
      break;
  }
  auto hex_run = [&](std::size_t from, std::size_t n) {
    std::size_t k = 0;
    while (k < n && from + k < text_.size() && is_hex(text_[from + k])) ++k;
    return k;
  };
  if (e == 'u') {
    std::size_t digits = hex_run(pos_ + 1, 4);
    if (digits < 4 && pos_ + 1 + digits == text_.size()) {
      pos_ = text_.size();  // escape cut off by the end of the input: drop it
      return;
    }
    if (digits < 4) {
      fix(JsonFix::kInvalidEscape);
      out_ += "\\\\";
      return;  // the 'u' and what follows are ordinary text
    }
    unsigned code = std::stoul(std::string(text_.substr(pos_ + 1, 4)), nullptr, 16);
    std::string escape(text_.substr(pos_ - 1, 6));
    pos_ += 5;
    if (code >= 0xD800 && code <= 0xDBFF) {
      bool paired = pos_ + 6 <= text_.size() && text_[pos_] == '\\' && text_[pos_ + 1] == 'u' &&
                    hex_run(pos_ + 2, 4) == 4;
      unsigned low = paired ? std::stoul(std::string(text_.substr(pos_ + 2, 4)), nullptr, 16) : 0;
      if (paired && low >= 0xDC00 && low <= 0xDFFF) {
        out_ += escape;
        out_ += text_.substr(pos_, 6);
        pos_ += 6;
        return;
      }
      fix(JsonFix::kInvalidEscape);
      out_ += "\\ufffd";
      return;
    }
    if (code >= 0xDC00 && code <= 0xDFFF) {
      fix(JsonFix::kInvalidEscape);
      out_ += "\\ufffd";
      return;
    }
    out_ += escape;
    return;
  }
  fix(JsonFix::kInvalidEscape);
  if (e == 'x' && hex_run(pos_ + 1, 2) == 2) {  // Python/JavaScript "\xNN"
    out_ += "\\u00";
    out_ += text_.substr(pos_ + 1, 2);
    pos_ += 3;
    return;
  }
  out_ += "\\\\";  // keep the backslash as text; the next character is ordinary text
}

void TolerantJsonParser::copy_utf8_sequence() {
  const unsigned char lead = static_cast<unsigned char>(peek());
  std::size_t length = (lead >> 5) == 0x6    ? 2
                       : (lead >> 4) == 0xE  ? 3
                       : (lead >> 3) == 0x1E ? 4
                                             : 0;
  auto replace = [&] {
    fix(JsonFix::kInvalidUtf8);
    out_ += "\\ufffd";
    ++pos_;
  };
  if (length == 0) return replace();
  std::uint32_t code = lead & (0x7F >> length);
  for (std::size_t k = 1; k < length; ++k) {
    if (pos_ + k >= text_.size()) {
      pos_ = text_.size();  // a character cut off by the end of the input
      result_.truncated = true;
      return;
    }
    unsigned char cont = static_cast<unsigned char>(text_[pos_ + k]);
    if ((cont & 0xC0) != 0x80) return replace();
    code = (code << 6) | (cont & 0x3F);
  }
  static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (code < kMin[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
    return replace();
  }
  out_ += text_.substr(pos_, length);
  pos_ += length;
}

TolerantJsonParser::Outcome TolerantJsonParser::parse_number() {
  const std::size_t start = pos_;
  std::string number;
  bool changed = false;
  if (peek() == '+') {
    changed = true;
    ++pos_;
  } else if (peek() == '-') {
    number += '-';
    ++pos_;
  }
  std::size_t digits_start = pos_;
  while (!at_end() && is_digit(peek())) ++pos_;
  std::string_view digits = text_.substr(digits_start, pos_ - digits_start);
  if (digits.empty()) {
    if (!at_end() && peek() == '.' && pos_ + 1 < text_.size() && is_digit(text_[pos_ + 1])) {
      number += '0';  // .5
      changed = true;
    } else if (at_end()) {
      fix(JsonFix::kDroppedIncomplete);  // a lone sign cut off by the end of the input
      return Outcome::kEnd;
    } else {
      pos_ = start;
      return Outcome::kNone;
    }
  } else {
    while (digits.size() > 1 && digits[0] == '0') {
      digits.remove_prefix(1);  // 007
      changed = true;
    }
    number += digits;
  }
  if (!at_end() && peek() == '.') {
    ++pos_;
    if (!at_end() && is_digit(peek())) {
      number += '.';
      while (!at_end() && is_digit(peek())) number += text_[pos_++];
    } else {
      changed = true;  // 1.
    }
  }
  if (!at_end() && (peek() == 'e' || peek() == 'E')) {
    std::size_t mark = pos_++;
    std::string exponent = "e";
    if (!at_end() && (peek() == '+' || peek() == '-')) exponent += text_[pos_++];
    if (!at_end() && is_digit(peek())) {
      while (!at_end() && is_digit(peek())) exponent += text_[pos_++];
      number += exponent;
    } else if (at_end()) {
      changed = true;  // "1e" cut off
    } else {
      pos_ = mark;  // not an exponent after all
    }
  }
  if (changed) fix(JsonFix::kNumberFormat);
  out_ += number;
  return Outcome::kValue;
}

TolerantJsonParser::Outcome TolerantJsonParser::parse_word(Context context) {
  const std::size_t start = pos_;
  if (peek() == '-' || peek() == '+') ++pos_;
  const std::size_t word_start = pos_;
  while (!at_end() && is_word_char(peek())) ++pos_;
  std::string_view word = text_.substr(word_start, pos_ - word_start);
  const bool signed_word = word_start != start;
  if (!signed_word) {
    if (word == "true" || word == "false" || word == "null") {
      out_ += word;
      return Outcome::kValue;
    }
    if (word == "True" || word == "False" || word == "None" || word == "undefined") {
      fix(JsonFix::kPythonLiteral);
      out_ += word == "True" ? "true" : word == "False" ? "false" : "null";
      return Outcome::kValue;
    }
  }
  if (word == "NaN" || word == "nan" || word == "Infinity" || word == "inf") {
    fix(JsonFix::kNonFiniteNumber);
    out_ += "null";
    return Outcome::kValue;
  }
  if (at_end() && !word.empty()) {
    for (std::string_view literal : kLiteralWords) {
      if (literal.size() > word.size() && literal.substr(0, word.size()) == word) {
        fix(JsonFix::kDroppedIncomplete);  // "tru" at the very end
        return Outcome::kEnd;
      }
    }
  }
  // Bare text: read to the end of the value, as "{status: active}" means "active".
  const std::string_view stops = context == Context::kArrayItem ? ",]\n\r" : ",}\n\r";
  while (!at_end() && stops.find(peek()) == std::string_view::npos) ++pos_;
  std::string_view bare = text_.substr(start, pos_ - start);
  while (!bare.empty() && is_space(bare.back())) bare.remove_suffix(1);
  fix(JsonFix::kUnquotedString);
  result_.weak = true;
  append_json_string(out_, bare);
  return Outcome::kValue;
}

}  // namespace ruvllm::structured::detail
