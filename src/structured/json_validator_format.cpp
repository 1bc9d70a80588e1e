// The "format" assertions: RFC 3339 dates and times, RFC 5321 e-mail addresses, RFC 1123 host
// names (with RFC 5890 A-labels), IPv4/IPv6 addresses, RFC 3986 URIs, RFC 4122 UUIDs, RFC 6901
// JSON pointers and ECMAScript regexes. Each checker takes the whole string and accepts exactly
// the grammar it names (no surrounding whitespace).
#include <array>
#include <cctype>
#include <string>
#include <string_view>

#include "core/error.h"
#include "structured/json_validator_format.h"
#include "structured/json_validator_internal.h"
#include "structured/json_validator_regex.h"

namespace ruvllm::structured::detail {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Parses exactly `n` ASCII digits at `pos`.
bool read_digits(std::string_view s, std::size_t pos, std::size_t n, int* value) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!is_digit(s[pos + i])) return false;
    v = v * 10 + (s[pos + i] - '0');
  }
  *value = v;
  return true;
}

bool is_leap_year(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

// RFC 3339 full-date: YYYY-MM-DD.
bool is_date(std::string_view s) {
  int year, month, day;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  if (!read_digits(s, 0, 4, &year) || !read_digits(s, 5, 2, &month) ||
      !read_digits(s, 8, 2, &day)) {
    return false;
  }
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1) return false;
  int max_day = kDays[month - 1] + (month == 2 && is_leap_year(year) ? 1 : 0);
  return day <= max_day;
}

// RFC 3339 full-time: HH:MM:SS[.frac](Z|+HH:MM|-HH:MM). A leap second (:60) is valid only at
// 23:59 UTC.
bool is_time(std::string_view s) {
  int hour, minute, second;
  if (s.size() < 9 || s[2] != ':' || s[5] != ':') return false;
  if (!read_digits(s, 0, 2, &hour) || !read_digits(s, 3, 2, &minute) ||
      !read_digits(s, 6, 2, &second)) {
    return false;
  }
  if (hour > 23 || minute > 59 || second > 60) return false;
  std::size_t pos = 8;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::size_t start = pos;
    while (pos < s.size() && is_digit(s[pos])) ++pos;
    if (pos == start) return false;
  }
  if (pos >= s.size()) return false;
  int offset_minutes = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    if (pos + 1 != s.size()) return false;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int off_hour, off_minute;
    if (s.size() != pos + 6 || s[pos + 3] != ':') return false;
    if (!read_digits(s, pos + 1, 2, &off_hour) || !read_digits(s, pos + 4, 2, &off_minute)) {
      return false;
    }
    if (off_hour > 23 || off_minute > 59) return false;
    offset_minutes = (s[pos] == '+' ? 1 : -1) * (off_hour * 60 + off_minute);
  } else {
    return false;
  }
  if (second == 60) {
    int utc = ((hour * 60 + minute - offset_minutes) % 1440 + 1440) % 1440;
    if (utc != 23 * 60 + 59) return false;
  }
  return true;
}

bool is_date_time(std::string_view s) {
  if (s.size() < 11 || (s[10] != 'T' && s[10] != 't')) return false;
  return is_date(s.substr(0, 10)) && is_time(s.substr(11));
}

bool is_ipv4(std::string_view s) {
  int parts = 0;
  std::size_t pos = 0;
  while (true) {
    std::size_t start = pos;
    int value = 0;
    while (pos < s.size() && is_digit(s[pos]) && pos - start < 3)
      value = value * 10 + (s[pos++] - '0');
    std::size_t len = pos - start;
    if (len == 0 || value > 255 || (len > 1 && s[start] == '0')) return false;
    ++parts;
    if (pos == s.size()) break;
    if (s[pos] != '.' || parts == 4) return false;
    ++pos;
  }
  return parts == 4;
}

bool is_ipv6(std::string_view s) {
  int groups = 0;
  bool compressed = false;
  std::size_t pos = 0;
  if (s.substr(0, 2) == "::") {
    compressed = true;
    pos = 2;
    if (pos == s.size()) return true;
  } else if (!s.empty() && s[0] == ':') {
    return false;
  }
  while (pos < s.size()) {
    std::size_t start = pos;
    while (pos < s.size() && is_hex(s[pos]) && pos - start < 5) ++pos;
    std::size_t len = pos - start;
    if (pos < s.size() && s[pos] == '.') {
      // An embedded IPv4 address ends the address and counts as two groups.
      if (!is_ipv4(s.substr(start))) return false;
      groups += 2;
      pos = s.size();
      break;
    }
    if (len == 0 || len > 4) return false;
    ++groups;
    if (pos == s.size()) break;
    if (s[pos] != ':') return false;
    ++pos;
    if (pos < s.size() && s[pos] == ':') {
      if (compressed) return false;
      compressed = true;
      ++pos;
      if (pos == s.size()) break;
    } else if (pos == s.size()) {
      return false;  // a single trailing ':'
    }
  }
  return compressed ? groups < 8 : groups == 8;
}

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !is_hex(s[i])) return false;
  }
  return true;
}

// RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens, each at most 63
// characters, 253 in total (no trailing dot).
bool is_hostname(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = s.find('.', start);
    std::string_view label = s.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!is_alpha(c) && !is_digit(c) && c != '-') return false;
    }
    if (label.size() >= 4 && label[2] == '-' && label[3] == '-') {
      // "--" in positions 3-4 is reserved for A-labels ("xn--"), which must decode.
      if (!is_valid_a_label(label)) return false;
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

bool is_atext(char c) {
  return is_alpha(c) || is_digit(c) ||
         std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

// RFC 5321 mailbox: dot-atom or quoted-string local part, host name or address-literal domain.
bool is_email(std::string_view s) {
  std::size_t at = s.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == s.size()) return false;
  std::string_view local = s.substr(0, at);
  std::string_view domain = s.substr(at + 1);
  if (local.size() >= 2 && local.front() == '"' && local.back() == '"') {
    for (std::size_t i = 1; i + 1 < local.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(local[i]);
      if (c == '\\') {
        if (++i + 1 >= local.size()) return false;
      } else if (c < 32 || c == 127 || c == '"') {
        return false;
      }
    }
  } else {
    if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
      return false;
    }
    for (char c : local) {
      if (c != '.' && !is_atext(c)) return false;
    }
  }
  if (domain.front() == '[' && domain.back() == ']') {
    std::string_view literal = domain.substr(1, domain.size() - 2);
    if (literal.substr(0, 5) == "IPv6:") return is_ipv6(literal.substr(5));
    return is_ipv4(literal);
  }
  return is_hostname(domain);
}

bool is_unreserved(char c) {
  return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}
bool is_sub_delim(char c) {
  return std::string_view("!$&'()*+,;=").find(c) != std::string_view::npos;
}

// Characters of `s` are all from `extra`, unreserved, sub-delims or %XX escapes.
bool uri_chars(std::string_view s, std::string_view extra) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size() || !is_hex(s[i + 1]) || !is_hex(s[i + 2])) return false;
      i += 2;
    } else if (!is_unreserved(c) && !is_sub_delim(c) && extra.find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

bool is_uri_authority(std::string_view authority) {
  std::size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    if (!uri_chars(authority.substr(0, at), ":")) return false;
    authority.remove_prefix(at + 1);
  }
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority[0] == '[') {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return false;
    std::string_view literal = authority.substr(1, close - 1);
    bool future = !literal.empty() && (literal[0] == 'v' || literal[0] == 'V');
    if (future ? !uri_chars(literal, ":") : !is_ipv6(literal)) return false;
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return false;
      port = rest.substr(1);
    }
    host = {};
  } else if (std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  for (char c : port) {
    if (!is_digit(c)) return false;
  }
  return uri_chars(host, "");
}

// RFC 3986 URI-reference; `require_scheme` makes it a URI.
bool is_uri_reference(std::string_view s, bool require_scheme) {
  std::size_t colon = s.find(':');
  std::size_t delim = s.find_first_of("/?#");
  bool has_scheme = colon != std::string_view::npos && colon > 0 &&
                    (delim == std::string_view::npos || colon < delim);
  if (has_scheme) {
    if (!is_alpha(s[0])) return false;
    for (std::size_t i = 1; i < colon; ++i) {
      if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '+' && s[i] != '-' && s[i] != '.') {
        return false;
      }
    }
    s.remove_prefix(colon + 1);
  } else if (require_scheme) {
    return false;
  } else if (colon != std::string_view::npos &&
             (delim == std::string_view::npos || colon < delim)) {
    return false;  // a relative path's first segment cannot contain ':'
  }
  std::string_view fragment, query;
  if (std::size_t hash = s.find('#'); hash != std::string_view::npos) {
    fragment = s.substr(hash + 1);
    s = s.substr(0, hash);
    if (!uri_chars(fragment, ":@/?")) return false;
  }
  if (std::size_t q = s.find('?'); q != std::string_view::npos) {
    query = s.substr(q + 1);
    s = s.substr(0, q);
    if (!uri_chars(query, ":@/?")) return false;
  }
  if (s.substr(0, 2) == "//") {
    s.remove_prefix(2);
    std::size_t slash = s.find('/');
    if (!is_uri_authority(s.substr(0, slash))) return false;
    s = slash == std::string_view::npos ? std::string_view() : s.substr(slash);
  }
  return uri_chars(s, ":@/");
}

bool is_json_pointer(std::string_view s) {
  if (!s.empty() && s[0] != '/') return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '~' && (i + 1 == s.size() || (s[i + 1] != '0' && s[i + 1] != '1'))) return false;
  }
  return true;
}

// draft-handrews-relative-json-pointer: a non-negative integer, then '#' or a JSON pointer.
bool is_relative_json_pointer(std::string_view s) {
  std::size_t digits = 0;
  while (digits < s.size() && is_digit(s[digits])) ++digits;
  if (digits == 0 || (digits > 1 && s[0] == '0')) return false;
  std::string_view rest = s.substr(digits);
  return rest == "#" || is_json_pointer(rest);
}

bool is_regex(const std::string& s) {
  try {
    EcmaRegex regex(s);
    return true;
  } catch (const FormatError&) {
    return false;
  }
}

}  // namespace

bool check_format(std::string_view format, const std::string& value) {
  if (format == "date") return is_date(value);
  if (format == "time") return is_time(value);
  if (format == "date-time") return is_date_time(value);
  if (format == "email") return is_email(value);
  if (format == "hostname") return is_hostname(value);
  if (format == "ipv4") return is_ipv4(value);
  if (format == "ipv6") return is_ipv6(value);
  if (format == "uri") return is_uri_reference(value, true);
  if (format == "uri-reference") return is_uri_reference(value, false);
  if (format == "uuid") return is_uuid(value);
  if (format == "json-pointer") return is_json_pointer(value);
  if (format == "relative-json-pointer") return is_relative_json_pointer(value);
  if (format == "regex") return is_regex(value);
  return true;
}

}  // namespace ruvllm::structured::detail
