// Tokenizer behaviour on small hand-made vocabularies: BOS/EOS rules, special-token parsing,
// byte fallback, streaming decoding, and metadata that must be rejected.
#include <gtest/gtest.h>

#include "core/error.h"
#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"
#include "tokenizer/tokenizer.h"

namespace ruvllm {
namespace {

constexpr const char* kSp = "\xE2\x96\x81";  // U+2581, SentencePiece's space

// A small SentencePiece vocabulary: <unk> <s> </s>, 256 byte tokens, some pieces, and a few
// control / user-defined tokens.
struct SpmVocab {
  std::vector<std::string> tokens;
  std::vector<float> scores;
  std::vector<int32_t> types;

  SpmVocab() {
    add("<unk>", 0, 2);
    add("<s>", 0, 3);
    add("</s>", 0, 3);
    static const char* hex = "0123456789ABCDEF";
    for (int b = 0; b < 256; ++b) add(std::string("<0x") + hex[b >> 4] + hex[b & 15] + ">", 0, 6);
    for (const char* p : {"a", "b", "c", "h", "i", "x"}) add(p, -10, 1);
    add(kSp, -5, 1);
    add(std::string(kSp) + "a", -3, 1);
    add(std::string(kSp) + "b", -3, 1);
    add(std::string(kSp) + "h", -3, 1);
    add("ab", -2, 1);
    add(std::string(kSp) + "ab", -1, 1);
    add(std::string(kSp) + "hi", -1, 1);
    add("<|im_end|>", 0, 3);
    add("<|im_start|>", 0, 3);
    add("<x>", 0, 3);
    add("<x><y>", 0, 3);
    add("<|user|>", 0, 4);
  }
  void add(const std::string& t, float s, int32_t type) {
    tokens.push_back(t);
    scores.push_back(s);
    types.push_back(type);
  }
  int32_t id(const std::string& t) const {
    return int32_t(std::find(tokens.begin(), tokens.end(), t) - tokens.begin());
  }
  gguf::GgufWriter writer(const std::string& name = "test") const {
    gguf::GgufWriter w;
    w.set_string("general.name", name);
    w.set_string("tokenizer.ggml.model", "llama");
    w.set_string_array("tokenizer.ggml.tokens", tokens);
    w.set_f32_array("tokenizer.ggml.scores", scores);
    w.set_i32_array("tokenizer.ggml.token_type", types);
    return w;
  }
};

std::unique_ptr<Tokenizer> build(const gguf::GgufWriter& w) {
  auto file = gguf::GgufFile::from_memory(w.to_bytes());
  return Tokenizer::from_gguf(*file);
}

TEST(Spm, MergesByScoreWithSpacePrefix) {
  SpmVocab v;
  auto tok = build(v.writer());
  EXPECT_EQ(tok->encode("ab", false, false), (std::vector<int32_t>{v.id(std::string(kSp) + "ab")}));
  EXPECT_EQ(tok->encode("ab b", false, false),
            (std::vector<int32_t>{v.id(std::string(kSp) + "ab"), v.id(std::string(kSp) + "b")}));
  EXPECT_EQ(tok->decode(tok->encode("ab b", false, false)), "ab b");
  EXPECT_TRUE(tok->encode("", false, false).empty());
}

TEST(Spm, ByteFallbackAndStreamingAcrossByteTokens) {
  SpmVocab v;
  auto tok = build(v.writer());
  // U+20AC is not a piece: it falls back to its three UTF-8 bytes.
  const auto ids = tok->encode("a\xE2\x82\xAC", false, false);
  const std::vector<int32_t> expected = {v.id(std::string(kSp) + "a"), v.id("<0xE2>"),
                                         v.id("<0x82>"), v.id("<0xAC>")};
  EXPECT_EQ(ids, expected);
  EXPECT_EQ(tok->decode(ids), "a\xE2\x82\xAC");
  EXPECT_EQ(tok->token_to_bytes(v.id("<0xE2>")), "\xE2");

  StreamDecoder stream(*tok);
  EXPECT_EQ(stream.push(ids[0]), " a");
  EXPECT_EQ(stream.push(ids[1]), "");  // the character is incomplete: held back
  EXPECT_EQ(stream.push(ids[2]), "");
  EXPECT_EQ(stream.push(ids[3]), "\xE2\x82\xAC");
  EXPECT_EQ(stream.flush(), "");

  // An incomplete character at the end becomes U+FFFD; a byte that cannot start a character
  // is replaced at once.
  EXPECT_EQ(stream.push(v.id("<0xE2>")), "");
  EXPECT_EQ(stream.push(v.id("<0x82>")), "");
  EXPECT_EQ(stream.flush(), "\xEF\xBF\xBD");
  EXPECT_EQ(stream.push(v.id("<0xFF>")), "\xEF\xBF\xBD");
  EXPECT_EQ(stream.push(v.id("<0xE2>")), "");
  EXPECT_EQ(stream.push(v.id("a")),
            "\xEF\xBF\xBD"
            "a");
  EXPECT_EQ(stream.flush(), "");
}

TEST(Spm, BosEosFollowMetadataAndDefaults) {
  SpmVocab v;
  auto tok = build(v.writer());
  // SentencePiece vocabularies add BOS by default (ids 1 and 2 unless the metadata says).
  EXPECT_TRUE(tok->add_bos());
  EXPECT_FALSE(tok->add_eos());
  EXPECT_EQ(tok->bos_id(), 1);
  EXPECT_EQ(tok->eos_id(), 2);
  EXPECT_EQ(tok->encode("a", true, false), (std::vector<int32_t>{1, v.id(std::string(kSp) + "a")}));
  EXPECT_EQ(tok->encode("", true, false), (std::vector<int32_t>{1}));

  auto w = v.writer();
  w.set_bool("tokenizer.ggml.add_bos_token", false);
  w.set_bool("tokenizer.ggml.add_eos_token", true);
  w.set_u32("tokenizer.ggml.eos_token_id", uint32_t(v.id("<|im_end|>")));
  auto tok2 = build(w);
  EXPECT_EQ(tok2->encode("a", true, false),
            (std::vector<int32_t>{v.id(std::string(kSp) + "a"), v.id("<|im_end|>")}));
  EXPECT_EQ(tok2->encode("a", false, false), (std::vector<int32_t>{v.id(std::string(kSp) + "a")}));
  EXPECT_TRUE(tok2->is_eog(v.id("<|im_end|>")));

  // Decoding keeps BOS out of the text and strips the space prefix of the first piece only.
  EXPECT_EQ(tok->decode({v.id(std::string(kSp) + "a"), v.id(std::string(kSp) + "b")}), "a b");
  EXPECT_EQ(tok->decode({1, v.id(std::string(kSp) + "a")}), " a");
  EXPECT_EQ(tok->decode({1, v.id(std::string(kSp) + "a")}, true), "<s> a");
}

TEST(Spm, SpecialTokensParsedOnlyWhenAskedLongestFirst) {
  SpmVocab v;
  auto tok = build(v.writer());
  const int32_t a = v.id(std::string(kSp) + "a"), b = v.id(std::string(kSp) + "b");
  // parse_special: the control token is one id and the text after it gets a space prefix.
  EXPECT_EQ(tok->encode("a<|im_end|>b", false, true),
            (std::vector<int32_t>{a, v.id("<|im_end|>"), b}));
  // Without it, the control token's text is ordinary text (here: byte fallback).
  const auto plain = tok->encode("a<|im_end|>b", false, false);
  EXPECT_EQ(std::count(plain.begin(), plain.end(), v.id("<|im_end|>")), 0);
  EXPECT_EQ(tok->decode(plain), "a<|im_end|>b");
  // User-defined tokens are always recognised.
  EXPECT_EQ(tok->encode("<|user|>", false, false), (std::vector<int32_t>{v.id("<|user|>")}));
  // The longest special token wins.
  EXPECT_EQ(tok->encode("<x><y>", false, true), (std::vector<int32_t>{v.id("<x><y>")}));
  EXPECT_EQ(tok->encode("<x><x><y>", false, true),
            (std::vector<int32_t>{v.id("<x>"), v.id("<x><y>")}));
  EXPECT_TRUE(tok->is_control(v.id("<|user|>")));
  EXPECT_TRUE(tok->is_control(v.id("<unk>")));
  EXPECT_FALSE(tok->is_control(a));
  EXPECT_EQ(tok->token_type(v.id("<0x41>")), TokenType::Byte);
  EXPECT_EQ(tok->token_type(v.id("<|user|>")), TokenType::UserDefined);
  EXPECT_EQ(tok->token_text(a), std::string(kSp) + "a");
  EXPECT_EQ(tok->find_token("<|im_start|>"), v.id("<|im_start|>"));
  EXPECT_EQ(tok->find_token("nope"), std::nullopt);
  // <|im_end|> ends a turn even though the metadata does not say so.
  EXPECT_TRUE(tok->is_eog(v.id("<|im_end|>")));
  EXPECT_TRUE(tok->is_eog(2));
  EXPECT_FALSE(tok->is_eog(a));
}

TEST(Spm, Phi3StripsSpacesAfterSpecialTokens) {
  SpmVocab v;
  const int32_t h = v.id(std::string(kSp) + "hi");
  // llama.cpp strips whitespace to the right of Phi-3's special tokens (by model name).
  auto phi = build(v.writer("Phi-3 mini"));
  EXPECT_EQ(phi->encode("<|im_start|>  \nhi", false, true),
            (std::vector<int32_t>{v.id("<|im_start|>"), h}));
  auto other = build(v.writer("something else"));
  EXPECT_NE(other->encode("<|im_start|>  \nhi", false, true),
            (std::vector<int32_t>{v.id("<|im_start|>"), h}));
}

TEST(Tokenizer, OutOfRangeIdsAreErrors) {
  SpmVocab v;
  auto tok = build(v.writer());
  EXPECT_THROW(tok->token_to_bytes(-1), Error);
  EXPECT_THROW(tok->token_to_bytes(tok->n_vocab()), Error);
  EXPECT_THROW(tok->token_text(tok->n_vocab()), Error);
  EXPECT_THROW(tok->decode({0, tok->n_vocab()}), Error);
  EXPECT_FALSE(tok->is_eog(-1));
  EXPECT_EQ(tok->token_type(1 << 30), TokenType::Undefined);
}

TEST(TokenizerMetadata, InconsistentMetadataIsAFormatError) {
  SpmVocab v;
  {
    auto w = v.writer();
    auto scores = v.scores;
    scores.pop_back();
    w.set_f32_array("tokenizer.ggml.scores", scores);
    EXPECT_THROW(build(w), FormatError);
  }
  {
    auto w = v.writer();
    auto types = v.types;
    types.push_back(1);
    w.set_i32_array("tokenizer.ggml.token_type", types);
    EXPECT_THROW(build(w), FormatError);
  }
  {
    auto w = v.writer();
    w.set_u32("tokenizer.ggml.bos_token_id", uint32_t(v.tokens.size()));
    EXPECT_THROW(build(w), FormatError);
  }
  {
    auto w = v.writer();
    w.set_u32("tokenizer.ggml.eos_token_id", 1000000);
    EXPECT_THROW(build(w), FormatError);
  }
  {
    auto w = v.writer();
    auto tokens = v.tokens;
    tokens[5] = tokens[6];
    w.set_string_array("tokenizer.ggml.tokens", tokens);
    EXPECT_THROW(build(w), FormatError);
  }
  {
    gguf::GgufWriter w;
    w.set_string("tokenizer.ggml.model", "llama");
    EXPECT_THROW(build(w), FormatError);  // no tokens
  }
  {
    gguf::GgufWriter w;
    w.set_string("general.name", "no tokenizer at all");
    EXPECT_THROW(build(w), FormatError);
  }
  {
    gguf::GgufWriter w;
    w.set_string("tokenizer.ggml.model", "gpt2");
    w.set_string_array("tokenizer.ggml.tokens", {"a", "b"});
    EXPECT_THROW(build(w), FormatError);  // BPE without merges
  }
  {
    gguf::GgufWriter w;
    w.set_string("tokenizer.ggml.model", "llama");
    w.set_string_array("tokenizer.ggml.tokens", {"a", "b"});
    w.set_bool("tokenizer.ggml.add_bos_token", true);  // default BOS id 1 = "b" exists: fine
    EXPECT_NO_THROW(build(w));
    w.set_string_array("tokenizer.ggml.tokens", {"a"});  // BOS id 1 does not exist
    EXPECT_THROW(build(w), FormatError);
  }
  {
    auto w = v.writer();
    w.set_string("tokenizer.ggml.tokens", "not an array");
    EXPECT_THROW(build(w), FormatError);
  }
}

TEST(TokenizerMetadata, UnsupportedKindsAreNamed) {
  for (const char* model : {"none", "no_vocab", "t5", "rwkv", "something"}) {
    gguf::GgufWriter w;
    w.set_string("tokenizer.ggml.model", model);
    w.set_string_array("tokenizer.ggml.tokens", {"a", "b"});
    try {
      build(w);
      ADD_FAILURE() << model << " accepted";
    } catch (const UnsupportedError& e) {
      EXPECT_NE(std::string(e.what()).find(model), std::string::npos) << e.what();
    }
  }
  gguf::GgufWriter w;
  w.set_string("tokenizer.ggml.model", "gpt2");
  w.set_string("tokenizer.ggml.pre", "no-such-pre-tokenizer");
  w.set_string_array("tokenizer.ggml.tokens", {"a", "b"});
  w.set_string_array("tokenizer.ggml.merges", {"a b"});
  EXPECT_THROW(build(w), UnsupportedError);
}

// A byte-level BPE vocabulary: the 256 byte symbols plus merges.
TEST(Bpe, MergesByRankAndDefaultsToNoBos) {
  std::vector<std::string> tokens;
  // GPT-2 byte symbols for the bytes used here are the printable characters themselves, and
  // U+0120 for the space.
  for (const char* t : {"a", "b", "c", "\xC4\xA0", "ab", "abc",
                        "\xC4\xA0"
                        "a",
                        "<|endoftext|>"})
    tokens.push_back(t);
  gguf::GgufWriter w;
  w.set_string("tokenizer.ggml.model", "gpt2");
  w.set_string("tokenizer.ggml.pre", "gpt-2");
  w.set_string_array("tokenizer.ggml.tokens", tokens);
  w.set_i32_array("tokenizer.ggml.token_type", {1, 1, 1, 1, 1, 1, 1, 3});
  w.set_string_array("tokenizer.ggml.merges", {"a b", "ab c", "\xC4\xA0 a"});
  w.set_u32("tokenizer.ggml.eos_token_id", 7);
  w.set_u32("tokenizer.ggml.bos_token_id", 7);
  auto tok = build(w);
  EXPECT_FALSE(tok->add_bos());
  EXPECT_EQ(tok->encode("abc", true, false), (std::vector<int32_t>{5}));
  // " abc" is one word: " a" merges last (rank 2), after "ab" (rank 0) took the 'a'.
  EXPECT_EQ(tok->encode(" abc", false, false), (std::vector<int32_t>{3, 5}));
  EXPECT_EQ(tok->encode(" a", false, false), (std::vector<int32_t>{6}));
  EXPECT_EQ(tok->decode({3, 5}), " abc");
  EXPECT_EQ(tok->encode("<|endoftext|>", false, true), (std::vector<int32_t>{7}));
  EXPECT_TRUE(tok->is_eog(7));
}

}  // namespace
}  // namespace ruvllm
