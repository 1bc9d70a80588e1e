// Parsing pre-tokenizer regexes into a Regex::Program.
#include <optional>
#include <string>

#include "core/error.h"
#include "tokenizer/regex_program.h"
#include "tokenizer/unicode.h"

namespace ruvllm::tokenizer_detail {

namespace {

SymbolSet space_set() {
  SymbolSet s;
  s.add_range(0x09, 0x0D);
  s.add(0x20);
  return s;
}
SymbolSet digit_set() {
  SymbolSet s;
  s.add_range('0', '9');
  return s;
}
SymbolSet word_set() {
  SymbolSet s;
  s.add_range('a', 'z');
  s.add_range('A', 'Z');
  s.add_range('0', '9');
  s.add('_');
  return s;
}

// \p{X} in collapsed text: the category symbol plus the ASCII characters llama.cpp lists.
std::optional<SymbolSet> category_set(std::string_view name) {
  SymbolSet s;
  if (name == "N") {
    s.add(0xD1);
    s.add_range('0', '9');
  } else if (name == "L" || name == "Lu" || name == "Ll" || name == "Lt" || name == "Lm" ||
             name == "Lo") {
    s.add(0xD2);
    s.add_range('A', 'Z');
    s.add_range('a', 'z');
  } else if (name == "P") {
    s.add(0xD3);
    s.add_range(0x21, 0x23);
    s.add_range(0x25, 0x2A);
    s.add_range(0x2C, 0x2F);
    s.add_range(0x3A, 0x3B);
    s.add_range(0x3F, 0x40);
    s.add_range(0x5B, 0x5D);
    s.add(0x5F);
    s.add(0x7B);
    s.add(0x7D);
  } else if (name == "M") {
    s.add(0xD4);
  } else if (name == "S") {
    s.add(0xD5);
    s.add(0x24);
    s.add(0x2B);
    s.add_range(0x3C, 0x3E);
    s.add(0x5E);
    s.add(0x60);
    s.add(0x7C);
  } else {
    return std::nullopt;
  }
  return s;
}

class Parser {
 public:
  Parser(std::vector<uint32_t> pattern, bool collapsed, std::string_view source, Regex::Program& p)
      : pat_(std::move(pattern)), collapsed_(collapsed), source_(source), prog_(p) {}

  int parse() {
    int root = parse_alt();
    if (pos_ != pat_.size()) error("unbalanced ')'");
    return root;
  }

 private:
  [[noreturn]] void error(const std::string& what) const {
    throw Error("pre-tokenizer regex '" + std::string(source_) + "': " + what + " at offset " +
                std::to_string(pos_));
  }
  bool at_end() const { return pos_ >= pat_.size(); }
  uint32_t peek(size_t ahead = 0) const {
    return pos_ + ahead < pat_.size() ? pat_[pos_ + ahead] : 0xFFFFFFFF;
  }
  uint32_t next() {
    if (at_end()) error("unexpected end of pattern");
    return pat_[pos_++];
  }
  int add(Node n) {
    prog_.nodes.push_back(std::move(n));
    return int(prog_.nodes.size() - 1);
  }
  int add_class(CharClass c) {
    prog_.classes.push_back(std::move(c));
    Node n;
    n.kind = Kind::Class;
    n.cls = int(prog_.classes.size() - 1);
    return add(std::move(n));
  }

  int parse_alt() {
    std::vector<int> alts{parse_seq()};
    while (!at_end() && peek() == '|') {
      ++pos_;
      alts.push_back(parse_seq());
    }
    if (alts.size() == 1) return alts[0];
    Node n;
    n.kind = Kind::Alt;
    n.kids = std::move(alts);
    return add(std::move(n));
  }

  int parse_seq() {
    std::vector<int> items;
    while (!at_end() && peek() != '|' && peek() != ')') {
      int atom = parse_atom();
      atom = parse_quantifier(atom);
      items.push_back(atom);
    }
    if (items.empty()) return add(Node{});
    if (items.size() == 1) return items[0];
    Node n;
    n.kind = Kind::Seq;
    n.kids = std::move(items);
    return add(std::move(n));
  }

