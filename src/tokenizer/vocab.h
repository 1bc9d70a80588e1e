// The vocabulary as llama.cpp sees it: token strings, scores and attributes, special token ids,
// the flags that steer tokenization, and the caches derived from them.
//
// `load_vocab` reads `tokenizer.ggml.*` metadata and applies llama.cpp's defaults per vocabulary
// kind and pre-tokenizer, its detection of end-of-turn tokens by text, and its per-model token
// attribute fixes. Metadata that cannot be right (array lengths that disagree, special ids
// outside the vocabulary, duplicate token strings) is a FormatError.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gguf/gguf_file.h"
#include "tokenizer/tokenizer.h"

namespace ruvllm::tokenizer_detail {

enum class VocabKind { Spm, Bpe, Wpm };

// llama.cpp's token attributes (a bit set; the GGUF token type maps to one of the first six).
enum TokenAttr : uint32_t {
  kAttrUndefined = 0,
  kAttrUnknown = 1u << 0,
  kAttrUnused = 1u << 1,
  kAttrNormal = 1u << 2,
  kAttrControl = 1u << 3,
  kAttrUserDefined = 1u << 4,
  kAttrByte = 1u << 5,
  kAttrNormalized = 1u << 6,
  kAttrLstrip = 1u << 7,
  kAttrRstrip = 1u << 8,
};

struct TokenData {
  std::string text;
  float score = 0;
  uint32_t attr = kAttrNormal;
  TokenType type = TokenType::Normal;
};

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

struct Vocab {
  VocabKind kind = VocabKind::Spm;
  std::string model;  // tokenizer.ggml.model
  std::string pre;    // tokenizer.ggml.pre ("default" when absent)

  std::vector<TokenData> tokens;
  std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>> text_to_id;
  size_t max_token_len = 0;

  int32_t bos = -1, eos = -1, eot = -1, eom = -1, unk = -1, sep = -1, pad = -1, mask = -1;
  int32_t fim_pre = -1, fim_suf = -1, fim_mid = -1, fim_pad = -1, fim_rep = -1, fim_sep = -1;

  bool add_space_prefix = false;
  bool add_bos = false;
  bool add_eos = false;
  bool add_sep = false;
  bool ignore_merges = false;
  bool clean_spaces = false;
  bool remove_extra_whitespaces = false;  // read, but (as in llama.cpp) not acted on
  bool escape_whitespaces = true;
  bool lowercase = true;      // WordPiece normaliser
  bool strip_accents = true;  // WordPiece normaliser

  // Control, user-defined and unknown tokens, longest text first: the order in which
  // llama.cpp looks for them in the input.
  std::vector<int32_t> special_tokens;
  // token_to_piece(id, special = true) for every token.
  std::vector<std::string> pieces;
  // Tokens that end generation, ascending.
  std::vector<int32_t> eog;

  // Merge ranks for byte-level BPE, keyed by merge_key(left, right).
  std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>> merge_ranks;

  int32_t n_tokens() const { return int32_t(tokens.size()); }
  bool valid(int32_t id) const { return id >= 0 && id < n_tokens(); }
  std::optional<int32_t> find(std::string_view text) const {
    auto it = text_to_id.find(text);
    if (it == text_to_id.end()) return std::nullopt;
    return it->second;
  }
  // The token for a raw byte: "<0xXX>" (SPM) or the byte's GPT-2 code point (BPE/WPM); the
  // unknown token (or -1) when the vocabulary has neither.
  int32_t byte_to_token(uint8_t b) const;
  // Rank of merging `left` and `right`, -1 when they do not merge.
  int32_t merge_rank(std::string_view left, std::string_view right) const;
  static void merge_key(std::string& key, std::string_view left, std::string_view right);
};

// Throws FormatError / UnsupportedError as described above.
Vocab load_vocab(const gguf::GgufFile& file);

}  // namespace ruvllm::tokenizer_detail
