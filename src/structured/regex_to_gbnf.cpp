#include "structured/regex_to_gbnf.h"

#include <algorithm>
#include <cstdio>

#include "structured/gbnf_text.h"

namespace ruvllm::structured {

namespace {

constexpr uint32_t kMaxRepeat = 256;    // larger explicit counts are not expanded
constexpr uint32_t kUnboundAbove = 64;  // {m,n} with larger n is relaxed to {m,}

struct Unsupported {
  std::string why;
};

std::vector<CodePointRange> digit_ranges() {
  return {{'0', '9'}};
}
std::vector<CodePointRange> word_ranges() {
  return {{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}};
}
// ASCII white space only, as the validator's std::wregex \s matches (ECMAScript's \s also has
// the Unicode spaces; a grammar wider than the validator would let invalid outputs through).
std::vector<CodePointRange> space_ranges() {
  return {{0x09, 0x0D}, {0x20, 0x20}};
}
std::vector<CodePointRange> dot_ranges() {
  return complement_ranges({{'\n', '\n'}, {'\r', '\r'}, {0x2028, 0x2029}});
}

class RegexParser {
 public:
  RegexParser(const std::string& pattern, std::string any_char) : any_char_(std::move(any_char)) {
    for (size_t pos = 0; pos < pattern.size();) {
      uint32_t cp;
      if (!decode_utf8(pattern, pos, cp)) throw Unsupported{"pattern is not valid UTF-8"};
      cps_.push_back(cp);
    }
  }

  std::string parse_top() {
    std::vector<std::string> alts;
    while (true) {
      bool anchored_start = false, anchored_end = false;
      if (peek('^')) {
        ++pos_;
        anchored_start = true;
      }
      std::string body = parse_concat(true, &anchored_end);
      std::string alt;
      if (!anchored_start) alt += any_char_ + "* ";
      alt += body.empty() ? "\"\"" : body;
      if (!anchored_end) alt += " " + any_char_ + "*";
      alts.push_back(alt);
      if (peek('|')) {
        ++pos_;
        continue;
      }
      break;
    }
    if (pos_ != cps_.size()) throw Unsupported{"unbalanced ')'"};
    return join(alts);
  }

 private:
  bool peek(uint32_t c) const { return pos_ < cps_.size() && cps_[pos_] == c; }
  bool at_end() const { return pos_ >= cps_.size(); }

  static std::string join(const std::vector<std::string>& alts) {
    if (alts.size() == 1) return alts[0];
    std::string out = "(";
    for (size_t i = 0; i < alts.size(); ++i)
      out += (i ? " | " : "") + (alts[i].empty() ? "\"\"" : alts[i]);
    return out + ")";
  }

  std::string parse_alternation() {
    std::vector<std::string> alts;
    alts.push_back(parse_concat(false, nullptr));
    while (peek('|')) {
      ++pos_;
      alts.push_back(parse_concat(false, nullptr));
    }
    return join(alts);
  }

  // At top level a final '$' is an end anchor, reported through `anchored_end`.
  std::string parse_concat(bool top, bool* anchored_end) {
    std::string out;
    while (!at_end() && !peek('|') && !peek(')')) {
      if (peek('$')) {
        ++pos_;
        if (top && (at_end() || peek('|'))) {
          *anchored_end = true;
          break;
        }
        throw Unsupported{"'$' anchor inside the pattern"};
      }
      if (peek('^')) throw Unsupported{"'^' anchor inside the pattern"};
      std::string atom = parse_atom();
      atom = parse_quantifier(atom);
      if (!out.empty()) out += ' ';
      out += atom;
    }
    return out;
  }

  uint32_t parse_number() {
    uint64_t v = 0;
    size_t start = pos_;
    while (!at_end() && cps_[pos_] >= '0' && cps_[pos_] <= '9') {
      v = v * 10 + (cps_[pos_++] - '0');
      if (v > 1000000) throw Unsupported{"repetition count too large"};
    }
    if (pos_ == start) throw Unsupported{"bad repetition count"};
    return static_cast<uint32_t>(v);
  }

