#include "structured/gbnf_parser.h"

#include "core/error.h"
#include "structured/grammar_builder.h"

namespace ruvllm::structured {

namespace {

class GbnfParser {
 public:
  explicit GbnfParser(std::string_view text) : text_(text) {}

  std::vector<GbnfRule> parse() {
    std::vector<GbnfRule> rules;
    skip_space(true);
    while (!at_end()) {
      GbnfRule rule;
      rule.name = parse_name();
      skip_space(false);
      if (text_.substr(pos_, 3) != "::=")
        fail("expected '::=' after rule name '" + rule.name + "'");
      pos_ += 3;
      skip_space(true);
      rule.body = parse_alternation(false);
      if (!at_end() && text_[pos_] != '\n' && text_[pos_] != '\r') {
        fail(std::string("unexpected character '") + text_[pos_] + "'");
      }
      rules.push_back(std::move(rule));
      skip_space(true);
    }
    return rules;
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

  // Children are collected on `pending_` (a stack: nested groups push above and pop back before
  // their parent continues) and moved into an exactly sized vector at the end, which saves the
  // allocations of growing each node's vector one child at a time.
  GbnfExpr take_pending(size_t base, GbnfExpr::Kind kind) {
    if (pending_.size() == base + 1) {
      GbnfExpr only = std::move(pending_.back());
      pending_.pop_back();
      return only;
    }
    GbnfExpr node;
    node.kind = kind;
    node.children.reserve(pending_.size() - base);
    for (size_t i = base; i < pending_.size(); ++i) node.children.push_back(std::move(pending_[i]));
    pending_.resize(base);
    return node;
  }

  GbnfExpr parse_alternation(bool nested) {
    const size_t base = pending_.size();
    GbnfExpr first = parse_sequence(nested);
    pending_.push_back(std::move(first));
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
      GbnfExpr next = parse_sequence(nested);
      pending_.push_back(std::move(next));
    }
    return take_pending(base, GbnfExpr::Kind::kAlternation);
  }

  GbnfExpr parse_sequence(bool nested) {
    const size_t base = pending_.size();
    while (!at_end()) {
      char c = text_[pos_];
      GbnfExpr item;
      if (c == '"') {
        ++pos_;
        item.kind = GbnfExpr::Kind::kLiteral;
        code_points_.clear();
        while (true) {
          if (at_end() || text_[pos_] == '\n') fail("unterminated string literal");
          if (text_[pos_] == '"') break;
          code_points_.push_back(parse_char());
        }
        item.code_points.assign(code_points_.begin(), code_points_.end());
        ++pos_;
      } else if (c == '[') {
        item = parse_char_class();
      } else if (c == '.') {
        ++pos_;
        item.kind = GbnfExpr::Kind::kCharClass;
        item.ranges.push_back({0, kMaxCodePoint});
      } else if (c == '(') {
        ++pos_;
        skip_space(true);
        item = parse_alternation(true);
        if (at_end() || text_[pos_] != ')') fail("expected ')'");
        ++pos_;
      } else if (is_name_char(c)) {
        size_t save = pos_;
        item.kind = GbnfExpr::Kind::kRuleRef;
        item.name = parse_name();
        // A name followed by ::= starts the next rule: this sequence has ended.
        size_t after = pos_;
        skip_space(false);
        if (text_.substr(pos_, 3) == "::=") {
          pos_ = save;
          break;
        }
        pos_ = after;
      } else {
        break;
      }
      skip_space(nested);
      item = parse_postfix(std::move(item), nested);
      pending_.push_back(std::move(item));
    }
    if (pending_.size() == base) {
      GbnfExpr empty;
      empty.kind = GbnfExpr::Kind::kSequence;
      return empty;
    }
    return take_pending(base, GbnfExpr::Kind::kSequence);
  }

  GbnfExpr parse_postfix(GbnfExpr item, bool nested) {
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
      GbnfExpr rep;
      rep.kind = GbnfExpr::Kind::kRepeat;
      rep.min_count = lo;
      rep.max_count = hi;
      rep.children.push_back(std::move(item));
      item = std::move(rep);
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

  GbnfExpr parse_char_class() {
    ++pos_;  // '['
    GbnfExpr cls;
    cls.kind = GbnfExpr::Kind::kCharClass;
    if (!at_end() && text_[pos_] == '^') {
      cls.negated = true;
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
      cls.ranges.push_back({lo, hi});
    }
    ++pos_;
    return cls;
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
  std::vector<GbnfExpr> pending_;
  std::vector<uint32_t> code_points_;
};

}  // namespace

std::vector<GbnfRule> parse_gbnf_rules(std::string_view text) {
  return GbnfParser(text).parse();
}

Grammar parse_gbnf(std::string_view text, std::string_view root) {
  return build_grammar(parse_gbnf_rules(text), root);
}

}  // namespace ruvllm::structured
