#include "tokenizer/regex.h"

#include <algorithm>
#include <bitset>
#include <optional>
#include <type_traits>

#include "core/error.h"
#include "tokenizer/regex_program.h"
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

bool is_word(uint32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
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
  compile_regex(std::move(cps), collapsed_, pattern, *program_);
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
