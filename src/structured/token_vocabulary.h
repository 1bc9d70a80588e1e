// The tokens a constrained decoder chooses from, as raw output bytes.
//
// The matcher works on bytes, so it only needs each token's output bytes and which tokens are
// special: special (control) tokens are never produced by a grammar, except end-of-generation
// tokens, which are allowed exactly when the grammar can end. Tokens are also kept sorted by
// their bytes with the length of the common prefix with the previous one, so walks over the
// vocabulary can share work between tokens with equal prefixes (a byte trie in array form).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ruvllm {
class Tokenizer;
}

namespace ruvllm::structured {

class TokenVocabulary {
 public:
  // `bytes[id]` is token id's output; `special[id]` marks control tokens; `eog` lists the
  // end-of-generation ids (which must be special). Empty non-special tokens are never allowed.
  TokenVocabulary(std::vector<std::string> bytes, std::vector<bool> special,
                  std::vector<int32_t> eog);

  // The vocabulary of a tokenizer: control and other special tokens are special; its
  // end-of-generation tokens are the EOG ids.
  static std::shared_ptr<const TokenVocabulary> from_tokenizer(const Tokenizer& tok);

  size_t size() const { return bytes_.size(); }
  const std::string& bytes(int32_t id) const { return bytes_[id]; }
  bool is_special(int32_t id) const { return special_[id]; }
  const std::vector<int32_t>& eog_ids() const { return eog_; }
  bool is_eog(int32_t id) const;

  // Non-special non-empty token ids sorted by bytes, and for each the length of the common
  // prefix with the previous one in that order (0 for the first).
  const std::vector<int32_t>& sorted_ids() const { return sorted_; }
  const std::vector<uint16_t>& sorted_lcp() const { return lcp_; }
  // The bytes of the i-th token in sorted order. They are stored back to back in that order, so
  // a walk over the sorted vocabulary reads memory sequentially instead of jumping between the
  // per-id strings (one cache miss per token otherwise dominates the walk).
  std::string_view sorted_token(size_t i) const {
    return std::string_view(sorted_bytes_)
        .substr(sorted_offset_[i], sorted_offset_[i + 1] - sorted_offset_[i]);
  }
  // The first sorted index after i whose token does not share the first `depth` bytes of token
  // i (1 <= depth <= its length): tokens i..end-1 form the trie subtree below that prefix.
  uint32_t subtree_end(size_t i, size_t depth) const {
    return subtree_end_[subtree_offset_[i] + depth - 1];
  }

  // The bytes a JSON string takes as themselves: printable ASCII except '"' and '\\'.
  static bool is_plain_byte(uint8_t b) { return b >= 0x20 && b < 0x80 && b != '"' && b != '\\'; }
  // The first d such that bytes d.. of the i-th token in sorted order are all plain bytes (its
  // length when the last byte is not plain): a walk in a state that every plain byte leads back
  // to can stop there.
  size_t sorted_plain_from(size_t i) const { return plain_from_[i]; }

  // The length of the longest non-special token.
  size_t max_token_bytes() const { return max_token_bytes_; }

  // Words of a token mask over this vocabulary (bit id set = token allowed).
  size_t mask_words() const { return (bytes_.size() + 31) / 32; }
  // Bit mask of all grammar-producible tokens (non-special, non-empty).
  const std::vector<uint32_t>& normal_mask() const { return normal_mask_; }

  // Identifies the vocabulary's contents, for caches shared across grammars.
  uint64_t fingerprint() const { return fingerprint_; }

 private:
  std::vector<std::string> bytes_;
  std::vector<bool> special_;
  std::vector<int32_t> eog_;
  std::vector<int32_t> sorted_;
  std::vector<uint16_t> lcp_;
  std::vector<uint16_t> plain_from_;
  std::string sorted_bytes_;
  std::vector<uint32_t> sorted_offset_;  // sorted_.size() + 1 entries
  size_t max_token_bytes_ = 0;
  std::vector<uint32_t> subtree_offset_;
  std::vector<uint32_t> subtree_end_;
  std::vector<uint32_t> normal_mask_;
  uint64_t fingerprint_ = 0;
};

}  // namespace ruvllm::structured
