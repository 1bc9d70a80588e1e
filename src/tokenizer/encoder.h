// The per-kind text encoders: each turns one fragment of plain text (special tokens already
// split off) into token ids, appending to `out`.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "tokenizer/vocab.h"

namespace ruvllm::tokenizer_detail {

class TextEncoder {
 public:
  virtual ~TextEncoder() = default;
  virtual void encode(std::string_view text, std::vector<int32_t>& out) const = 0;
};

// SentencePiece-style: `text` has its spaces already escaped to U+2581.
std::unique_ptr<TextEncoder> make_spm_encoder(const Vocab& vocab);
// Byte-level BPE with the vocabulary's pre-tokenizer.
std::unique_ptr<TextEncoder> make_bpe_encoder(const Vocab& vocab);
// WordPiece.
std::unique_ptr<TextEncoder> make_wpm_encoder(const Vocab& vocab);

}  // namespace ruvllm::tokenizer_detail
