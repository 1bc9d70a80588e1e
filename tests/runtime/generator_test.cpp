#include "runtime/generator.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/model.h"
#include "support/golden.h"
#include "tokenizer/tokenizer.h"

namespace ruvllm {
namespace {

struct Stories {
  std::shared_ptr<const Model> model;
  std::unique_ptr<Tokenizer> tokenizer;
  std::vector<int32_t> prompt;
  std::vector<int32_t> greedy;
  std::string greedy_text;
};

Stories load_stories() {
  Stories s;
  s.model = Model::load(test::golden("models/stories260Ktok512.gguf").string());
  s.tokenizer = Tokenizer::from_gguf(s.model->file());
  auto j = nlohmann::json::parse(test::read_file(test::golden("logits/stories260Ktok512.p1.json")));
  for (int t : j["prompt_tokens"]) s.prompt.push_back(t);
  for (int t : j["greedy_tokens"]) s.greedy.push_back(t);
  s.greedy_text = j["greedy_text"].get<std::string>();
  return s;
}

GenerationParams greedy_params(int32_t max_tokens) {
  GenerationParams p;
  p.max_tokens = max_tokens;
  p.sampling.temperature = 0;
  return p;
}

TEST(Generator, GreedyReproducesLlamaCppTokensAndStreamsTheirText) {
  RUVLLM_REQUIRE_GOLDEN(test::golden("models/stories260Ktok512.gguf"));
  Stories s = load_stories();
  Session session(s.model, {}, nullptr);
  Generator gen(session, *s.tokenizer);
  std::string streamed;
  auto r =
      gen.generate(s.prompt, greedy_params(int32_t(s.greedy.size())), [&](std::string_view piece) {
        streamed += piece;
        return true;
      });
  EXPECT_EQ(r.tokens, s.greedy);
  EXPECT_EQ(r.finish, FinishReason::MaxTokens);
  EXPECT_EQ(r.text, s.greedy_text);
  EXPECT_EQ(streamed, r.text);
  EXPECT_EQ(r.n_prompt, int64_t(s.prompt.size()));
  // The last generated token is sampled but not evaluated.
  EXPECT_EQ(session.n_past(), int64_t(s.prompt.size() + s.greedy.size() - 1));
}

TEST(Generator, TokenizerEncodesThePromptAsLlamaCppDid) {
  RUVLLM_REQUIRE_GOLDEN(test::golden("models/stories260Ktok512.gguf"));
  Stories s = load_stories();
  EXPECT_EQ(s.tokenizer->encode("Once upon a time, a little robot", true, false), s.prompt);
}

TEST(Generator, StopStringSplitAcrossTokensEndsGenerationAndIsNotShown) {
  RUVLLM_REQUIRE_GOLDEN(test::golden("models/stories260Ktok512.gguf"));
  Stories s = load_stories();
  // " Benny loved" spans several tokens in the greedy continuation.
  const std::string stop = "y loved to";
  const size_t at = s.greedy_text.find(stop);
  ASSERT_NE(at, std::string::npos);
  Session session(s.model, {}, nullptr);
  Generator gen(session, *s.tokenizer);
  auto params = greedy_params(32);
  params.stop = {"never appears", stop};
  std::string streamed;
  auto r = gen.generate(s.prompt, params, [&](std::string_view piece) {
    streamed += piece;
    return true;
  });
  EXPECT_EQ(r.finish, FinishReason::StopString);
  EXPECT_EQ(r.stop_string, stop);
  EXPECT_EQ(r.text, s.greedy_text.substr(0, at));
  EXPECT_EQ(streamed, r.text);
  EXPECT_LT(r.tokens.size(), s.greedy.size());
}

TEST(Generator, CallbackCanCancel) {
  RUVLLM_REQUIRE_GOLDEN(test::golden("models/stories260Ktok512.gguf"));
  Stories s = load_stories();
  Session session(s.model, {}, nullptr);
  Generator gen(session, *s.tokenizer);
  int calls = 0;
  auto r = gen.generate(s.prompt, greedy_params(32), {}, [&](int32_t) { return ++calls < 3; });
  EXPECT_EQ(r.finish, FinishReason::Cancelled);
  EXPECT_EQ(r.tokens.size(), 3u);
}

TEST(Generator, StopsWhenTheContextIsFull) {
  RUVLLM_REQUIRE_GOLDEN(test::golden("models/stories260Ktok512.gguf"));
  Stories s = load_stories();
  Session session(s.model, SessionParams{.n_ctx = 16}, nullptr);
  Generator gen(session, *s.tokenizer);
  auto r = gen.generate(s.prompt, greedy_params(-1));
  EXPECT_EQ(r.finish, FinishReason::ContextFull);
  EXPECT_EQ(session.n_past(), 16);
  // The same tokens as unconstrained greedy generation, up to the limit.
  ASSERT_EQ(r.tokens.size(), 16u - s.prompt.size() + 1);
  EXPECT_TRUE(std::equal(r.tokens.begin(), r.tokens.end(), s.greedy.begin()));
}

TEST(Generator, SeededSamplingIsReproducible) {
  RUVLLM_REQUIRE_GOLDEN(test::golden("models/stories260Ktok512.gguf"));
  Stories s = load_stories();
  GenerationParams p;
  p.max_tokens = 20;
  p.sampling.temperature = 1.0f;
  p.sampling.seed = 1234;
  std::vector<int32_t> first;
  for (int run = 0; run < 2; ++run) {
    Session session(s.model, {}, nullptr);
    Generator gen(session, *s.tokenizer);
    auto r = gen.generate(s.prompt, p);
    if (run == 0)
      first = r.tokens;
    else
      EXPECT_EQ(r.tokens, first);
  }
  EXPECT_EQ(first.size(), 20u);
}

TEST(StopStringFilter, HoldsBackPossiblePrefixesOnly) {
  std::vector<std::string> stops = {"</end>", "STOP"};
  StopStringFilter f(stops);
  EXPECT_EQ(f.push("hello <"), "hello ");
  EXPECT_EQ(f.push("/e"), "");
  EXPECT_EQ(f.push("x"), "</ex");  // not a stop string after all
  EXPECT_EQ(f.push("ST"), "");
  EXPECT_EQ(f.push("OP and more"), "");
  EXPECT_TRUE(f.matched());
  EXPECT_EQ(f.matched_string(), "STOP");
  EXPECT_EQ(f.push("ignored"), "");
  EXPECT_EQ(f.flush(), "");
}

TEST(StopStringFilter, FlushReleasesAnUnfinishedPrefix) {
  std::vector<std::string> stops = {"###"};
  StopStringFilter f(stops);
  EXPECT_EQ(f.push("a##"), "a");
  EXPECT_FALSE(f.matched());
  EXPECT_EQ(f.flush(), "##");
}

TEST(StopStringFilter, EarliestStopWins) {
  std::vector<std::string> stops = {"cd", "b"};
  StopStringFilter f(stops);
  EXPECT_EQ(f.push("abcd"), "a");
  EXPECT_EQ(f.matched_string(), "b");
}

}  // namespace
}  // namespace ruvllm
