// The tokenizers of the golden models: llama.cpp's tokenization of the reference prompts, the
// text of the reference generations, and the chat models' special tokens.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

#include "gguf/gguf_file.h"
#include "support/golden.h"
#include "tokenizer/tokenizer.h"

namespace ruvllm {
namespace {

std::unique_ptr<Tokenizer> load(const std::filesystem::path& path) {
  auto file = gguf::GgufFile::open(path.string());
  return Tokenizer::from_gguf(*file);
}

// Every logits/NAME.pK.json: the prompt tokenizes to prompt_tokens, and the greedy tokens,
// decoded piece by piece as a stream, give greedy_text (invalid UTF-8 replaced by U+FFFD).
TEST(GoldenModels, PromptsAndGenerationsMatchLlamaCpp) {
  const auto dir = test::golden("logits");
  RUVLLM_REQUIRE_GOLDEN(dir);
  size_t checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    SCOPED_TRACE(entry.path().filename().string());
    const auto ref = nlohmann::json::parse(test::read_file(entry.path()));
    const auto model = test::golden("models/" + ref.at("model").get<std::string>());
    ASSERT_TRUE(std::filesystem::exists(model)) << model;
    auto tok = load(model);
    EXPECT_EQ(tok->n_vocab(), ref.at("n_vocab").get<int>());
    const auto expected = ref.at("prompt_tokens").get<std::vector<int32_t>>();
    EXPECT_EQ(
        tok->encode(ref.at("prompt").get<std::string>(), ref.at("add_bos").get<bool>(), false),
        expected);

    StreamDecoder stream(*tok);
    std::string text;
    for (int32_t id : ref.at("greedy_tokens").get<std::vector<int32_t>>()) text += stream.push(id);
    text += stream.flush();
    EXPECT_EQ(text, ref.at("greedy_text").get<std::string>());
    ++checked;
  }
  EXPECT_GT(checked, 0u);
}

TEST(GoldenModels, Llama3ChatSpecialTokens) {
  const auto path = test::golden("models/tiny-llama3-chat-q8_0.gguf");
  RUVLLM_REQUIRE_GOLDEN(path);
  auto tok = load(path);
  EXPECT_EQ(tok->n_vocab(), 128256);
  EXPECT_EQ(tok->find_token("<|eot_id|>"), 128009);
  EXPECT_TRUE(tok->is_eog(128009));
  EXPECT_TRUE(tok->is_eog(tok->eos_id()));
  EXPECT_FALSE(tok->is_eog(tok->bos_id()));
  EXPECT_FALSE(tok->is_eog(9906));  // "Hello"
  EXPECT_EQ(tok->bos_id(), 128000);
  EXPECT_TRUE(tok->add_bos());
  EXPECT_TRUE(tok->is_control(128009));
  EXPECT_EQ(tok->token_type(128009), TokenType::Control);

  const std::string prompt =
      "<|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|><|start_header_id|>"
      "assistant<|end_header_id|>\n\n";
  const auto ids = tok->encode(prompt, true, true);
  ASSERT_GE(ids.size(), 8u);
  EXPECT_EQ(ids[0], 128000);
  EXPECT_EQ(ids[1], *tok->find_token("<|start_header_id|>"));
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 128009), 1);
  // Control tokens render only when asked.
  EXPECT_EQ(tok->decode(ids, true), "<|begin_of_text|>" + prompt);
  EXPECT_EQ(tok->decode(ids, false), "user\n\nHi thereassistant\n\n");
  EXPECT_EQ(tok->token_to_bytes(128009), "");
  EXPECT_EQ(tok->token_to_bytes(128009, true), "<|eot_id|>");
  // Without parse_special the same text is ordinary text.
  const auto plain = tok->encode(prompt, false, false);
  EXPECT_EQ(std::count(plain.begin(), plain.end(), 128009), 0);
  EXPECT_EQ(tok->decode(plain), prompt);
}

TEST(GoldenModels, Phi3ChatSpecialTokens) {
  const auto path = test::golden("models/tiny-phi3-chat-q8_0.gguf");
  RUVLLM_REQUIRE_GOLDEN(path);
  auto tok = load(path);
  EXPECT_EQ(tok->n_vocab(), 32064);
  EXPECT_EQ(tok->find_token("<|end|>"), 32007);
  EXPECT_TRUE(tok->is_eog(32007));
  EXPECT_TRUE(tok->is_eog(tok->eos_id()));
  EXPECT_EQ(tok->bos_id(), 1);
  const auto ids = tok->encode("<|user|>\nHello<|end|>\n<|assistant|>\n", true, true);
  ASSERT_GE(ids.size(), 4u);
  EXPECT_EQ(ids[0], 1);
  EXPECT_EQ(ids[1], *tok->find_token("<|user|>"));
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 32007), 1);
}

}  // namespace
}  // namespace ruvllm
