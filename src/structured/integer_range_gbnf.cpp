#include "structured/integer_range_gbnf.h"

#include <vector>

namespace ruvllm::structured {

namespace {

const char* const kNever = "[^\\x00-\\U0010FFFF]";
// Integer digits of an unbounded side, as in the schema converter's plain numbers: a sampling
// model would otherwise write digits until its budget runs out, and past about 309 digits the
// number is no longer a finite double, which JSON parsers such as nlohmann's reject.
constexpr size_t kMaxDigits = 20;

std::string digit_class(char lo, char hi) {
  if (lo == hi) return std::string("\"") + lo + "\"";
  return std::string("[") + lo + "-" + hi + "]";
}

std::string any_digits(size_t n) {
  if (n == 0) return "";
  if (n == 1) return "[0-9]";
  return "[0-9]{" + std::to_string(n) + "}";
}

std::string join_alternatives(const std::vector<std::string>& alts) {
  if (alts.empty()) return kNever;
  if (alts.size() == 1) return alts[0];
  std::string out = "(";
  for (size_t i = 0; i < alts.size(); ++i) {
    if (i) out += " | ";
    out += alts[i];
  }
  return out + ")";
}

// Strings of equal length n with a <= s <= b (digit by digit, leading zeros allowed).
std::string same_length(const std::string& a, const std::string& b) {
  size_t i = 0;
  while (i < a.size() && a[i] == b[i]) ++i;
  std::string prefix = i ? "\"" + a.substr(0, i) + "\" " : "";
  if (i == a.size()) return prefix.empty() ? "\"\"" : prefix;
  const size_t rest = a.size() - i - 1;
  const std::string a_rest = a.substr(i + 1), b_rest = b.substr(i + 1);
  const bool a_zeros = a_rest.find_first_not_of('0') == std::string::npos;
  const bool b_nines = b_rest.find_first_not_of('9') == std::string::npos;
  std::vector<std::string> alts;
  char lo = a[i], hi = b[i];
  if (!a_zeros) {
    alts.push_back(std::string("\"") + lo + "\" " + same_length(a_rest, std::string(rest, '9')));
    ++lo;
  }
  std::string tail;
  if (!b_nines) {
    tail = std::string("\"") + hi + "\" " + same_length(std::string(rest, '0'), b_rest);
    --hi;
  }
  if (lo <= hi) alts.push_back(digit_class(lo, hi) + (rest ? " " + any_digits(rest) : ""));
  if (!tail.empty()) alts.push_back(tail);
  return prefix + join_alternatives(alts);
}

}  // namespace

std::string gbnf_uint_range(uint64_t lo, std::optional<uint64_t> hi) {
  if (hi && *hi < lo) return kNever;
  const std::string lo_s = std::to_string(lo);
  std::vector<std::string> alts;
  const size_t max_len = hi ? std::to_string(*hi).size() : lo_s.size();
  for (size_t len = lo_s.size(); len <= max_len; ++len) {
    std::string a = len == lo_s.size() ? lo_s : "1" + std::string(len - 1, '0');
    std::string b = (hi && len == max_len) ? std::to_string(*hi) : std::string(len, '9');
    if (len == 1 && a == "0" && b == "9") {
      alts.push_back("[0-9]");
    } else {
      alts.push_back(same_length(a, b));
    }
  }
  if (!hi && lo_s.size() < kMaxDigits) {
    // Every longer number, up to kMaxDigits digits.
    alts.push_back("[1-9] [0-9]{" + std::to_string(lo_s.size()) + "," +
                   std::to_string(kMaxDigits - 1) + "}");
  }
  return join_alternatives(alts);
}

std::string gbnf_int_range(std::optional<int64_t> lo, std::optional<int64_t> hi) {
  if (lo && hi && *lo > *hi) return kNever;
  std::vector<std::string> alts;
  // Negative part: magnitudes in [max(1, -hi), -lo].
  if (!lo || *lo < 0) {
    const uint64_t mag_lo = (hi && *hi < 0) ? static_cast<uint64_t>(-(*hi + 1)) + 1 : 1;
    std::optional<uint64_t> mag_hi;
    if (lo) mag_hi = static_cast<uint64_t>(-(*lo + 1)) + 1;
    alts.push_back("\"-\" " + gbnf_uint_range(mag_lo, mag_hi));
  }
  if (!hi || *hi >= 0) {
    const uint64_t nn_lo = (lo && *lo > 0) ? static_cast<uint64_t>(*lo) : 0;
    std::optional<uint64_t> nn_hi;
    if (hi) nn_hi = static_cast<uint64_t>(*hi);
    alts.push_back(gbnf_uint_range(nn_lo, nn_hi));
  }
  return join_alternatives(alts);
}

namespace {

const char* const kAnyFraction = "(\".\" [0-9]+)?";
const char* const kZeroFraction = "(\".\" \"0\"+)?";
const char* const kNonzeroFraction = "\".\" [0-9]* [1-9] [0-9]*";

// Non-negative magnitudes m = I.F with integer bounds: lo <(=) m <(=) hi.
std::string magnitude_range(uint64_t lo, bool lo_ex, std::optional<uint64_t> hi, bool hi_ex) {
  std::vector<std::string> alts;
  // I in [lo + lo_ex, hi - 1]: any fraction.
  const uint64_t any_lo = lo + (lo_ex ? 1 : 0);
  if (!hi || (*hi >= 1 && any_lo <= *hi - 1)) {
    std::optional<uint64_t> any_hi;
    if (hi) any_hi = *hi - 1;
    alts.push_back(gbnf_uint_range(any_lo, any_hi) + " " + kAnyFraction);
  }
  // I == lo with a nonzero fraction when lo itself is excluded.
  if (lo_ex && (!hi || lo < *hi)) {
    alts.push_back("\"" + std::to_string(lo) + "\" " + kNonzeroFraction);
  }
  // I == hi with a zero fraction when hi is included.
  if (hi && !hi_ex && (*hi > lo || (*hi == lo && !lo_ex))) {
    alts.push_back("\"" + std::to_string(*hi) + "\" " + kZeroFraction);
  }
  return join_alternatives(alts);
}

}  // namespace

std::string gbnf_number_range(std::optional<int64_t> lo, bool lo_ex, std::optional<int64_t> hi,
                              bool hi_ex) {
  std::vector<std::string> alts;
  // Negative numbers x = -m: -hi <(=) m <(=) -lo, m > 0 (the -0 spelling is left out).
  if (!lo || *lo < 0) {
    uint64_t m_lo = 0;
    bool m_lo_ex = true;  // m > 0
    if (hi && *hi < 0) {
      m_lo = static_cast<uint64_t>(-(*hi + 1)) + 1;
      m_lo_ex = hi_ex;
    }
    std::optional<uint64_t> m_hi;
    bool m_hi_ex = false;
    if (lo) {
      m_hi = static_cast<uint64_t>(-(*lo + 1)) + 1;
      m_hi_ex = lo_ex;
    }
    alts.push_back("\"-\" " + magnitude_range(m_lo, m_lo_ex, m_hi, m_hi_ex));
  }
  if (!hi || *hi > 0 || (*hi == 0 && !hi_ex)) {
    uint64_t m_lo = 0;
    bool m_lo_ex = false;
    if (lo && *lo >= 0) {
      m_lo = static_cast<uint64_t>(*lo);
      m_lo_ex = lo_ex;
    }
    std::optional<uint64_t> m_hi;
    bool m_hi_ex = false;
    if (hi) {
      m_hi = static_cast<uint64_t>(*hi);
      m_hi_ex = hi_ex;
    }
    alts.push_back(magnitude_range(m_lo, m_lo_ex, m_hi, m_hi_ex));
  }
  return join_alternatives(alts);
}

}  // namespace ruvllm::structured
