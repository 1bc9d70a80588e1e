// Unicode helpers with llama.cpp's exact conventions, on top of utf8proc's tables.
//
// Code point classes follow llama.cpp's generated tables: the general category (letter, number,
// punctuation, symbol, mark, separator, control; unassigned code points are "undefined") plus the
// Unicode White_Space property. Decoding is lenient the way llama.cpp's is: a byte that does not
// start a well-formed sequence becomes U+FFFD and decoding resumes at the next byte.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ruvllm::tokenizer_detail {

// Bit values as in llama.cpp's unicode_cpt_flags, so "no flags at all" means "outside the text".
enum CpFlag : uint16_t {
  kCpUndefined = 0x0001,
  kCpNumber = 0x0002,       // \p{N}
  kCpLetter = 0x0004,       // \p{L}
  kCpSeparator = 0x0008,    // \p{Z}
  kCpMark = 0x0010,         // \p{M}
  kCpPunctuation = 0x0020,  // \p{P}
  kCpSymbol = 0x0040,       // \p{S}
  kCpControl = 0x0080,      // \p{C}
  kCpCategoryMask = 0x00FF,
  kCpWhitespace = 0x0100,  // White_Space
};

uint16_t cp_flags(uint32_t cp);
inline bool cp_is_whitespace(uint32_t cp) {
  return cp_flags(cp) & kCpWhitespace;
}

// Simple (one code point) lower-case mapping.
uint32_t cp_to_lower(uint32_t cp);
// The first code point of the canonical decomposition (NFD), which is how llama.cpp's WordPiece
// normaliser "strips" a character to its base.
uint32_t cp_nfd_base(uint32_t cp);

// Length of the UTF-8 sequence a lead byte announces (1 for continuation/invalid bytes).
inline size_t utf8_len(uint8_t lead) {
  static constexpr uint8_t kLen[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return kLen[lead >> 4];
}

// Decodes leniently (see above). Code points above U+10FFFF that a 4-byte pattern can spell
// are kept as decoded.
std::vector<uint32_t> decode_utf8(std::string_view s);
// Appends the UTF-8 encoding of cp (U+FFFD for values above U+10FFFF).
void append_utf8(std::string& out, uint32_t cp);
std::string encode_utf8(uint32_t cp);

// GPT-2's reversible byte <-> printable code point mapping used by byte-level BPE.
const std::string& byte_to_unicode(uint8_t b);  // UTF-8 of the code point standing for byte b
// The byte a mapped code point stands for, or -1 when cp is not in the mapping.
int unicode_to_byte(uint32_t cp);

}  // namespace ruvllm::tokenizer_detail
