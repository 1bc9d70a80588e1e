// IDNA A-labels for format "hostname": Punycode decoding (RFC 3492) and the IDNA 2008 checks on
// the decoded label (RFC 5891 §5.4; RFC 5892 §2.6 exceptions and Appendix A contextual rules).
#include <utf8proc.h>

#include <algorithm>
#include <cctype>

#include "structured/json_validator_format.h"

namespace ruvllm::structured::detail {
namespace {

constexpr std::uint32_t kBase = 36, kTMin = 1, kTMax = 26, kSkew = 38, kDamp = 700;
constexpr std::uint32_t kInitialBias = 72, kInitialN = 128;

std::uint32_t adapt(std::uint32_t delta, std::uint32_t points, bool first) {
  delta = first ? delta / kDamp : delta / 2;
  delta += delta / points;
  std::uint32_t k = 0;
  while (delta > ((kBase - kTMin) * kTMax) / 2) {
    delta /= kBase - kTMin;
    k += kBase;
  }
  return k + (kBase - kTMin + 1) * delta / (delta + kSkew);
}

int digit_value(char c) {
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= '0' && c <= '9') return c - '0' + 26;
  return -1;
}

bool in(char32_t c, char32_t lo, char32_t hi) {
  return c >= lo && c <= hi;
}

bool is_combining_mark(char32_t c) {
  auto category = utf8proc_category(static_cast<utf8proc_int32_t>(c));
  return category == UTF8PROC_CATEGORY_MN || category == UTF8PROC_CATEGORY_MC ||
         category == UTF8PROC_CATEGORY_ME;
}

bool is_virama(char32_t c) {
  return utf8proc_get_property(static_cast<utf8proc_int32_t>(c))->combining_class == 9;
}

bool is_greek(char32_t c) {
  return in(c, 0x0370, 0x03FF) || in(c, 0x1F00, 0x1FFF);
}
bool is_hebrew(char32_t c) {
  return in(c, 0x0590, 0x05FF);
}
bool is_kana_or_han(char32_t c) {
  return (in(c, 0x3040, 0x30FF) && c != 0x30FB) || in(c, 0x3400, 0x4DBF) || in(c, 0x4E00, 0x9FFF) ||
         in(c, 0xF900, 0xFAFF) || in(c, 0x20000, 0x3134F);
}
// Joining letters for the ZERO WIDTH NON-JOINER rule, approximated by the Arabic, Syriac and NKo
// blocks (the Unicode joining-type data is not available here).
bool is_joining_letter(char32_t c) {
  return (in(c, 0x0620, 0x06FF) || in(c, 0x0700, 0x074F) || in(c, 0x07C0, 0x07FF)) &&
         !is_combining_mark(c);
}

// RFC 5892 §2.6: exceptions that are DISALLOWED.
bool is_disallowed_exception(char32_t c) {
  return c == 0x0640 || c == 0x07FA || c == 0x302E || c == 0x302F || in(c, 0x3031, 0x3035) ||
         c == 0x303B;
}

bool contextual_rules_hold(const std::u32string& label) {
  bool arabic_indic = false, extended_arabic_indic = false, has_kana_or_han = false,
       has_katakana_dot = false;
  for (std::size_t i = 0; i < label.size(); ++i) {
    char32_t c = label[i];
    char32_t before = i > 0 ? label[i - 1] : 0;
    char32_t after = i + 1 < label.size() ? label[i + 1] : 0;
    switch (c) {
      case 0x00B7:  // MIDDLE DOT: only in "l·l" (Catalan)
        if (before != 'l' || after != 'l') return false;
        break;
      case 0x0375:  // GREEK KERAIA: before Greek
        if (!is_greek(after)) return false;
        break;
      case 0x05F3:  // HEBREW GERESH / GERSHAYIM: after Hebrew
      case 0x05F4:
        if (!is_hebrew(before)) return false;
        break;
      case 0x200D:  // ZERO WIDTH JOINER: after a virama
        if (!is_virama(before)) return false;
        break;
      case 0x200C: {  // ZERO WIDTH NON-JOINER: after a virama, or between joining letters
        if (is_virama(before)) break;
        std::size_t l = i, r = i + 1;
        while (l > 0 && is_combining_mark(label[l - 1])) --l;
        while (r < label.size() && is_combining_mark(label[r])) ++r;
        if (l == 0 || r == label.size() || !is_joining_letter(label[l - 1]) ||
            !is_joining_letter(label[r])) {
          return false;
        }
        break;
      }
      case 0x30FB:
        has_katakana_dot = true;
        break;
      default:
        break;
    }
    if (in(c, 0x0660, 0x0669)) arabic_indic = true;
    if (in(c, 0x06F0, 0x06F9)) extended_arabic_indic = true;
    if (is_kana_or_han(c)) has_kana_or_han = true;
  }
  if (arabic_indic && extended_arabic_indic) return false;
  if (has_katakana_dot && !has_kana_or_han) return false;
  return true;
}

}  // namespace

