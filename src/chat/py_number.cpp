#include "chat/py_number.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "chat/py_string.h"

namespace ruvllm::chat::py {

std::string float_repr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  // Shortest round-trip digits in scientific form: "-d.ddde+XX".
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  bool negative = sci[0] == '-';
  if (negative) sci.erase(0, 1);
  size_t e_pos = sci.find('e');
  std::string mantissa = sci.substr(0, e_pos);
  int exponent = std::atoi(sci.c_str() + e_pos + 1);
  std::string digits;
  for (char c : mantissa)
    if (c != '.') digits.push_back(c);
  std::string out = negative ? "-" : "";
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) {
      out += "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
    } else if (static_cast<int>(digits.size()) <= exponent + 1) {
      out += digits + std::string(static_cast<size_t>(exponent + 1 - digits.size()), '0') + ".0";
    } else {
      out += digits.substr(0, exponent + 1) + "." + digits.substr(exponent + 1);
    }
    return out;
  }
  out += digits.substr(0, 1);
  if (digits.size() > 1) out += "." + digits.substr(1);
  char exp_buf[16];
  std::snprintf(exp_buf, sizeof exp_buf, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
  return out + exp_buf;
}

namespace {

std::string trimmed_without_underscores(std::string_view s, bool* ok) {
  std::string t = strip(s, std::nullopt, true, true);
  std::string out;
  *ok = true;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '_') {
      // Underscores only between digits.
      if (i == 0 || i + 1 == t.size() || t[i + 1] == '_') *ok = false;
      continue;
    }
    out.push_back(t[i]);
  }
  return out;
}

}  // namespace

std::optional<int64_t> parse_int(std::string_view s, int base) {
  bool ok = true;
  std::string t = trimmed_without_underscores(s, &ok);
  if (!ok || t.empty()) return std::nullopt;
  bool negative = false;
  size_t i = 0;
  if (t[0] == '+' || t[0] == '-') {
    negative = t[0] == '-';
    i = 1;
  }
  if (base == 0 || base == 16 || base == 8 || base == 2) {
    if (t.size() > i + 1 && t[i] == '0') {
      char p = static_cast<char>(std::tolower(static_cast<unsigned char>(t[i + 1])));
      int prefixed = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 0;
      if (prefixed && (base == 0 || base == prefixed)) {
        base = prefixed;
        i += 2;
      }
    }
    if (base == 0) base = 10;
  }
  if (i >= t.size()) return std::nullopt;
  uint64_t magnitude = 0;
  auto res = std::from_chars(t.data() + i, t.data() + t.size(), magnitude, base);
  if (res.ec != std::errc() || res.ptr != t.data() + t.size()) return std::nullopt;
  if (negative) {
    if (magnitude > static_cast<uint64_t>(INT64_MAX) + 1) return std::nullopt;
    return static_cast<int64_t>(0 - magnitude);
  }
  if (magnitude > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  return static_cast<int64_t>(magnitude);
}

std::optional<double> parse_float(std::string_view s) {
  bool ok = true;
  std::string t = trimmed_without_underscores(s, &ok);
  if (!ok || t.empty()) return std::nullopt;
  std::string low = lower(t);
  size_t i = (low[0] == '+' || low[0] == '-') ? 1 : 0;
  std::string body = low.substr(i);
  double sign = low[0] == '-' ? -1.0 : 1.0;
  if (body == "inf" || body == "infinity") return sign * INFINITY;
  if (body == "nan") return NAN;
  for (char c : body)
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == '+' ||
          c == '-'))
      return std::nullopt;
  double v = 0;
  auto res = std::from_chars(t.data() + i, t.data() + t.size(), v);
  if (res.ec != std::errc() || res.ptr != t.data() + t.size()) return std::nullopt;
  return sign * v;
}

double round_half_even(double v, int ndigits) {
  if (!std::isfinite(v)) return v;
  if (ndigits > 330) return v;                       // already exact at that many digits
  if (ndigits < -330) return std::copysign(0.0, v);  // rounds to zero
  // Python rounds the exact decimal value of the double; formatting with enough digits and
  // rounding that string gives the same answer as CPython's float_round for practical inputs.
  char buf[512];
  if (ndigits >= 0) {
    std::snprintf(buf, sizeof buf, "%.*f", ndigits, v);  // glibc rounds half-even exactly
    return std::strtod(buf, nullptr);
  }
  double scale = std::pow(10.0, -ndigits);
  double scaled = v / scale;
  double r = std::nearbyint(scaled);  // default rounding mode: half-even
  return r * scale;
}

}  // namespace ruvllm::chat::py
