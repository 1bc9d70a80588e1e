// `ruvllm tokenize` against llama.cpp's tokenization of the reference prompts.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/golden.h"

namespace ruvllm {
namespace {

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'')
      q += "'\\''";
    else
      q.push_back(c);
  }
  return q + "'";
}

std::vector<int> parse_ids(const std::string& out) {
  auto j = nlohmann::json::parse(out);
  return j.get<std::vector<int>>();
}

TEST(CliTokenize, MatchesLlamaCppPromptTokens) {
  const auto model = test::golden("models/stories260Ktok512.gguf");
  const auto ref = test::golden("logits/stories260Ktok512.p1.json");
  RUVLLM_REQUIRE_GOLDEN(model);
  RUVLLM_REQUIRE_GOLDEN(ref);
  const auto expected = nlohmann::json::parse(test::read_file(ref));
  const std::string prompt = expected.at("prompt");
  std::string out, err;
  int rc = test::run_command(test::ruvllm_binary().string() + " tokenize -m " +
                                 quote(model.string()) + " " + quote(prompt),
                             &out, &err);
  ASSERT_EQ(rc, 0) << err;
  // One line holding a JSON array, e.g. [1, 403, 407].
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.find('\n'), out.size() - 1);
  EXPECT_EQ(out.rfind("[1, 403, 407", 0), 0u) << out;
  EXPECT_EQ(parse_ids(out), expected.at("prompt_tokens").get<std::vector<int>>());
}

TEST(CliTokenize, NoBosAndSpecialFlags) {
  const auto model = test::golden("models/tiny-llama3-chat-q8_0.gguf");
  RUVLLM_REQUIRE_GOLDEN(model);
  const std::string bin = test::ruvllm_binary().string() + " tokenize -m " + quote(model.string());
  std::string out, err;
  ASSERT_EQ(test::run_command(bin + " 'Hello<|eot_id|>'", &out, &err), 0) << err;
  const auto with_bos = parse_ids(out);
  ASSERT_FALSE(with_bos.empty());
  EXPECT_EQ(with_bos.front(), 128000);
  // Without --special the control token's text is ordinary text.
  EXPECT_EQ(std::count(with_bos.begin(), with_bos.end(), 128009), 0);

  ASSERT_EQ(test::run_command(bin + " --no-bos --special 'Hello<|eot_id|>'", &out, &err), 0) << err;
  EXPECT_EQ(parse_ids(out), (std::vector<int>{9906, 128009}));
}

TEST(CliTokenize, BadInputIsAUsageError) {
  std::string out, err;
  const std::string bin = test::ruvllm_binary().string() + " tokenize";
  EXPECT_EQ(test::run_command(bin + " 'no model given'", &out, &err), 2);
  EXPECT_EQ(test::run_command(bin + " -m /nonexistent/model.gguf hello", &out, &err), 2);
  EXPECT_NE(err.find("nonexistent"), std::string::npos) << err;
}

}  // namespace
}  // namespace ruvllm
