#include "tokenizer/regex.h"

#include <algorithm>
#include <bitset>
#include <optional>
#include <type_traits>

#include "core/error.h"
#include "tokenizer/unicode.h"

namespace ruvllm::tokenizer_detail {

namespace {

// A non-owning reference to a callable: the continuation passed down the backtracking matcher.
template <class Sig>
class FnRef;
template <class R, class... A>
class FnRef<R(A...)> {
 public:
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, FnRef>>>
  FnRef(F&& f)  // NOLINT: implicit by design
      : obj_(const_cast<void*>(static_cast<const void*>(&f))), call_([](void* o, A... a) -> R {
          return (*static_cast<std::remove_reference_t<F>*>(o))(a...);
        }) {}
  R operator()(A... a) const { return call_(obj_, a...); }

 private:
  void* obj_;
  R (*call_)(void*, A...);
};

using Cont = FnRef<bool(size_t)>;

// A set of symbols: ranges plus a bitmap for the first 256 symbols, optionally negated.
struct SymbolSet {
  std::bitset<256> low;
  std::vector<std::pair<uint32_t, uint32_t>> high;  // ranges at or above 256
  bool negated = false;

  void add_range(uint32_t a, uint32_t b) {
    if (a > b) std::swap(a, b);
    for (uint32_t c = a; c <= std::min<uint32_t>(b, 255); ++c) low.set(c);
    if (b >= 256) high.emplace_back(std::max<uint32_t>(a, 256), b);
  }
  void add(uint32_t c) { add_range(c, c); }
  void add_set(const SymbolSet& other) {
    // Only non-negated sets are merged directly; negated members are kept as sub-sets.
    low |= other.low;
    high.insert(high.end(), other.high.begin(), other.high.end());
  }
  bool contains_raw(uint32_t c) const {
    if (c < 256) return low.test(c);
    for (const auto& [a, b] : high)
      if (c >= a && c <= b) return true;
    return false;
  }
};

// A bracket class: plain members, plus negated escapes such as \S or \W inside it.
struct CharClass {
  SymbolSet members;
  std::vector<SymbolSet> negated_members;  // c matches if it is outside any of these
  bool negated = false;

