// Turning sets of Unicode code points into byte-level automata pieces.
//
// A code point range such as [U+00E0, U+0FFF] is not one byte range in UTF-8; it is a small set
// of byte-range sequences (e.g. [C3][A0-BF] | [C4-DF][80-BF] | [E0][A0-BF][80-BF]). These helpers
// produce such sequences so grammars can match text classes byte by byte. Surrogates
// (U+D800..U+DFFF) are never encoded.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ruvllm::structured {

// An inclusive code point range.
struct CodePointRange {
  uint32_t lo;
  uint32_t hi;
};

// One byte range of a sequence.
struct ByteRange {
  uint8_t lo;
  uint8_t hi;
};

inline constexpr uint32_t kMaxCodePoint = 0x10FFFF;

// Sorts and merges overlapping or adjacent ranges.
std::vector<CodePointRange> normalize_ranges(std::vector<CodePointRange> ranges);

// The complement of `ranges` within [0, kMaxCodePoint].
std::vector<CodePointRange> complement_ranges(const std::vector<CodePointRange>& ranges);

// Byte-range sequences whose union is exactly the UTF-8 encodings of the code points in `ranges`
// (surrogates excluded). Sequences are disjoint.
std::vector<std::vector<ByteRange>> utf8_sequences(const std::vector<CodePointRange>& ranges);

// Appends the UTF-8 encoding of `cp` (which must be a valid scalar value) to `out`.
void append_utf8(uint32_t cp, std::string& out);

// Decodes one UTF-8 code point from `s` at `pos`, advancing `pos`. Returns false (and leaves
// `pos` unchanged) when the bytes there are not valid UTF-8.
bool decode_utf8(const std::string& s, size_t& pos, uint32_t& cp);

}  // namespace ruvllm::structured
