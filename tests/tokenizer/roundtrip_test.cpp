// Round trips on random text with real vocabularies: decoding gives back the input, streaming
// gives the same text as decoding, and arbitrary bytes never break the tokenizer.
#include <gtest/gtest.h>

#include <random>

#include "gguf/gguf_file.h"
#include "support/golden.h"
#include "tokenizer/tokenizer.h"

namespace ruvllm {
namespace {

std::unique_ptr<Tokenizer> load_vocab(const std::string& name) {
  auto file = gguf::GgufFile::open(test::golden("tokenizer/ggml-vocab-" + name + ".gguf").string());
  return Tokenizer::from_gguf(*file);
}

std::string random_text(std::mt19937& rng) {
  static const std::vector<std::string> alphabet = {
      "a",      "b",      "Q",     "z",      "é",  "ß", "ж", "Ω",  "中", "文",   "ー",     "가",
      "ि",      "ا",      "0",     "7",      "42", " ", " ", "  ", "\t", "\n",   "\n\n",   "\r\n",
      "\u00A0", "\u3000", "'",     "'s",     ".",  ",", "!", "?",  "…",  "-",    "_",      "(",
      ")",      "{",      "}",     "\"",     ":",  "$", "~", "€",  "😀",  "🦙", "\u0301", "\u200B",
      "the",    " the",   "Hello", " world", "<",  ">", "/", "\\", "#",  "@",    "%",      "&"};
  std::uniform_int_distribution<int> len(0, 40);
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  std::string s;
  for (int i = len(rng); i > 0; --i) s += alphabet[pick(rng)];
  return s;
}

bool valid_utf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}

std::string stream_all(const Tokenizer& tok, const std::vector<int32_t>& ids) {
  StreamDecoder stream(tok);
  std::string out;
  for (int32_t id : ids) {
    std::string piece = stream.push(id);
    EXPECT_TRUE(valid_utf8(piece));
    out += piece;
  }
  return out + stream.flush();
}

// Vocabularies whose decoder does not clean up spaces give any text back exactly.
class ExactRoundTrip : public ::testing::TestWithParam<const char*> {};

TEST_P(ExactRoundTrip, RandomTextComesBack) {
  const std::string name = GetParam();
  RUVLLM_REQUIRE_GOLDEN(test::golden("tokenizer/ggml-vocab-" + name + ".gguf"));
  auto tok = load_vocab(name);
  const bool spm = tok->model_name() == "llama";
  std::mt19937 rng(7);
  for (int i = 0; i < 300; ++i) {
    const std::string text = random_text(rng);
    const auto ids = tok->encode(text, false, false);
    ASSERT_EQ(tok->decode(ids), text);
    // Streaming pieces keep SentencePiece's space prefix (llama.cpp's token_to_piece does).
    ASSERT_EQ(stream_all(*tok, ids), spm && !text.empty() ? " " + text : text);
    // With BOS, decoding keeps the space prefix too: it only strips it from the first piece.
    if (tok->add_bos()) {
      const auto with_bos = tok->encode(text, true, false);
      ASSERT_EQ(with_bos.front(), tok->bos_id());
      ASSERT_EQ(tok->decode(with_bos), spm && !text.empty() ? " " + text : text);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Tokenizer, ExactRoundTrip,
                         ::testing::Values("llama-spm", "phi-3", "deepseek-coder"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

TEST(ArbitraryBytes, NeverBreakTheTokenizers) {
  const char* names[] = {"llama-spm", "llama-bpe", "gpt-2", "bert-bge", "falcon"};
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> byte(0, 255), len(0, 64);
  for (const char* name : names) {
    SCOPED_TRACE(name);
    RUVLLM_REQUIRE_GOLDEN(test::golden(std::string("tokenizer/ggml-vocab-") + name + ".gguf"));
    auto tok = load_vocab(name);
    for (int i = 0; i < 200; ++i) {
      std::string bytes;
      for (int n = len(rng); n > 0; --n) bytes.push_back(char(byte(rng)));
      const auto ids = tok->encode(bytes, true, true);
      for (int32_t id : ids) ASSERT_TRUE(id >= 0 && id < tok->n_vocab());
      EXPECT_TRUE(valid_utf8(stream_all(*tok, ids)));
      // SentencePiece falls back to byte tokens, so even invalid UTF-8 comes back exactly, as
      // long as no space follows a broken lead byte (llama.cpp cuts characters by their lead
      // byte, so such a "character" swallows part of the escaped space, U+2581).
      if (std::string(name) == "llama-spm" && bytes.find(' ') == std::string::npos) {
        EXPECT_EQ(tok->decode(tok->encode(bytes, false, false)), bytes);
      }
    }
  }
}

TEST(WordPiece, FramesWithClsAndSep) {
  RUVLLM_REQUIRE_GOLDEN(test::golden("tokenizer/ggml-vocab-bert-bge.gguf"));
  auto tok = load_vocab("bert-bge");
  const auto ids = tok->encode("Hello, World!", true, false);
  ASSERT_GE(ids.size(), 3u);
  EXPECT_EQ(ids.front(), 101);  // [CLS]
  EXPECT_EQ(ids.back(), 102);   // [SEP]
  EXPECT_EQ(std::vector<int32_t>(ids.begin() + 1, ids.end() - 1),
            tok->encode("hello , world !", false, false));
  EXPECT_EQ(tok->decode(ids), " hello, world!");
  EXPECT_EQ(tok->decode(ids, true), "[CLS] hello, world![SEP]");
}

}  // namespace
}  // namespace ruvllm