  bool matches(uint32_t c) const {
    bool in = members.contains_raw(c);
    if (!in)
      for (const auto& s : negated_members)
        if (!s.contains_raw(c)) {
          in = true;
          break;
        }
    return in != negated;
  }
};

enum class Kind {
  Empty,
  Class,
  ClassAnd,
  Any,
  Seq,
  Alt,
  Repeat,
  Look,
  Begin,
  End,
  WordB,
  NotWordB
};

struct Node {
  Kind kind = Kind::Empty;
  std::vector<int> kids;
  int cls = -1, cls2 = -1;  // Class / ClassAnd
  int min = 0, max = -1;    // Repeat (max < 0: unbounded)
  bool greedy = true;
  bool negative = false;  // Look
};

bool single_symbol(const Node& n) {
  return n.kind == Kind::Class || n.kind == Kind::ClassAnd || n.kind == Kind::Any;
}

}  // namespace

struct Regex::Program {
  std::vector<Node> nodes;
  std::vector<CharClass> classes;
  int root = -1;
  // An unbounded one-symbol repeat the whole pattern starts with, or -1 (see Regex::split).
  int lead_repeat = -1;
};

namespace {

bool is_word(uint32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

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

class Matcher {
 public:
  // Whether one-symbol node `id` matches symbol c.
  bool symbol_matches(int id, uint32_t c) const { return symbol_matches(p_.nodes[id], c); }

  Matcher(const Regex::Program& p, const std::vector<uint32_t>& s, size_t seg_begin, size_t seg_end)
      : p_(p), s_(s), seg_begin_(seg_begin), end_(seg_end) {}

  struct Context {
    size_t begin;
    bool prev_avail;
    bool not_null;
  };

  // The end of a match starting at `start`, if any.
  std::optional<size_t> match_at(size_t start, Context ctx) {
    char base;
    stack_base_ = reinterpret_cast<uintptr_t>(&base);
    ctx_ = ctx;
    size_t found = 0;
    auto accept = [&](size_t e) {
      if (ctx_.not_null && e == start) return false;
      found = e;
      return true;
    };
    if (match(p_.root, start, Cont(accept))) return found;
    return std::nullopt;
  }

 private:
  bool symbol_matches(const Node& n, uint32_t c) const {
    switch (n.kind) {
      case Kind::Class:
        return p_.classes[n.cls].matches(c);
      case Kind::ClassAnd:
        return p_.classes[n.cls].matches(c) && p_.classes[n.cls2].matches(c);
      case Kind::Any:
        return c != '\n' && c != '\r';
      default:
        return false;
    }
  }

  bool match(int id, size_t i, Cont k) {
    // Each nested step is a stack frame; a pattern with general repeats over a very long input
    // would otherwise overflow the stack.
    char here;
    if (stack_base_ - reinterpret_cast<uintptr_t>(&here) > kMaxStackBytes)
      throw Error(
          "pre-tokenizer regex: input too long for this pattern (the matcher would need "
          "more than " +
          std::to_string(kMaxStackBytes >> 20) + " MiB of stack)");
    const Node& n = p_.nodes[id];
    switch (n.kind) {
      case Kind::Empty:
        return k(i);
      case Kind::Class:
      case Kind::ClassAnd:
      case Kind::Any:
        return i < end_ && symbol_matches(n, s_[i]) && k(i + 1);
      case Kind::Seq:
        return match_seq(n, 0, i, k);
      case Kind::Alt:
        for (int kid : n.kids)
          if (match(kid, i, k)) return true;
        return false;
      case Kind::Repeat: {
        const Node& child = p_.nodes[n.kids[0]];
        if (single_symbol(child)) return match_simple_repeat(n, child, i, k);
        return match_repeat(n, 0, i, k);
      }
      case Kind::Look: {
        // A lookahead runs as its own search anchored here (as std::regex does), then the
        // match continues without backtracking into it.
        Context saved = ctx_;
        ctx_.begin = i;
        auto inner_accept = [&](size_t e) { return !(ctx_.not_null && e == i); };
        bool ok = match(n.kids[0], i, Cont(inner_accept));
        ctx_ = saved;
        return ok != n.negative && k(i);
      }
      case Kind::Begin:
        return i == ctx_.begin && !ctx_.prev_avail && k(i);
      case Kind::End:
        return i == end_ && k(i);
      case Kind::WordB:
      case Kind::NotWordB: {
        bool left = (i != ctx_.begin || ctx_.prev_avail) && i > seg_begin_ && is_word(s_[i - 1]);
        bool right = i < end_ && is_word(s_[i]);
        return ((left != right) == (n.kind == Kind::WordB)) && k(i);
      }
    }
    return false;
  }

  bool match_seq(const Node& n, size_t idx, size_t i, Cont k) {
    if (idx == n.kids.size()) return k(i);
    if (idx + 1 == n.kids.size()) return match(n.kids[idx], i, k);
    auto rest = [&](size_t j) { return match_seq(n, idx + 1, j, k); };
    return match(n.kids[idx], i, Cont(rest));
  }

  bool match_simple_repeat(const Node& n, const Node& child, size_t i, Cont k) {
    size_t limit = n.max < 0 ? end_ - i : std::min<size_t>(size_t(n.max), end_ - i);
    size_t run = 0;
    while (run < limit && symbol_matches(child, s_[i + run])) ++run;
    if (run < size_t(n.min)) return false;
    if (n.greedy) {
      for (size_t c = run + 1; c-- > size_t(n.min);)
        if (k(i + c)) return true;
    } else {
      for (size_t c = size_t(n.min); c <= run; ++c)
        if (k(i + c)) return true;
    }
    return false;
  }

  bool match_repeat(const Node& n, int count, size_t i, Cont k) {
    const bool can_more = n.max < 0 || count < n.max;
    const bool can_stop = count >= n.min;
    auto more = [&]() {
      auto after = [&](size_t j) {
        if (j == i && can_stop) return false;  // an empty iteration adds nothing
        return match_repeat(n, count + 1, j, k);
      };
      return match(n.kids[0], i, Cont(after));
    };
    if (n.greedy) {
      if (can_more && more()) return true;
      return can_stop && k(i);
    }
    if (can_stop && k(i)) return true;
    return can_more && more();
  }

  const Regex::Program& p_;
  const std::vector<uint32_t>& s_;
  size_t seg_begin_;
  size_t end_;
  Context ctx_{};
  // Well inside the 8 MiB stack threads get by default on Linux.
  static constexpr uintptr_t kMaxStackBytes = uintptr_t(4) << 20;
  uintptr_t stack_base_ = 0;
};

}  // namespace

uint32_t collapse_symbol(uint32_t cp) {
  if (cp < 128) return cp;
  const uint16_t f = cp_flags(cp);
  if (f & kCpWhitespace) return 0x0B;
  switch (f & kCpCategoryMask) {
    case kCpNumber:
      return 0xD1;
    case kCpLetter:
      return 0xD2;
    case kCpPunctuation:
      return 0xD3;
    case kCpMark:
      return 0xD4;
    case kCpSymbol:
      return 0xD5;
    default:
      return 0xD0;
  }
}

uint32_t codepoint_symbol(uint32_t cp) {
  if (cp > 0x7F && (cp_flags(cp) & kCpWhitespace)) return 0x0B;
  return cp;
}

Regex::Regex(std::string_view pattern) : program_(std::make_unique<Program>()) {
  static constexpr std::string_view kCategories[] = {"\\p{N}",  "\\p{L}",  "\\p{P}",  "\\p{M}",
                                                     "\\p{S}",  "\\p{Lu}", "\\p{Ll}", "\\p{Lt}",
                                                     "\\p{Lm}", "\\p{Lo}"};
  for (auto c : kCategories)
    if (pattern.find(c) != std::string_view::npos) collapsed_ = true;
  std::vector<uint32_t> cps = decode_utf8(pattern);
  if (collapsed_) {
    for (uint32_t c : cps)
      if (c >= 128)
        throw Error("pre-tokenizer regex '" + std::string(pattern) +
                    "' mixes Unicode categories with non-ASCII characters");
  }
  Parser parser(std::move(cps), collapsed_, pattern, *program_);
  program_->root = parser.parse();
  simplify(*program_);
  const auto& nodes = program_->nodes;
  int lead = program_->root;
  if (nodes[lead].kind == Kind::Seq) lead = nodes[lead].kids[0];
  if (nodes[lead].kind == Kind::Repeat && nodes[lead].max < 0 &&
      single_symbol(nodes[nodes[lead].kids[0]]))
    program_->lead_repeat = lead;
}

Regex::~Regex() = default;
Regex::Regex(Regex&&) noexcept = default;
Regex& Regex::operator=(Regex&&) noexcept = default;

void Regex::split(const std::vector<uint32_t>& symbols, const std::vector<size_t>& pieces,
                  std::vector<size_t>& out) const {
  size_t seg_begin = 0;
  for (size_t piece : pieces) {
    const size_t seg_end = seg_begin + piece;
    Matcher m(*program_, symbols, seg_begin, seg_end);

    // regex_search from `from`: the first position with a match.
    const int lead =
        program_->lead_repeat >= 0 ? program_->nodes[program_->lead_repeat].kids[0] : -1;
    auto search = [&](size_t from, bool prev_avail, bool not_null,
                      bool continuous) -> std::optional<std::pair<size_t, size_t>> {
      for (size_t p = from; p <= seg_end; ++p) {
        Matcher::Context ctx{p, prev_avail || p > from, not_null};
        if (auto e = m.match_at(p, ctx)) return std::make_pair(p, *e);
        if (continuous) break;
        // A pattern that starts with an unbounded repeat and failed at p also fails inside
        // the rest of that run: it would end the repeat at the same places and continue the
        // same way. Skipping the run keeps patterns like \s+$ linear on long runs.
        if (lead >= 0) {
          while (p + 1 < seg_end && m.symbol_matches(lead, symbols[p]) &&
                 m.symbol_matches(lead, symbols[p + 1]))
            ++p;
        }
      }
      return std::nullopt;
    };

    size_t last_end = seg_begin;
    auto emit = [&](std::pair<size_t, size_t> match) {
      if (match.first > last_end) out.push_back(match.first - last_end);
      out.push_back(match.second - match.first);
      last_end = match.second;
    };

    // std::regex_iterator: after an empty match, first try a non-empty match at the same
    // place, else search again one position further on.
    auto cur = search(seg_begin, false, false, false);
    while (cur) {
      emit(*cur);
      size_t start = cur->second;
      if (cur->first == cur->second) {
        if (start == seg_end) break;
        if (auto again = search(start, true, true, true)) {
          cur = again;
          continue;
        }
        ++start;
      }
      cur = search(start, true, false, false);
    }
    if (last_end < seg_end) out.push_back(seg_end - last_end);
    seg_begin = seg_end;
  }
}

}  // namespace ruvllm::tokenizer_detail
