// SentencePiece-style BPE as llama.cpp runs it: start from single UTF-8 characters and keep
// merging the adjacent pair whose concatenation is the highest-scoring vocabulary entry (ties:
// leftmost first). Pieces that end up outside the vocabulary fall back to <0xXX> byte tokens.
#include <queue>

#include "tokenizer/encoder.h"
#include "tokenizer/unicode.h"

namespace ruvllm::tokenizer_detail {

namespace {

struct Symbol {
  int32_t prev;
  int32_t next;
  uint32_t offset;  // into the fragment text
  uint32_t size;    // 0 once merged into its left neighbour
};

struct Bigram {
  int32_t left;
  int32_t right;
  float score;
  uint32_t size;
};

struct BigramOrder {
  // Highest score on top; among equal scores the leftmost.
  bool operator()(const Bigram& a, const Bigram& b) const {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  }
};

class SpmEncoder final : public TextEncoder {
 public:
  explicit SpmEncoder(const Vocab& vocab) : vocab_(vocab) {}

  void encode(std::string_view text, std::vector<int32_t>& out) const override {
    std::vector<Symbol> symbols;
    symbols.reserve(text.size());
    for (size_t off = 0; off < text.size();) {
      size_t len = std::min(utf8_len(uint8_t(text[off])), text.size() - off);
      int32_t index = int32_t(symbols.size());
      symbols.push_back(
          {index - 1, off + len == text.size() ? -1 : index + 1, uint32_t(off), uint32_t(len)});
      off += len;
    }
    if (symbols.empty()) return;

    std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue;
    auto try_add = [&](int32_t left, int32_t right) {
      if (left < 0 || right < 0) return;
      const uint32_t size = symbols[left].size + symbols[right].size;
      auto id = vocab_.find(text.substr(symbols[left].offset, size));
      if (!id) return;
      queue.push({left, right, vocab_.tokens[*id].score, size});
    };
    for (int32_t i = 1; i < int32_t(symbols.size()); ++i) try_add(i - 1, i);

    while (!queue.empty()) {
      Bigram b = queue.top();
      queue.pop();
      Symbol& left = symbols[b.left];
      Symbol& right = symbols[b.right];
      // Stale: one side has merged with something else since this pair was queued.
      if (left.size == 0 || right.size == 0 || left.size + right.size != b.size) continue;
      left.size += right.size;
      right.size = 0;
      left.next = right.next;
      if (right.next >= 0) symbols[right.next].prev = b.left;
      try_add(left.prev, b.left);
      try_add(b.left, left.next);
    }

    for (int32_t i = 0; i != -1; i = symbols[i].next) {
      const Symbol& s = symbols[i];
      std::string_view piece = text.substr(s.offset, s.size);
      if (auto id = vocab_.find(piece)) {
        out.push_back(*id);
        continue;
      }
      // Every merged piece is a vocabulary entry, so only single characters get here.
      for (char c : piece) {
        int32_t id = vocab_.byte_to_token(uint8_t(c));
        if (id >= 0) out.push_back(id);
      }
    }
  }

 private:
  const Vocab& vocab_;
};

}  // namespace

std::unique_ptr<TextEncoder> make_spm_encoder(const Vocab& vocab) {
  return std::make_unique<SpmEncoder>(vocab);
}

}  // namespace ruvllm::tokenizer_detail
