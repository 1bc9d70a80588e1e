// ChatTemplate::from_gguf on the golden Llama 3 chat model: its embedded Llama 3.1 template and
// BOS text produce the prompt transformers would.
#include <gtest/gtest.h>

#include "chat/chat_template.h"
#include "gguf/gguf_file.h"
#include "support/golden.h"
#include "test_util.h"

namespace ruvllm::chat {
namespace {

TEST(ChatTemplateGguf, Llama3ChatModelRendersLikeTransformers) {
  const auto model = test::golden("models/tiny-llama3-chat-q8_0.gguf");
  const auto reference = test::golden("chat/meta-llama-Llama-3.1-8B-Instruct.json");
  RUVLLM_REQUIRE_GOLDEN(model);
  RUVLLM_REQUIRE_GOLDEN(reference);
  auto file = gguf::GgufFile::open(model.string());
  ChatTemplate chat = ChatTemplate::from_gguf(*file);
  EXPECT_EQ(chat.bos_token(), "<|begin_of_text|>");

  auto doc = nlohmann::ordered_json::parse(test::read_file(reference));
  const auto& the_case = doc.at("cases").at(0);  // system + user, generation prompt
  ASSERT_EQ(the_case.at("name"), "system_user");
  RenderOptions options;
  options.strftime_now = testing_util::pinned_date;
  std::string prompt = chat.apply(the_case.at("context").at("messages"), nullptr, true,
                                  nlohmann::ordered_json{{"date_string", "26 Jul 2024"}}, options);
  // The golden rendering used "<s>" as BOS; the model's BOS text replaces it.
  std::string expected = the_case.at("expected");
  ASSERT_EQ(expected.rfind("<s>", 0), 0u);
  expected = "<|begin_of_text|>" + expected.substr(3);
  EXPECT_EQ(prompt, expected);
}

}  // namespace
}  // namespace ruvllm::chat