bool punycode_decode(std::string_view encoded, std::u32string* out) {
  out->clear();
  std::size_t delimiter = encoded.rfind('-');
  std::size_t pos = 0;
  if (delimiter != std::string_view::npos) {
    for (std::size_t i = 0; i < delimiter; ++i) {
      unsigned char c = static_cast<unsigned char>(encoded[i]);
      if (c >= 0x80) return false;
      out->push_back(c);
    }
    pos = delimiter + 1;
  }
  std::uint64_t n = kInitialN, i = 0, bias = kInitialBias;
  while (pos < encoded.size()) {
    std::uint64_t old_i = i, w = 1;
    for (std::uint64_t k = kBase;; k += kBase) {
      if (pos >= encoded.size()) return false;
      int digit = digit_value(encoded[pos++]);
      if (digit < 0) return false;
      i += static_cast<std::uint64_t>(digit) * w;
      if (i > 0x7FFFFFFF) return false;
      std::uint64_t t = k <= bias ? kTMin : k >= bias + kTMax ? kTMax : k - bias;
      if (static_cast<std::uint64_t>(digit) < t) break;
      w *= kBase - t;
      if (w > 0x7FFFFFFF) return false;
    }
    std::uint32_t points = static_cast<std::uint32_t>(out->size() + 1);
    bias = adapt(static_cast<std::uint32_t>(i - old_i), points, old_i == 0);
    n += i / points;
    i %= points;
    if (n > 0x10FFFF || (n >= 0xD800 && n <= 0xDFFF)) return false;
    out->insert(out->begin() + static_cast<std::ptrdiff_t>(i), static_cast<char32_t>(n));
    ++i;
  }
  return true;
}

bool is_valid_a_label(std::string_view label) {
  if (label.size() < 5) return false;
  std::string prefix(label.substr(0, 4));
  std::transform(prefix.begin(), prefix.end(), prefix.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (prefix != "xn--") return false;  // other "??--" labels are reserved
  std::u32string decoded;
  if (!punycode_decode(label.substr(4), &decoded) || decoded.empty()) return false;
  if (std::all_of(decoded.begin(), decoded.end(), [](char32_t c) { return c < 0x80; })) {
    return false;  // an A-label must encode something non-ASCII
  }
  if (decoded.size() >= 4 && decoded[2] == '-' && decoded[3] == '-') return false;
  if (is_combining_mark(decoded.front())) return false;
  for (char32_t c : decoded) {
    if (is_disallowed_exception(c)) return false;
    auto category = utf8proc_category(static_cast<utf8proc_int32_t>(c));
    if (category == UTF8PROC_CATEGORY_CN || category == UTF8PROC_CATEGORY_LU ||
        category == UTF8PROC_CATEGORY_LT || category == UTF8PROC_CATEGORY_ZS ||
        category == UTF8PROC_CATEGORY_CC) {
      return false;
    }
  }
  return contextual_rules_hold(decoded);
}

}  // namespace ruvllm::structured::detail
