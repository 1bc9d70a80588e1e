#include "structured/gbnf_text.h"

#include <cstdio>

namespace ruvllm::structured {

namespace {

// Appends `prefix` then `cp` as `digits` upper-case hex digits (snprintf was a visible part of
// converting schemas, whose key exclusion classes escape control characters).
void append_hex(const char* prefix, uint32_t cp, int digits, std::string& out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out += prefix;
  for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4) out += kHex[(cp >> shift) & 0xF];
}

// Escapes a code point for use inside a GBNF literal or class.
void append_escaped(uint32_t cp, bool in_class, std::string& out) {
  if (cp == '"' || cp == '\\' || (in_class && (cp == ']' || cp == '[' || cp == '-' || cp == '^'))) {
    out += '\\';
    out += static_cast<char>(cp);
  } else if (cp < 0x20 || cp == 0x7F) {
    append_hex("\\x", cp, 2, out);
  } else if (cp >= 0xD800 && cp <= 0xDFFF) {
    append_hex("\\u", cp, 4, out);
  } else if (cp > 0xFFFF && in_class) {
    append_hex("\\U", cp, 8, out);
  } else {
    append_utf8(cp, out);
  }
}

}  // namespace

std::string gbnf_literal(const std::string& utf8) {
  std::string out = "\"";
  for (size_t pos = 0; pos < utf8.size();) {
    uint32_t cp;
    if (!decode_utf8(utf8, pos, cp)) {
      // Not valid UTF-8: write the byte as a code point escape of the same value.
      cp = static_cast<uint8_t>(utf8[pos++]);
    }
    append_escaped(cp, false, out);
  }
  return out + "\"";
}

std::string gbnf_char_class(const std::vector<CodePointRange>& ranges, bool negated) {
  std::string out = negated ? "[^" : "[";
  for (const auto& r : normalize_ranges(ranges)) {
    append_escaped(r.lo, true, out);
    if (r.hi != r.lo) {
      out += '-';
      append_escaped(r.hi, true, out);
    }
  }
  if (!negated && out.size() == 1) {
    // An empty class: spell it as "anything but everything", which matches nothing.
    return "[^\\x00-\\U0010FFFF]";
  }
  return out + "]";
}

std::string json_escape_contents(const std::string& utf8) {
  std::string out;
  for (unsigned char c : utf8) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

}  // namespace ruvllm::structured
