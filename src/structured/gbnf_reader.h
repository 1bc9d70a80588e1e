// Internal: the GBNF reader, generic over what it builds (see gbnf_parser.h for the notation).
//
// The reader handles the text (rules, alternatives, sequences, literals, classes, groups,
// repetition, escapes, errors with line and column) and hands each construct to a `Builder`:
// the GBNF parser's builds syntax trees (GbnfExpr), the grammar builder's lowers straight to
// the byte-level Grammar without building trees. A Builder provides
//
//   using Piece;                        an item, a sequence or an alternation, once read
//   Seq begin_sequence(); void before_item(Seq&); void append(Seq&, Piece);
//   Piece end_sequence(Seq&);
//   Alt begin_alternation(); void before_alternative(Alt&); void add_alternative(Alt&, Piece);
//   Piece end_alternation(Alt&);
//   Piece literal(const std::vector<uint32_t>& code_points);
//   Piece char_class(const std::vector<CodePointRange>& ranges, bool negated);
//   Piece rule_ref(std::string name); Piece group(Piece alternation);
//   Piece repeat(Piece item, uint32_t min_count, uint32_t max_count);
//
// before_item / before_alternative announce that another item / alternative follows, before
// anything of it is built: lowering must create helper rules in reading order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "structured/gbnf_ast.h"
#include "structured/utf8_ranges.h"

namespace ruvllm::structured::gbnf_detail {

template <typename Builder>
class GbnfReader {
 public:
  using Piece = typename Builder::Piece;

  GbnfReader(std::string_view text, Builder& builder) : text_(text), b_(builder) {}

  // Reads "name ::= body" rules, calling on_rule(name, body) for each.
  template <typename OnRule>
  void read_rules(OnRule on_rule) {
    skip_space(true);
    while (!at_end()) {
      std::string name = parse_name();
      skip_space(false);
      if (text_.substr(pos_, 3) != "::=") fail("expected '::=' after rule name '" + name + "'");
      pos_ += 3;
      skip_space(true);
      Piece body = parse_alternation(false);
      if (!at_end() && text_[pos_] != '\n' && text_[pos_] != '\r') {
        fail(std::string("unexpected character '") + text_[pos_] + "'");
      }
      on_rule(std::move(name), std::move(body));
      skip_space(true);
    }
  }

  // Reads the whole text as one rule body (what follows "::=" on a one-line rule).
  Piece read_body() {
    skip_space(true);
    Piece body = parse_alternation(false);
    if (!at_end()) fail(std::string("unexpected character '") + text_[pos_] + "'");
    return body;
  }

 private:
  bool at_end() const { return pos_ >= text_.size(); }

  [[noreturn]] void fail(const std::string& what) const {
    size_t line = 1, col = 1;
    for (size_t i = 0; i < pos_ && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    throw FormatError("GBNF grammar, line " + std::to_string(line) + " column " +
                      std::to_string(col) + ": " + what);
  }

  // Skips blanks and comments; newlines too when `newlines` is set.
  void skip_space(bool newlines) {
    while (!at_end()) {
      char c = text_[pos_];
      if (c == ' ' || c == '\t' || ((c == '\n' || c == '\r') && newlines)) {
        ++pos_;
      } else if (c == '#') {
        while (!at_end() && text_[pos_] != '\n') ++pos_;
      } else {
        break;
      }
    }
  }

  static bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  }

  std::string parse_name() {
    size_t start = pos_;
    while (!at_end() && is_name_char(text_[pos_])) ++pos_;
    if (pos_ == start) fail("expected a rule name");
    return std::string(text_.substr(start, pos_ - start));
  }

  Piece parse_alternation(bool nested) {
    auto alt = b_.begin_alternation();
    b_.add_alternative(alt, parse_sequence(nested));
    while (true) {
      // A top-level rule may continue on the next line when that line starts with '|'.
      size_t save = pos_;
      skip_space(true);
      if (at_end() || text_[pos_] != '|') {
        pos_ = save;
        break;
      }
      ++pos_;
      skip_space(true);
      b_.before_alternative(alt);
      b_.add_alternative(alt, parse_sequence(nested));
    }
    return b_.end_alternation(alt);
  }

  Piece parse_sequence(bool nested) {
    auto seq = b_.begin_sequence();
    while (!at_end()) {
      char c = text_[pos_];
      Piece item;
      // The builder hears of a new item (before_item) before lowering anything of it.
      if (c == '"') {
        ++pos_;
        code_points_.clear();
        while (true) {
          if (at_end() || text_[pos_] == '\n') fail("unterminated string literal");
          if (text_[pos_] == '"') break;
          code_points_.push_back(parse_char());
        }
        ++pos_;
        b_.before_item(seq);
        item = b_.literal(code_points_);
      } else if (c == '[') {
        const bool negated = parse_char_class();
        b_.before_item(seq);
        item = b_.char_class(ranges_, negated);
      } else if (c == '.') {
        ++pos_;
        ranges_.assign(1, {0, kMaxCodePoint});
        b_.before_item(seq);
        item = b_.char_class(ranges_, false);
      } else if (c == '(') {
        ++pos_;
        skip_space(true);
        b_.before_item(seq);
        item = b_.group(parse_alternation(true));
        if (at_end() || text_[pos_] != ')') fail("expected ')'");
        ++pos_;
      } else if (is_name_char(c)) {
        size_t save = pos_;
        std::string name = parse_name();
        // A name followed by ::= starts the next rule: this sequence has ended.
        size_t after = pos_;
        skip_space(false);
        if (text_.substr(pos_, 3) == "::=") {
          pos_ = save;
          break;
        }
        pos_ = after;
        b_.before_item(seq);
        item = b_.rule_ref(std::move(name));
      } else {
        break;
      }
      skip_space(nested);
      item = parse_postfix(std::move(item), nested);
      b_.append(seq, std::move(item));
    }
    return b_.end_sequence(seq);
  }

