#include "structured/utf8_ranges.h"

#include <algorithm>

namespace ruvllm::structured {

std::vector<CodePointRange> normalize_ranges(std::vector<CodePointRange> ranges) {
  std::sort(ranges.begin(), ranges.end(),
            [](const CodePointRange& a, const CodePointRange& b) { return a.lo < b.lo; });
  std::vector<CodePointRange> out;
  for (const auto& r : ranges) {
    if (r.lo > r.hi) continue;
    if (!out.empty() && r.lo <= out.back().hi + 1) {
      out.back().hi = std::max(out.back().hi, r.hi);
    } else {
      out.push_back(r);
    }
  }
  return out;
}

std::vector<CodePointRange> complement_ranges(const std::vector<CodePointRange>& ranges) {
  std::vector<CodePointRange> norm = normalize_ranges(ranges);
  std::vector<CodePointRange> out;
  uint32_t next = 0;
  for (const auto& r : norm) {
    if (r.lo > next) out.push_back({next, r.lo - 1});
    next = r.hi + 1;
    if (r.hi >= kMaxCodePoint) return out;
  }
  if (next <= kMaxCodePoint) out.push_back({next, kMaxCodePoint});
  return out;
}

namespace {

int utf8_length(uint32_t cp) {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

void encode(uint32_t cp, uint8_t* out) {
  switch (utf8_length(cp)) {
    case 1:
      out[0] = static_cast<uint8_t>(cp);
      break;
    case 2:
      out[0] = static_cast<uint8_t>(0xC0 | (cp >> 6));
      out[1] = static_cast<uint8_t>(0x80 | (cp & 0x3F));
      break;
    case 3:
      out[0] = static_cast<uint8_t>(0xE0 | (cp >> 12));
      out[1] = static_cast<uint8_t>(0x80 | ((cp >> 6) & 0x3F));
      out[2] = static_cast<uint8_t>(0x80 | (cp & 0x3F));
      break;
    default:
      out[0] = static_cast<uint8_t>(0xF0 | (cp >> 18));
      out[1] = static_cast<uint8_t>(0x80 | ((cp >> 12) & 0x3F));
      out[2] = static_cast<uint8_t>(0x80 | ((cp >> 6) & 0x3F));
      out[3] = static_cast<uint8_t>(0x80 | (cp & 0x3F));
  }
}

// Splits [lo, hi] (same encoded length) until each piece encodes as a product of byte ranges:
// a piece is such a product when, for every continuation position, the low code point has all
// lower bits zero and the high one all ones, except for the leading differing byte.
void split_same_length(uint32_t lo, uint32_t hi, std::vector<std::vector<ByteRange>>& out) {
  const int n = utf8_length(lo);
  for (int i = 1; i < n; ++i) {
    const uint32_t mask = (uint32_t{1} << (6 * i)) - 1;
    if ((lo & ~mask) != (hi & ~mask)) {
      if ((lo & mask) != 0) {
        split_same_length(lo, lo | mask, out);
        split_same_length((lo | mask) + 1, hi, out);
        return;
      }
      if ((hi & mask) != mask) {
        split_same_length(lo, (hi & ~mask) - 1, out);
        split_same_length(hi & ~mask, hi, out);
        return;
      }
    }
  }
  uint8_t a[4], b[4];
  encode(lo, a);
  encode(hi, b);
  std::vector<ByteRange> seq;
  for (int i = 0; i < n; ++i) seq.push_back({a[i], b[i]});
  out.push_back(std::move(seq));
}

}  // namespace

std::vector<std::vector<ByteRange>> utf8_sequences(const std::vector<CodePointRange>& ranges) {
  std::vector<CodePointRange> pieces;
  for (const auto& r : normalize_ranges(ranges)) {
    uint32_t lo = r.lo, hi = std::min(r.hi, kMaxCodePoint);
    // Cut out surrogates.
    if (lo <= 0xDFFF && hi >= 0xD800) {
      if (lo < 0xD800) pieces.push_back({lo, 0xD7FF});
      if (hi > 0xDFFF) pieces.push_back({0xE000, hi});
    } else if (lo <= hi) {
      pieces.push_back({lo, hi});
    }
  }
  std::vector<std::vector<ByteRange>> out;
  static constexpr uint32_t kLengthEnds[] = {0x7F, 0x7FF, 0xFFFF, 0x10FFFF};
  for (auto p : pieces) {
    uint32_t lo = p.lo;
    for (uint32_t end : kLengthEnds) {
      if (lo > p.hi) break;
      if (lo > end) continue;
      uint32_t piece_hi = std::min(end, p.hi);
      split_same_length(lo, piece_hi, out);
      lo = piece_hi + 1;
    }
  }
  return out;
}

void append_utf8(uint32_t cp, std::string& out) {
  uint8_t buf[4];
  encode(cp, buf);
  out.append(reinterpret_cast<const char*>(buf), utf8_length(cp));
}

bool decode_utf8(const std::string& s, size_t& pos, uint32_t& cp) {
  if (pos >= s.size()) return false;
  const auto b0 = static_cast<uint8_t>(s[pos]);
  int n;
  uint32_t v;
  if (b0 < 0x80) {
    cp = b0;
    ++pos;
    return true;
  } else if ((b0 & 0xE0) == 0xC0) {
    n = 2;
    v = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 3;
    v = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 4;
    v = b0 & 0x07;
  } else {
    return false;
  }
  if (pos + n > s.size()) return false;
  for (int i = 1; i < n; ++i) {
    const auto b = static_cast<uint8_t>(s[pos + i]);
    if ((b & 0xC0) != 0x80) return false;
    v = (v << 6) | (b & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (v < kMin[n] || v > kMaxCodePoint || (v >= 0xD800 && v <= 0xDFFF)) return false;
  cp = v;
  pos += n;
  return true;
}

}  // namespace ruvllm::structured
