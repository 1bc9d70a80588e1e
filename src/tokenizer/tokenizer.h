// Text <-> token ids, built from a GGUF file's tokenizer metadata, matching llama.cpp exactly.
//
// Three vocabulary kinds are supported, chosen by `tokenizer.ggml.model`:
//   "llama"  SentencePiece-style (SPM): spaces escaped as U+2581, optional space prefix, merges
//            of adjacent pieces by score, byte fallback to <0xXX> tokens.
//   "gpt2"   byte-level BPE: a pre-tokenizer splits the text by the regexes llama.cpp selects
//            from `tokenizer.ggml.pre`, bytes map to printable code points, ranked merges.
//   "bert"   WordPiece (WPM): lower-casing/accent stripping, punctuation splitting, greedy
//            longest-match of word pieces.
// Control and user-defined tokens are recognised in the text first (longest first), as llama.cpp
// does; BOS/EOS are added as the metadata (or llama.cpp's per-kind defaults) say.
//
// A Tokenizer is immutable after construction and safe to use from many threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gguf/gguf_file.h"

namespace ruvllm {

// The token types stored in `tokenizer.ggml.token_type`.
enum class TokenType : int32_t {
  Undefined = 0,
  Normal = 1,
  Unknown = 2,
  Control = 3,
  UserDefined = 4,
  Unused = 5,
  Byte = 6,
};

namespace tokenizer_detail {
struct Vocab;
class TextEncoder;
}  // namespace tokenizer_detail

class Tokenizer {
 public:
  // Builds the tokenizer described by a model's metadata. Throws FormatError for missing or
  // inconsistent metadata (array lengths, out-of-range ids, duplicate tokens) and
  // UnsupportedError for vocabulary kinds or pre-tokenizers RuvLLM does not implement
  // (including "none": a model without a vocabulary).
  static std::unique_ptr<Tokenizer> from_gguf(const gguf::GgufFile& file);
  virtual ~Tokenizer();

  int32_t n_vocab() const;

  // Token ids for `text`. add_special: add BOS/EOS (WordPiece: CLS/SEP) as the vocabulary's
  // metadata says. parse_special: recognise control-token texts such as "<|eot_id|>" in the
  // text (user-defined tokens are always recognised, as in llama.cpp).
  std::vector<int32_t> encode(std::string_view text, bool add_special, bool parse_special) const;

  // The bytes a token stands for in output text (llama.cpp's token_to_piece). Control and
  // unknown tokens give "" unless `special` is true (then their text). Throws Error for an id
  // outside the vocabulary.
  std::string token_to_bytes(int32_t id, bool special = false) const;

  // The text of a token sequence (llama.cpp's common_detokenize): pieces concatenated, the
  // SPM space prefix removed from the first piece, and for vocabularies that ask for it
  // (most byte-level BPE and WordPiece) spaces before punctuation cleaned up.
  std::string decode(const std::vector<int32_t>& ids, bool special = false) const;

  int32_t bos_id() const;  // -1 when none
  int32_t eos_id() const;  // -1 when none
  int32_t eot_id() const;  // -1 when none
  int32_t unk_id() const;  // -1 when none
  int32_t sep_id() const;  // -1 when none
  int32_t pad_id() const;  // -1 when none
  bool add_bos() const;
  bool add_eos() const;
  bool add_space_prefix() const;

  // Ends generation: eos, eot, eom and llama.cpp's usual end-of-turn texts (<|eot_id|>,
  // <|im_end|>, <|end|>, <end_of_turn>, <|endoftext|>, ...).
  bool is_eog(int32_t id) const;
  const std::vector<int32_t>& eog_ids() const;
  // CONTROL / USER_DEFINED / UNKNOWN tokens (not plain text).
  bool is_control(int32_t id) const;
  TokenType token_type(int32_t id) const;
  // The vocabulary string as stored in the GGUF. Throws Error for an id outside the vocabulary.
  const std::string& token_text(int32_t id) const;
  // Exact vocabulary string lookup.
  std::optional<int32_t> find_token(std::string_view text) const;

  // "llama", "gpt2" or "bert"; and the pre-tokenizer name ("default" when absent).
  const std::string& model_name() const;
  const std::string& pre_name() const;

 private:
  Tokenizer(std::unique_ptr<tokenizer_detail::Vocab> vocab,
            std::unique_ptr<tokenizer_detail::TextEncoder> encoder);

  std::unique_ptr<tokenizer_detail::Vocab> vocab_;
  std::unique_ptr<tokenizer_detail::TextEncoder> encoder_;
};

// Streams decoded text: push token ids, get back only complete UTF-8. A piece that ends in the
// middle of a multi-byte character is held back until the character completes; bytes that can
// never form a character are replaced by U+FFFD, so the output is always valid UTF-8.
class StreamDecoder {
 public:
  explicit StreamDecoder(const Tokenizer& tok, bool special = false);
  // New complete text (may be empty while a character is incomplete).
  std::string push(int32_t id);
  // Whatever is held back (an incomplete character becomes U+FFFD); resets the decoder.
  std::string flush();

 private:
  const Tokenizer* tok_;
  bool special_;
  std::string pending_;
};

}  // namespace ruvllm