  Piece parse_postfix(Piece item, bool nested) {
    while (!at_end()) {
      char c = text_[pos_];
      uint32_t lo, hi;
      if (c == '*') {
        lo = 0, hi = GbnfExpr::kUnbounded;
        ++pos_;
      } else if (c == '+') {
        lo = 1, hi = GbnfExpr::kUnbounded;
        ++pos_;
      } else if (c == '?') {
        lo = 0, hi = 1;
        ++pos_;
      } else if (c == '{') {
        ++pos_;
        skip_space(false);
        lo = parse_count();
        skip_space(false);
        hi = lo;
        if (!at_end() && text_[pos_] == ',') {
          ++pos_;
          skip_space(false);
          hi = (!at_end() && text_[pos_] == '}') ? GbnfExpr::kUnbounded : parse_count();
          skip_space(false);
        }
        if (at_end() || text_[pos_] != '}') fail("expected '}' to close a repetition count");
        ++pos_;
        if (hi < lo) fail("repetition maximum is below its minimum");
      } else {
        break;
      }
      item = b_.repeat(std::move(item), lo, hi);
      skip_space(nested);
    }
    return item;
  }

  uint32_t parse_count() {
    size_t start = pos_;
    uint64_t v = 0;
    while (!at_end() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      v = v * 10 + static_cast<uint64_t>(text_[pos_] - '0');
      if (v > 1000000) fail("repetition count too large");
      ++pos_;
    }
    if (pos_ == start) fail("expected a number in a repetition count");
    return static_cast<uint32_t>(v);
  }

  // Reads a [class] into ranges_; returns whether it is negated.
  bool parse_char_class() {
    ++pos_;  // '['
    bool negated = false;
    ranges_.clear();
    if (!at_end() && text_[pos_] == '^') {
      negated = true;
      ++pos_;
    }
    while (true) {
      if (at_end() || text_[pos_] == '\n') fail("unterminated character class");
      if (text_[pos_] == ']') break;
      uint32_t lo = parse_char();
      uint32_t hi = lo;
      if (pos_ + 1 < text_.size() && text_[pos_] == '-' && text_[pos_ + 1] != ']') {
        ++pos_;
        hi = parse_char();
        if (hi < lo) fail("character range is reversed");
      }
      ranges_.push_back({lo, hi});
    }
    ++pos_;
    return negated;
  }

  uint32_t parse_hex(int digits) {
    uint32_t v = 0;
    for (int i = 0; i < digits; ++i) {
      if (at_end()) fail("truncated hex escape");
      char c = text_[pos_];
      uint32_t d;
      if (c >= '0' && c <= '9') {
        d = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        d = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        d = c - 'A' + 10;
      } else {
        fail("bad hex digit in escape");
      }
      v = v * 16 + d;
      ++pos_;
    }
    if (v > kMaxCodePoint) fail("escape is beyond U+10FFFF");
    return v;
  }

  // One code point of a literal or class, escapes decoded.
  uint32_t parse_char() {
    if (text_[pos_] == '\\') {
      ++pos_;
      if (at_end()) fail("truncated escape");
      char e = text_[pos_++];
      switch (e) {
        case 'n':
          return '\n';
        case 'r':
          return '\r';
        case 't':
          return '\t';
        case '0':
          return 0;
        case 'x':
          return parse_hex(2);
        case 'u':
          return parse_hex(4);
        case 'U':
          return parse_hex(8);
        case '\\':
        case '"':
        case '[':
        case ']':
        case '-':
        case '^':
        case '/':
        case '.':
          return static_cast<uint8_t>(e);
        default:
          --pos_;
          fail(std::string("unknown escape '\\") + e + "'");
      }
    }
    const auto first = static_cast<uint8_t>(text_[pos_]);
    if (first < 0x80) {  // most of a grammar: no UTF-8 decoding
      ++pos_;
      return first;
    }
    std::string s(text_.substr(pos_, 4));
    size_t p = 0;
    uint32_t cp;
    if (!decode_utf8(s, p, cp)) fail("invalid UTF-8 in grammar");
    pos_ += p;
    return cp;
  }

  std::string_view text_;
  size_t pos_ = 0;
  Builder& b_;
  std::vector<uint32_t> code_points_;   // scratch: the literal being read
  std::vector<CodePointRange> ranges_;  // scratch: the class being read
};

}  // namespace ruvllm::structured::gbnf_detail
