#include "tokenizer/unicode.h"

#include <utf8proc.h>

#include <array>

namespace ruvllm::tokenizer_detail {

namespace {

bool is_white_space_property(uint32_t cp) {
  // PropList.txt White_Space.
  if (cp >= 0x09 && cp <= 0x0D) return true;
  if (cp >= 0x2000 && cp <= 0x200A) return true;
  switch (cp) {
    case 0x20:
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return false;
  }
}

uint16_t category_flag(utf8proc_category_t c) {
  switch (c) {
    case UTF8PROC_CATEGORY_CN:
      return kCpUndefined;
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
      return kCpLetter;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
      return kCpMark;
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
      return kCpNumber;
    case UTF8PROC_CATEGORY_PC:
    case UTF8PROC_CATEGORY_PD:
    case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE:
    case UTF8PROC_CATEGORY_PI:
    case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO:
      return kCpPunctuation;
    case UTF8PROC_CATEGORY_SM:
    case UTF8PROC_CATEGORY_SC:
    case UTF8PROC_CATEGORY_SK:
    case UTF8PROC_CATEGORY_SO:
      return kCpSymbol;
    case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
      return kCpSeparator;
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_CS:
    case UTF8PROC_CATEGORY_CO:
      return kCpControl;
  }
  return kCpUndefined;
}

uint16_t compute_flags(uint32_t cp) {
  if (cp > 0x10FFFF) return kCpUndefined;
  uint16_t f = category_flag(utf8proc_category(utf8proc_int32_t(cp)));
  if (is_white_space_property(cp)) f |= kCpWhitespace;
  return f;
}

// The Basic Multilingual Plane covers nearly all text; a flat table keeps the hot path to one load.
const std::vector<uint16_t>& bmp_flags() {
  static const std::vector<uint16_t> table = [] {
    std::vector<uint16_t> t(0x10000);
    for (uint32_t cp = 0; cp < 0x10000; ++cp) t[cp] = compute_flags(cp);
    return t;
  }();
  return table;
}

struct ByteMapping {
  std::array<std::string, 256> byte_to_utf8;
  std::array<int16_t, 512> cp_to_byte;  // mapped code points are all below 512
};

const ByteMapping& byte_mapping() {
  static const ByteMapping m = [] {
    ByteMapping bm;
    bm.cp_to_byte.fill(-1);
    std::array<bool, 256> direct{};
    for (int b = 0x21; b <= 0x7E; ++b) direct[b] = true;
    for (int b = 0xA1; b <= 0xAC; ++b) direct[b] = true;
    for (int b = 0xAE; b <= 0xFF; ++b) direct[b] = true;
    int n = 0;
    for (int b = 0; b < 256; ++b) {
      uint32_t cp = direct[b] ? uint32_t(b) : uint32_t(256 + n++);
      bm.byte_to_utf8[b] = encode_utf8(cp);
      bm.cp_to_byte[cp] = int16_t(b);
    }
    return bm;
  }();
  return m;
}

}  // namespace

uint16_t cp_flags(uint32_t cp) {
  if (cp < 0x10000) return bmp_flags()[cp];
  return compute_flags(cp);
}

uint32_t cp_to_lower(uint32_t cp) {
  if (cp > 0x10FFFF) return cp;
  return uint32_t(utf8proc_tolower(utf8proc_int32_t(cp)));
}

uint32_t cp_nfd_base(uint32_t cp) {
  if (cp > 0x10FFFF) return cp;
  utf8proc_int32_t buf[32];
  int last_boundclass = 0;
  utf8proc_ssize_t n =
      utf8proc_decompose_char(utf8proc_int32_t(cp), buf, 32, UTF8PROC_DECOMPOSE, &last_boundclass);
  if (n <= 0) return cp;
  return uint32_t(buf[0]);
}

std::vector<uint32_t> decode_utf8(std::string_view s) {
  std::vector<uint32_t> out;
  out.reserve(s.size());
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const size_t n = s.size();
  auto cont = [&](size_t i) { return (p[i] & 0xC0) == 0x80; };
  size_t i = 0;
  while (i < n) {
    const uint8_t b = p[i];
    if (!(b & 0x80)) {
      out.push_back(b);
      i += 1;
    } else if (!(b & 0x40)) {
      out.push_back(0xFFFD);
      i += 1;
    } else if (!(b & 0x20)) {
      if (i + 1 >= n || !cont(i + 1)) {
        out.push_back(0xFFFD);
        i += 1;
        continue;
      }
      out.push_back((uint32_t(b & 0x1F) << 6) | (p[i + 1] & 0x3F));
      i += 2;
    } else if (!(b & 0x10)) {
      if (i + 2 >= n || !cont(i + 1) || !cont(i + 2)) {
        out.push_back(0xFFFD);
        i += 1;
        continue;
      }
      out.push_back((uint32_t(b & 0x0F) << 12) | (uint32_t(p[i + 1] & 0x3F) << 6) |
                    (p[i + 2] & 0x3F));
      i += 3;
    } else if (!(b & 0x08)) {
      if (i + 3 >= n || !cont(i + 1) || !cont(i + 2) || !cont(i + 3)) {
        out.push_back(0xFFFD);
        i += 1;
        continue;
      }
      out.push_back((uint32_t(b & 0x07) << 18) | (uint32_t(p[i + 1] & 0x3F) << 12) |
                    (uint32_t(p[i + 2] & 0x3F) << 6) | (p[i + 3] & 0x3F));
      i += 4;
    } else {
      out.push_back(0xFFFD);
      i += 1;
    }
  }
  return out;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp <= 0x7F) {
    out.push_back(char(cp));
  } else if (cp <= 0x7FF) {
    out.push_back(char(0xC0 | (cp >> 6)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  } else if (cp <= 0xFFFF) {
    out.push_back(char(0xE0 | (cp >> 12)));
    out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  } else if (cp <= 0x10FFFF) {
    out.push_back(char(0xF0 | (cp >> 18)));
    out.push_back(char(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  } else {
    out += "\xEF\xBF\xBD";
  }
}

std::string encode_utf8(uint32_t cp) {
  std::string s;
  append_utf8(s, cp);
  return s;
}

const std::string& byte_to_unicode(uint8_t b) {
  return byte_mapping().byte_to_utf8[b];
}

int unicode_to_byte(uint32_t cp) {
  if (cp >= 512) return -1;
  return byte_mapping().cp_to_byte[cp];
}

}  // namespace ruvllm::tokenizer_detail
