#include "tokenizer/tokenizer.h"

namespace ruvllm {

namespace {

constexpr const char* kReplacement = "\xEF\xBF\xBD";

// Length of the well-formed UTF-8 sequence starting at s[i]: > 0 complete, 0 ill-formed (the
// first `bad` bytes form a maximal ill-formed subpart), < 0 a valid but unfinished prefix.
int sequence_at(std::string_view s, size_t i, size_t* bad) {
  const auto b0 = uint8_t(s[i]);
  if (b0 < 0x80) return 1;
  int need;
  uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 3;
    if (b0 == 0xE0) lo = 0xA0;  // no overlong forms
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    *bad = 1;
    return 0;
  }
  for (int k = 1; k < need; ++k) {
    if (i + k >= s.size()) return -1;
    const auto b = uint8_t(s[i + k]);
    const uint8_t l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
    if (b < l || b > h) {
      *bad = size_t(k);
      return 0;
    }
  }
  return need;
}

// Appends the valid UTF-8 of `s` to `out` (ill-formed parts become U+FFFD) and returns how many
// bytes at the end were held back as an unfinished character (always 0 when `final`).
size_t append_valid(std::string_view s, bool final, std::string& out) {
  size_t i = 0;
  while (i < s.size()) {
    size_t bad = 0;
    int n = sequence_at(s, i, &bad);
    if (n > 0) {
      out.append(s.substr(i, size_t(n)));
      i += size_t(n);
    } else if (n == 0) {
      out += kReplacement;
      i += bad;
    } else if (!final) {
      return s.size() - i;
    } else {
      out += kReplacement;
      return 0;
    }
  }
  return 0;
}

}  // namespace

StreamDecoder::StreamDecoder(const Tokenizer& tok, bool special) : tok_(&tok), special_(special) {}

std::string StreamDecoder::push(int32_t id) {
  pending_ += tok_->token_to_bytes(id, special_);
  std::string out;
  size_t held = append_valid(pending_, false, out);
  pending_.erase(0, pending_.size() - held);
  return out;
}

std::string StreamDecoder::flush() {
  std::string out;
  append_valid(pending_, true, out);
  pending_.clear();
  return out;
}

}  // namespace ruvllm