  std::string parse_quantifier(std::string atom) {
    while (!at_end()) {
      uint32_t lo, hi;
      const uint32_t c = cps_[pos_];
      const size_t save = pos_;
      if (c == '*') {
        lo = 0, hi = UINT32_MAX;
        ++pos_;
      } else if (c == '+') {
        lo = 1, hi = UINT32_MAX;
        ++pos_;
      } else if (c == '?') {
        lo = 0, hi = 1;
        ++pos_;
      } else if (c == '{') {
        ++pos_;
        if (at_end() || cps_[pos_] < '0' || cps_[pos_] > '9') {
          pos_ = save;  // a literal '{'
          return atom;
        }
        lo = parse_number();
        hi = lo;
        if (peek(',')) {
          ++pos_;
          hi = peek('}') ? UINT32_MAX : parse_number();
        }
        if (!peek('}')) throw Unsupported{"bad repetition"};
        ++pos_;
        if (hi < lo) throw Unsupported{"repetition maximum below minimum"};
      } else {
        return atom;
      }
      if (peek('?')) ++pos_;  // lazy: same language
      if (peek('+')) throw Unsupported{"possessive quantifier"};
      if (lo > kMaxRepeat)
        throw Unsupported{"repetition count above " + std::to_string(kMaxRepeat)};
      if (hi != UINT32_MAX && hi > kUnboundAbove) {
        hi = UINT32_MAX;
        relaxed_ = true;
      }
      std::string q;
      if (lo == 0 && hi == UINT32_MAX) {
        q = "*";
      } else if (lo == 1 && hi == UINT32_MAX) {
        q = "+";
      } else if (lo == 0 && hi == 1) {
        q = "?";
      } else if (hi == UINT32_MAX) {
        q = "{" + std::to_string(lo) + ",}";
      } else if (lo == hi) {
        q = "{" + std::to_string(lo) + "}";
      } else {
        q = "{" + std::to_string(lo) + "," + std::to_string(hi) + "}";
      }
      atom = "(" + atom + ")" + q;
    }
    return atom;
  }

  std::string parse_atom() {
    const uint32_t c = cps_[pos_];
    if (c == '(') {
      ++pos_;
      if (peek('?')) {
        ++pos_;
        if (peek(':')) {
          ++pos_;
        } else if (peek('<') && pos_ + 1 < cps_.size() && cps_[pos_ + 1] != '=' &&
                   cps_[pos_ + 1] != '!') {
          while (!at_end() && !peek('>')) ++pos_;
          if (at_end()) throw Unsupported{"unterminated group name"};
          ++pos_;
        } else {
          throw Unsupported{"lookaround assertion"};
        }
      }
      std::string inner = parse_alternation();
      if (!peek(')')) throw Unsupported{"missing ')'"};
      ++pos_;
      return "(" + (inner.empty() ? std::string("\"\"") : inner) + ")";
    }
    if (c == '[') return json_char_set_gbnf(parse_class());
    if (c == '.') {
      ++pos_;
      return json_char_set_gbnf(dot_ranges());
    }
    if (c == '*' || c == '+' || c == '?') throw Unsupported{"quantifier without operand"};
    if (c == '\\') {
      ++pos_;
      std::vector<CodePointRange> set;
      if (parse_escape(false, set)) return json_char_set_gbnf(set);
      return json_char_set_gbnf(set);
    }
    ++pos_;
    return json_char_set_gbnf({{c, c}});
  }

  uint32_t parse_hex(size_t digits) {
    uint32_t v = 0;
    for (size_t i = 0; i < digits; ++i) {
      if (at_end()) throw Unsupported{"truncated escape"};
      uint32_t d = cps_[pos_++];
      if (d >= '0' && d <= '9') {
        v = v * 16 + (d - '0');
      } else if (d >= 'a' && d <= 'f') {
        v = v * 16 + (d - 'a' + 10);
      } else if (d >= 'A' && d <= 'F') {
        v = v * 16 + (d - 'A' + 10);
      } else {
        throw Unsupported{"bad hex escape"};
      }
    }
    return v;
  }

  // After a backslash: fills `set` with what the escape matches. Returns true for class
  // escapes (\d ...), false for single characters.
  bool parse_escape(bool in_class, std::vector<CodePointRange>& set) {
    if (at_end()) throw Unsupported{"trailing backslash"};
    const uint32_t e = cps_[pos_++];
    auto single = [&](uint32_t cp) {
      set.push_back({cp, cp});
      return false;
    };
    switch (e) {
      case 'd':
        set = digit_ranges();
        return true;
      case 'D':
        set = complement_ranges(digit_ranges());
        return true;
      case 'w':
        set = word_ranges();
        return true;
      case 'W':
        set = complement_ranges(word_ranges());
        return true;
      case 's':
        set = space_ranges();
        return true;
      case 'S':
        set = complement_ranges(space_ranges());
        return true;
      case 't':
        return single('\t');
      case 'n':
        return single('\n');
      case 'r':
        return single('\r');
      case 'v':
        return single('\v');
      case 'f':
        return single('\f');
      case '0':
        return single(0);
      case 'b':
        if (in_class) return single('\b');
        throw Unsupported{"word boundary \\b"};
      case 'B':
        throw Unsupported{"word boundary \\B"};
      case 'x':
        return single(parse_hex(2));
      case 'u':
        if (peek('{')) {
          ++pos_;
          uint32_t v = 0;
          while (!at_end() && !peek('}')) v = v * 16 + parse_hex(1);
          if (!peek('}')) throw Unsupported{"bad \\u{...} escape"};
          ++pos_;
          return single(v);
        }
        return single(parse_hex(4));
      case 'c':
        if (at_end()) throw Unsupported{"bad \\c escape"};
        return single(cps_[pos_++] % 32);
      case 'p':
      case 'P':
        throw Unsupported{"Unicode property escape"};
      default:
        if (e >= '1' && e <= '9') throw Unsupported{"backreference"};
        if (e == 'k') throw Unsupported{"named backreference"};
        return single(e);
    }
  }

