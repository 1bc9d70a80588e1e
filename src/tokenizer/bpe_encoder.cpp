// Byte-level BPE as llama.cpp runs it: pre-tokenize into words (GPT-2 byte encoded), then in
// each word merge the adjacent pair with the lowest merge rank (ties: leftmost first) until no
// pair merges. Final pieces missing from the vocabulary fall back to single-byte tokens.
#include <queue>
#include <string>

#include "tokenizer/encoder.h"
#include "tokenizer/pretokenizer.h"
#include "tokenizer/unicode.h"

namespace ruvllm::tokenizer_detail {

namespace {

struct Symbol {
  int32_t prev;
  int32_t next;
  uint32_t offset;  // into the word
  uint32_t size;    // 0 once merged into its left neighbour
};

struct Bigram {
  int32_t left;
  int32_t right;
  int32_t rank;
  uint32_t size;  // bytes of left + right when queued
};

struct BigramOrder {
  // Lowest rank on top; among equal ranks the leftmost.
  bool operator()(const Bigram& a, const Bigram& b) const {
    return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
  }
};

class BpeEncoder final : public TextEncoder {
 public:
  explicit BpeEncoder(const Vocab& vocab)
      : vocab_(vocab), pre_(*find_pre_tokenizer(vocab.pre == "default" ? "" : vocab.pre)) {}

  void encode(std::string_view text, std::vector<int32_t>& out) const override {
    std::vector<Symbol> symbols;
    for (const std::string& word : pre_.split(text)) encode_word(word, symbols, out);
  }

 private:
  void encode_word(std::string_view word, std::vector<Symbol>& symbols,
                   std::vector<int32_t>& out) const {
    if (word.empty()) return;
    if (vocab_.ignore_merges) {
      if (auto id = vocab_.find(word)) {
        out.push_back(*id);
        return;
      }
    }
    symbols.clear();
    for (size_t off = 0; off < word.size();) {
      size_t len = std::min(utf8_len(uint8_t(word[off])), word.size() - off);
      int32_t index = int32_t(symbols.size());
      symbols.push_back(
          {index - 1, off + len == word.size() ? -1 : index + 1, uint32_t(off), uint32_t(len)});
      off += len;
    }

    std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue;
    auto piece = [&](const Symbol& s) { return word.substr(s.offset, s.size); };
    auto try_add = [&](int32_t left, int32_t right) {
      if (left < 0 || right < 0) return;
      int32_t rank = vocab_.merge_rank(piece(symbols[left]), piece(symbols[right]));
      if (rank < 0) return;
      queue.push({left, right, rank, symbols[left].size + symbols[right].size});
    };
    for (int32_t i = 1; i < int32_t(symbols.size()); ++i) try_add(i - 1, i);

    while (!queue.empty()) {
      Bigram b = queue.top();
      queue.pop();
      Symbol& left = symbols[b.left];
      Symbol& right = symbols[b.right];
      // Stale: the pair is no longer two adjacent symbols with the queued text. Symbols only
      // grow and stay contiguous, so an unchanged total size means unchanged text.
      if (left.size == 0 || right.size == 0 || left.next != b.right ||
          left.size + right.size != b.size)
        continue;
      left.size += right.size;
      right.size = 0;
      left.next = right.next;
      if (right.next >= 0) symbols[right.next].prev = b.left;
      try_add(left.prev, b.left);
      try_add(b.left, left.next);
    }

    for (int32_t i = 0; i != -1; i = symbols[i].next) {
      std::string_view p = piece(symbols[i]);
      if (auto id = vocab_.find(p)) {
        out.push_back(*id);
        continue;
      }
      // llama.cpp then looks up each byte of the encoded piece on its own, dropping misses.
      for (char c : p) {
        if (auto id = vocab_.find(std::string_view(&c, 1))) out.push_back(*id);
      }
    }
  }

  const Vocab& vocab_;
  PreTokenizer pre_;
};

}  // namespace

std::unique_ptr<TextEncoder> make_bpe_encoder(const Vocab& vocab) {
  return std::make_unique<BpeEncoder>(vocab);
}

}  // namespace ruvllm::tokenizer_detail
