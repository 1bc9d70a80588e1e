// WordPiece as llama.cpp runs it: normalise (optional NFD accent stripping and lower-casing,
// control characters dropped), split on whitespace and around punctuation, ASCII symbols and
// CJK ideographs, then cover each word greedily with the longest vocabulary entries. The GGUF
// converter stores word-initial pieces with a U+2581 prefix and "##" continuations bare, so a
// word is matched as U+2581 + word. A word that cannot be covered becomes the unknown token.
#include <algorithm>

#include "tokenizer/encoder.h"
#include "tokenizer/unicode.h"

namespace ruvllm::tokenizer_detail {

namespace {

bool is_cjk_ideograph(uint32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) ||
         (cp >= 0x2B920 && cp <= 0x2CEAF) ||  // sic: HF's range starts at 0x2B920
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

class WpmEncoder final : public TextEncoder {
 public:
  explicit WpmEncoder(const Vocab& vocab) : vocab_(vocab) {}

  void encode(std::string_view text, std::vector<int32_t>& out) const override {
    for (const std::string& word : split_words(text)) {
      const std::string w = "\xE2\x96\x81" + word;
      const size_t n = w.size();
      const size_t start = out.size();
      for (size_t i = 0; i < n;) {
        bool matched = false;
        for (size_t j = std::min(n, i + vocab_.max_token_len + 1); j > i; --j) {
          if (auto id = vocab_.find(std::string_view(w).substr(i, j - i))) {
            out.push_back(*id);
            i = j;
            matched = true;
            break;
          }
        }
        if (!matched) {
          out.resize(start);  // the word is not covered: drop its partial pieces
          break;
        }
      }
      if (out.size() == start && vocab_.unk >= 0) out.push_back(vocab_.unk);
    }
  }

 private:
  std::vector<std::string> split_words(std::string_view text) const {
    std::vector<uint32_t> cps = decode_utf8(text);
    std::vector<std::string> words(1);
    for (uint32_t cp : cps) {
      if (vocab_.strip_accents) cp = cp_nfd_base(cp);
      const uint16_t flags = cp_flags(cp);
      if (flags & kCpWhitespace) {
        if (!words.back().empty()) words.emplace_back();
        continue;
      }
      if (cp == 0 || cp == 0xFFFD || (flags & kCpControl)) continue;
      if (vocab_.strip_accents && (flags & kCpMark)) continue;
      const std::string s = encode_utf8(vocab_.lowercase ? cp_to_lower(cp) : cp);
      if ((flags & kCpPunctuation) || (cp < 0x7F && (flags & kCpSymbol)) || is_cjk_ideograph(cp)) {
        if (!words.back().empty()) words.emplace_back();
        words.back() = s;
        words.emplace_back();
      } else {
        words.back() += s;
      }
    }
    if (words.back().empty()) words.pop_back();
    return words;
  }

  const Vocab& vocab_;
};

}  // namespace

std::unique_ptr<TextEncoder> make_wpm_encoder(const Vocab& vocab) {
  return std::make_unique<WpmEncoder>(vocab);
}

}  // namespace ruvllm::tokenizer_detail