  std::vector<CodePointRange> parse_class() {
    ++pos_;  // '['
    bool negated = false;
    if (peek('^')) {
      negated = true;
      ++pos_;
    }
    std::vector<CodePointRange> ranges;
    while (true) {
      if (at_end()) throw Unsupported{"unterminated character class"};
      if (peek(']')) break;
      std::vector<CodePointRange> item;
      bool is_class = false;
      if (peek('\\')) {
        ++pos_;
        is_class = parse_escape(true, item);
      } else {
        item.push_back({cps_[pos_], cps_[pos_]});
        ++pos_;
      }
      if (!is_class && peek('-') && pos_ + 1 < cps_.size() && cps_[pos_ + 1] != ']') {
        ++pos_;
        std::vector<CodePointRange> hi_item;
        bool hi_class = false;
        if (peek('\\')) {
          ++pos_;
          hi_class = parse_escape(true, hi_item);
        } else {
          hi_item.push_back({cps_[pos_], cps_[pos_]});
          ++pos_;
        }
        if (hi_class) {
          // [a-\d]: '-' is literal.
          ranges.insert(ranges.end(), item.begin(), item.end());
          ranges.push_back({'-', '-'});
          ranges.insert(ranges.end(), hi_item.begin(), hi_item.end());
          continue;
        }
        if (hi_item[0].lo < item[0].lo) throw Unsupported{"reversed class range"};
        ranges.push_back({item[0].lo, hi_item[0].lo});
        continue;
      }
      ranges.insert(ranges.end(), item.begin(), item.end());
    }
    ++pos_;  // ']'
    return negated ? complement_ranges(ranges) : normalize_ranges(ranges);
  }

  std::vector<uint32_t> cps_;
  size_t pos_ = 0;
  std::string any_char_;

 public:
  bool relaxed_ = false;
};

}  // namespace

std::string json_char_set_gbnf(const std::vector<CodePointRange>& input) {
  const std::vector<CodePointRange> ranges = normalize_ranges(input);
  auto contains = [&](uint32_t cp) {
    for (const auto& r : ranges) {
      if (cp >= r.lo && cp <= r.hi) return true;
    }
    return false;
  };
  std::vector<CodePointRange> plain;
  for (const auto& r : ranges) {
    uint32_t lo = std::max<uint32_t>(r.lo, 0x20);
    if (lo > r.hi) continue;
    // Cut out '"' and '\\'.
    uint32_t cur = lo;
    for (uint32_t special : {uint32_t{'"'}, uint32_t{'\\'}}) {
      if (special >= cur && special <= r.hi) {
        if (special > cur) plain.push_back({cur, special - 1});
        cur = special + 1;
      }
    }
    if (cur <= r.hi) plain.push_back({cur, r.hi});
  }
  std::vector<std::string> alts;
  if (!plain.empty()) alts.push_back(gbnf_char_class(plain));
  if (contains('"')) alts.push_back("\"\\\\\\\"\"");
  if (contains('\\')) alts.push_back("\"\\\\\\\\\"");
  for (uint32_t c = 0; c < 0x20; ++c) {
    if (!contains(c)) continue;
    std::string escaped = json_escape_contents(std::string(1, static_cast<char>(c)));
    alts.push_back(gbnf_literal(escaped));
  }
  if (alts.empty()) return gbnf_char_class({});
  if (alts.size() == 1) return alts[0];
  std::string out = "(";
  for (size_t i = 0; i < alts.size(); ++i) out += (i ? " | " : "") + alts[i];
  return out + ")";
}

std::optional<RegexGbnf> regex_to_gbnf(const std::string& pattern, const std::string& any_char_rule,
                                       std::string* why) {
  try {
    RegexParser parser(pattern, any_char_rule);
    RegexGbnf out{parser.parse_top(), !parser.relaxed_};
    return out;
  } catch (const Unsupported& u) {
    if (why) *why = u.why;
    return std::nullopt;
  }
}

}  // namespace ruvllm::structured