  std::optional<int> parse_number() {
    size_t start = pos_;
    long long v = 0;
    while (!at_end() && peek() >= '0' && peek() <= '9') {
      v = v * 10 + (next() - '0');
      if (v > 100000) error("repeat count too large");
    }
    if (pos_ == start) return std::nullopt;
    return int(v);
  }

  int parse_quantifier(int atom) {
    if (at_end()) return atom;
    int min, max;
    uint32_t c = peek();
    if (c == '*') {
      min = 0, max = -1, ++pos_;
    } else if (c == '+') {
      min = 1, max = -1, ++pos_;
    } else if (c == '?') {
      min = 0, max = 1, ++pos_;
    } else if (c == '{') {
      size_t save = pos_;
      ++pos_;
      auto lo = parse_number();
      if (!lo) {
        pos_ = save;
        return atom;  // a literal '{'
      }
      min = *lo, max = *lo;
      if (peek() == ',') {
        ++pos_;
        auto hi = parse_number();
        max = hi ? *hi : -1;
      }
      if (peek() != '}') error("bad repeat");
      ++pos_;
      if (max >= 0 && max < min) error("bad repeat range");
    } else {
      return atom;
    }
    bool greedy = true;
    if (!at_end() && peek() == '?') {
      greedy = false;
      ++pos_;
    }
    Node n;
    n.kind = Kind::Repeat;
    n.kids = {atom};
    n.min = min, n.max = max, n.greedy = greedy;
    return add(std::move(n));
  }

  int parse_group() {
    // After '('.
    Node look;
    bool is_look = false;
    if (peek() == '?') {
      uint32_t k = peek(1);
      if (k == ':') {
        pos_ += 2;
      } else if (k == '=' || k == '!') {
        pos_ += 2;
        is_look = true;
        look.kind = Kind::Look;
        look.negative = k == '!';
      } else {
        error("unsupported group syntax (?" + encode_utf8(k) + "...)");
      }
    }
    int inner = parse_alt();
    if (at_end() || next() != ')') error("missing ')'");
    if (!is_look) return inner;
    look.kids = {inner};
    return add(std::move(look));
  }

  uint32_t parse_hex(int digits) {
    uint32_t v = 0;
    for (int i = 0; i < digits; ++i) {
      uint32_t c = next();
      int d = (c >= '0' && c <= '9')   ? int(c - '0')
              : (c >= 'a' && c <= 'f') ? int(c - 'a' + 10)
              : (c >= 'A' && c <= 'F') ? int(c - 'A' + 10)
                                       : -1;
      if (d < 0) error("bad hex escape");
      v = v * 16 + uint32_t(d);
    }
    return v;
  }

  // An escape after '\': a single character, or a set (returned through `set`/`negated`).
  struct Escape {
    std::optional<uint32_t> ch;
    SymbolSet set;
    bool negated = false;
  };

  Escape parse_escape() {
    Escape e;
    uint32_t c = next();
    switch (c) {
      case 'r':
        e.ch = '\r';
        return e;
      case 'n':
        e.ch = '\n';
        return e;
      case 't':
        e.ch = '\t';
        return e;
      case 'f':
        e.ch = '\f';
        return e;
      case 'v':
        e.ch = '\v';
        return e;
      case '0':
        e.ch = 0;
        return e;
      case 'x':
        e.ch = parse_hex(2);
        return e;
      case 'u':
        e.ch = parse_hex(4);
        return e;
      case 's':
        e.set = space_set();
        return e;
      case 'S':
        e.set = space_set(), e.negated = true;
        return e;
      case 'd':
        e.set = digit_set();
        return e;
      case 'D':
        e.set = digit_set(), e.negated = true;
        return e;
      case 'w':
        e.set = word_set();
        return e;
      case 'W':
        e.set = word_set(), e.negated = true;
        return e;
      case 'p': {
        if (!collapsed_) error("\\p outside collapsed mode");
        if (next() != '{') error("bad \\p");
        std::string name;
        while (!at_end() && peek() != '}') name += char(next());
        if (at_end()) error("bad \\p");
        ++pos_;
        auto s = category_set(name);
        if (!s) error("unsupported category \\p{" + name + "}");
        e.set = *s;
        return e;
      }
      default:
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '1' && c <= '9'))
          error("unsupported escape \\" + encode_utf8(c));
        e.ch = c;  // escaped punctuation stands for itself
        return e;
    }
  }

