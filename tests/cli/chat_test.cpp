// `ruvllm chat` with piped input: each line is a user turn, replies go to stdout. The chat model
// is random (its text is noise), so the tests check the protocol: the KV cache is reused across
// turns without changing the replies, /reset and /exit work, and long histories are trimmed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "support/golden.h"

namespace ruvllm {
namespace {

namespace fs = std::filesystem;

std::string chat_model() {
  return test::golden("models/tiny-llama3-chat-q8_0.gguf").string();
}

std::string quote(const std::string& s) {
  return "'" + s + "'";
}

// Runs `ruvllm chat` on the chat model with `input` as its standard input.
int chat(const std::string& input, const std::string& args, std::string* out, std::string* err) {
  const fs::path in = fs::temp_directory_path() / ("ruvllm-chat-input-" + std::to_string(getpid()));
  std::ofstream(in, std::ios::binary) << input;
  const int status =
      test::run_command(quote(test::ruvllm_binary().string()) + " chat -m " + quote(chat_model()) +
                            " -t 1 " + args + " < " + quote(in.string()),
                        out, err);
  fs::remove(in);
  return status;
}

struct TurnStats {
  int reused;
  int evaluated;
  int reply_tokens;
};

// The "[prompt: R reused + N new tokens ...; reply: T tokens ...]" lines of --verbose.
std::vector<TurnStats> turn_stats(const std::string& err) {
  static const std::regex line(
      R"(\[prompt: (\d+) reused \+ (\d+) new tokens.*reply: (\d+) tokens)");
  std::vector<TurnStats> out;
  for (auto it = std::sregex_iterator(err.begin(), err.end(), line); it != std::sregex_iterator();
       ++it)
    out.push_back({std::stoi((*it)[1]), std::stoi((*it)[2]), std::stoi((*it)[3])});
  return out;
}

const char* const kSampling = "--seed 11 --temp 1.0 --top-k 0 --top-p 1 --min-p 0 -n 8 -v";

TEST(ChatCommand, SecondTurnReusesTheCacheAndGivesTheSameReply) {
  RUVLLM_REQUIRE_GOLDEN(chat_model());
  const std::string input = "Hello there!\nWhat is the capital of France?\n";
  std::string reused_out, reused_err, fresh_out, fresh_err;
  ASSERT_EQ(chat(input, kSampling, &reused_out, &reused_err), 0) << reused_err;
  ASSERT_EQ(chat(input, std::string(kSampling) + " --no-reuse", &fresh_out, &fresh_err), 0)
      << fresh_err;

  const auto reused = turn_stats(reused_err);
  ASSERT_EQ(reused.size(), 2u) << reused_err;
  EXPECT_EQ(reused[0].reused, 0);
  EXPECT_EQ(reused[0].reply_tokens, 8);
  // The second prompt starts with everything the first turn evaluated (its prompt, and the
  // reply as far as the template reproduces its tokens), and only the rest is evaluated.
  EXPECT_GE(reused[1].reused, reused[0].evaluated) << reused_err;
  const auto fresh = turn_stats(fresh_err);
  ASSERT_EQ(fresh.size(), 2u) << fresh_err;
  EXPECT_EQ(fresh[1].reused, 0);
  EXPECT_EQ(fresh[1].evaluated, reused[1].reused + reused[1].evaluated);

  // Reusing the cache changes nothing in the replies.
  EXPECT_EQ(reused_out, fresh_out);
  EXPECT_GE(std::count(reused_out.begin(), reused_out.end(), '\n'), 2) << reused_out;
}

TEST(ChatCommand, ResetStartsOverAndExitStops) {
  RUVLLM_REQUIRE_GOLDEN(chat_model());
  std::string one, err;
  ASSERT_EQ(chat("Hello there!\n", kSampling, &one, &err), 0) << err;
  ASSERT_FALSE(one.empty());
  std::string out;
  ASSERT_EQ(chat("Hello there!\n/reset\nHello there!\n/exit\nnever answered\n",
                 std::string(kSampling) + " --system 'Be brief.'", &out, &err),
            0)
      << err;
  const auto stats = turn_stats(err);
  ASSERT_EQ(stats.size(), 2u) << err;
  // After /reset the same question is the same prompt; the cache already holds all of it.
  EXPECT_EQ(stats[1].reused + stats[1].evaluated, stats[0].evaluated);
  EXPECT_EQ(stats[1].evaluated, 1);
  ASSERT_EQ(out.size() % 2, 0u);
  EXPECT_EQ(out.substr(0, out.size() / 2), out.substr(out.size() / 2));

  // Without the system message the first reply is the one of the plain run.
  ASSERT_EQ(chat("Hello there!\n/exit\n", kSampling, &out, &err), 0) << err;
  EXPECT_EQ(out, one);
}

TEST(ChatCommand, BackslashJoinsLinesIntoOneTurn) {
  RUVLLM_REQUIRE_GOLDEN(chat_model());
  std::string out, err;
  ASSERT_EQ(chat("first line\\\nsecond line\n", kSampling, &out, &err), 0) << err;
  EXPECT_EQ(turn_stats(err).size(), 1u) << err;
}

TEST(ChatCommand, LongConversationsDropTheOldestMessages) {
  RUVLLM_REQUIRE_GOLDEN(chat_model());
  std::string input;
  for (int i = 0; i < 6; ++i)
    input += "Tell me something about the number " + std::to_string(i) + ".\n";
  std::string out, err;
  ASSERT_EQ(chat(input, std::string(kSampling) + " --ctx 128", &out, &err), 0) << err;
  EXPECT_EQ(turn_stats(err).size(), 6u) << err;
  EXPECT_NE(err.find("dropped the 2 oldest messages"), std::string::npos) << err;
}

TEST(ChatCommand, MessageLongerThanTheContextFails) {
  RUVLLM_REQUIRE_GOLDEN(chat_model());
  std::string input;
  for (int i = 0; i < 100; ++i) input += "word ";
  std::string out, err;
  EXPECT_EQ(chat(input + "\n", std::string(kSampling) + " --ctx 64", &out, &err), 1);
  EXPECT_NE(err.find("does not fit the context"), std::string::npos) << err;
}

TEST(ChatCommand, ChatTemplateFileOverridesTheModels) {
  RUVLLM_REQUIRE_GOLDEN(chat_model());
  const fs::path path =
      fs::temp_directory_path() / ("ruvllm-chat-template-" + std::to_string(getpid()));
  std::ofstream(path) << "{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}"
                         "{% if add_generation_prompt %}assistant:{% endif %}";
  std::string out, err;
  ASSERT_EQ(
      chat("hi\n", std::string(kSampling) + " --chat-template " + quote(path.string()), &out, &err),
      0)
      << err;
  const auto stats = turn_stats(err);
  ASSERT_EQ(stats.size(), 1u) << err;
  // BOS, "user", ":", " hi", "\n", "assistant", ":" — far fewer than the Llama 3 header.
  EXPECT_LT(stats[0].evaluated, 12) << err;
  fs::remove(path);

  EXPECT_EQ(chat("hi\n", "--chat-template /nonexistent/template.jinja", &out, &err), 2);
  EXPECT_NE(err.find("/nonexistent/template.jinja"), std::string::npos) << err;
}

TEST(ChatCommand, MissingModelIsAnInputError) {
  std::string out, err;
  EXPECT_EQ(test::run_command(quote(test::ruvllm_binary().string()) +
                                  " chat -m /nonexistent/model.gguf < /dev/null",
                              &out, &err),
            2);
  EXPECT_NE(err.find("/nonexistent/model.gguf"), std::string::npos) << err;
}

}  // namespace
}  // namespace ruvllm