  int parse_class() {
    // After '['.
    CharClass cls;
    if (peek() == '^') {
      cls.negated = true;
      ++pos_;
    }
    bool first = true;
    while (true) {
      if (at_end()) error("missing ']'");
      uint32_t c = peek();
      if (c == ']' && !first) {
        ++pos_;
        break;
      }
      first = false;
      std::optional<uint32_t> lo;
      ++pos_;
      if (c == '\\') {
        Escape e = parse_escape();
        if (!e.ch) {
          if (e.negated)
            cls.negated_members.push_back(e.set);
          else
            cls.members.add_set(e.set);
          continue;
        }
        lo = e.ch;
      } else {
        lo = c;
      }
      // A range "a-b" unless '-' is last.
      if (peek() == '-' && peek(1) != ']' && peek(1) != 0xFFFFFFFF) {
        ++pos_;
        uint32_t hc = next();
        uint32_t hi = hc;
        if (hc == '\\') {
          Escape e = parse_escape();
          if (!e.ch) error("class range ends in a class escape");
          hi = *e.ch;
        }
        if (hi < *lo) error("class range out of order");
        cls.members.add_range(*lo, hi);
      } else {
        cls.members.add(*lo);
      }
    }
    return add_class(std::move(cls));
  }

  int parse_atom() {
    uint32_t c = next();
    switch (c) {
      case '(':
        return parse_group();
      case '[':
        return parse_class();
      case '.': {
        Node n;
        n.kind = Kind::Any;
        return add(std::move(n));
      }
      case '^': {
        Node n;
        n.kind = Kind::Begin;
        return add(std::move(n));
      }
      case '$': {
        Node n;
        n.kind = Kind::End;
        return add(std::move(n));
      }
      case '*':
      case '+':
      case '?':
        error("nothing to repeat");
      case '\\': {
        if (peek() == 'b' || peek() == 'B') {
          Node n;
          n.kind = next() == 'b' ? Kind::WordB : Kind::NotWordB;
          return add(std::move(n));
        }
        Escape e = parse_escape();
        CharClass cls;
        if (e.ch) {
          cls.members.add(*e.ch);
        } else {
          cls.members = e.set;
          cls.negated = e.negated;
        }
        return add_class(std::move(cls));
      }
      default: {
        CharClass cls;
        cls.members.add(c);
        return add_class(std::move(cls));
      }
    }
  }

  std::vector<uint32_t> pat_;
  size_t pos_ = 0;
  bool collapsed_;
  std::string_view source_;
  Regex::Program& prog_;
};

// Rewrites "(?=[A])[B]" (one-symbol lookahead before one symbol) into one symbol test, so that
// patterns like ((?=[\p{L}])([^a-z]))* repeat without recursion.
void simplify(Regex::Program& p) {
  for (Node& n : p.nodes) {
    if (n.kind != Kind::Seq || n.kids.size() != 2) continue;
    const Node& look = p.nodes[n.kids[0]];
    const Node& body = p.nodes[n.kids[1]];
    if (look.kind != Kind::Look || look.negative || body.kind != Kind::Class) continue;
    const Node& inner = p.nodes[look.kids[0]];
    if (inner.kind != Kind::Class) continue;
    Node merged;
    merged.kind = Kind::ClassAnd;
    merged.cls = inner.cls;
    merged.cls2 = body.cls;
    n = merged;
  }
}

}  // namespace

void compile_regex(std::vector<uint32_t> pattern, bool collapsed, std::string_view source,
                   Regex::Program& out) {
  Parser parser(std::move(pattern), collapsed, source, out);
  out.root = parser.parse();
  simplify(out);
  // A leading unbounded one-symbol repeat lets the search skip runs (see Regex::split).
  const auto& nodes = out.nodes;
  int lead = out.root;
  if (nodes[lead].kind == Kind::Seq) lead = nodes[lead].kids[0];
  if (nodes[lead].kind == Kind::Repeat && nodes[lead].max < 0 &&
      single_symbol(nodes[nodes[lead].kids[0]]))
    out.lead_repeat = lead;
}

}  // namespace ruvllm::tokenizer_detail
