// The info, generate and logits commands, run as a user would run them.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gguf/gguf_writer.h"
#include "support/golden.h"

namespace ruvllm {
namespace {

namespace fs = std::filesystem;

std::string stories() {
  return test::golden("models/stories260Ktok512.gguf").string();
}

int ruvllm(const std::string& args, std::string* out, std::string* err = nullptr) {
  return test::run_command(test::ruvllm_binary().string() + " " + args, out, err);
}

std::string quote(const std::string& s) {
  return "'" + s + "'";
}

nlohmann::json stories_case() {
  return nlohmann::json::parse(test::read_file(test::golden("logits/stories260Ktok512.p1.json")));
}

TEST(CliInfo, DescribesHyperParametersVocabularyAndTensors) {
  RUVLLM_REQUIRE_GOLDEN(stories());
  std::string out, err;
  ASSERT_EQ(ruvllm("info " + quote(stories()), &out, &err), 0) << err;
  for (const char* expected :
       {"architecture:  llama", "embedding_length    64", "block_count         5",
        "head_count_kv       4", "vocabulary:    512 tokens, type llama",
        "rope                normal, 8 dims", "tensors:       48,", "f32         48 tensors",
        "blk.4.ffn_down.weight", "[172, 64]"})
    EXPECT_NE(out.find(expected), std::string::npos) << expected << "\n" << out;
}

TEST(CliInfo, MissingFileIsAnInputError) {
  std::string out, err;
  EXPECT_EQ(ruvllm("info /nonexistent/model.gguf", &out, &err), 2);
  EXPECT_NE(err.find("/nonexistent/model.gguf"), std::string::npos) << err;
}

TEST(CliInfo, UnknownArchitectureStillListsTensors) {
  const fs::path path = fs::temp_directory_path() / "ruvllm-cli-unknown-arch.gguf";
  gguf::GgufWriter w;
  w.set_string("general.architecture", "mamba9");
  w.add_tensor("some.weight", GgmlType::F32, {4}, std::string(16, '\0'));
  w.write(path.string());
  std::string out, err;
  EXPECT_EQ(ruvllm("info " + quote(path.string()), &out, &err), 2);
  EXPECT_NE(out.find("unknown model architecture 'mamba9'"), std::string::npos) << out;
  EXPECT_NE(out.find("some.weight"), std::string::npos) << out;
  fs::remove(path);
}

TEST(CliGenerate, GreedyStreamsLlamaCppsContinuationAndReportsSpeed) {
  RUVLLM_REQUIRE_GOLDEN(stories());
  auto j = stories_case();
  std::string out, err;
  ASSERT_EQ(ruvllm("generate -m " + quote(stories()) + " -p " + quote(j["prompt"]) +
                       " -n 32 --temp 0 -t 1",
                   &out, &err),
            0)
      << err;
  EXPECT_EQ(out, j["greedy_text"].get<std::string>() + "\n");
  EXPECT_NE(err.find("prompt: 12 tokens"), std::string::npos) << err;
  EXPECT_NE(err.find("decode: 32 tokens"), std::string::npos) << err;
  EXPECT_NE(err.find("tok/s"), std::string::npos) << err;
}

TEST(CliGenerate, SeedMakesSamplingReproducible) {
  RUVLLM_REQUIRE_GOLDEN(stories());
  std::string a, b;
  const std::string cmd =
      "generate -m " + quote(stories()) +
      " -p 'Once upon a time' -n 16 --temp 1.0 --top-k 0 --top-p 1 --min-p 0 --seed 7";
  ASSERT_EQ(ruvllm(cmd, &a), 0);
  ASSERT_EQ(ruvllm(cmd, &b), 0);
  EXPECT_EQ(a, b);
  EXPECT_GT(a.size(), 1u);
}

TEST(CliGenerate, UsageErrors) {
  RUVLLM_REQUIRE_GOLDEN(stories());
  std::string out, err;
  EXPECT_EQ(ruvllm("generate -m " + quote(stories()), &out, &err), 2);
  EXPECT_EQ(ruvllm("generate -p hi", &out, &err), 2);
  EXPECT_EQ(ruvllm("generate -m /nonexistent.gguf -p hi", &out, &err), 2);
  EXPECT_EQ(ruvllm("generate -m " + quote(stories()) + " -p hi --kv-type q9", &out, &err), 2);
}

TEST(CliLogits, WritesRowsMatchingTheReference) {
  RUVLLM_REQUIRE_GOLDEN(stories());
  auto j = stories_case();
  std::string ids;
  std::vector<int> tokens;
  for (int t : j["prompt_tokens"]) tokens.push_back(t);
  for (int t : j["greedy_tokens"]) tokens.push_back(t);
  for (int t : tokens) ids += (ids.empty() ? "" : ",") + std::to_string(t);
  const fs::path out_path = fs::temp_directory_path() / "ruvllm-cli-logits.f32";
  std::string out, err;
  ASSERT_EQ(ruvllm("logits -m " + quote(stories()) + " --tokens " + ids + " -o " +
                       quote(out_path.string()) + " -t 2",
                   &out, &err),
            0)
      << err;
  const std::string got = test::read_file(out_path);
  const std::string ref = test::read_file(test::golden("logits/stories260Ktok512.p1.logits.f32"));
  ASSERT_EQ(got.size(), ref.size());
  const size_t n_vocab = 512, rows = tokens.size();
  ASSERT_EQ(ref.size(), rows * n_vocab * 4);
  std::vector<float> g(rows * n_vocab), r(rows * n_vocab);
  std::memcpy(g.data(), got.data(), got.size());
  std::memcpy(r.data(), ref.data(), ref.size());
  for (size_t row = 0; row < rows; ++row) {
    double mean = 0, var = 0, max_diff = 0;
    for (size_t i = 0; i < n_vocab; ++i) mean += r[row * n_vocab + i] / double(n_vocab);
    for (size_t i = 0; i < n_vocab; ++i) {
      const double d = r[row * n_vocab + i] - mean;
      var += d * d / double(n_vocab);
      max_diff = std::max(max_diff, double(std::fabs(g[row * n_vocab + i] - r[row * n_vocab + i])));
    }
    EXPECT_LE(max_diff / std::sqrt(var), 0.005) << "row " << row;
  }
  fs::remove(out_path);
}

TEST(CliLogits, RejectsBadTokenLists) {
  RUVLLM_REQUIRE_GOLDEN(stories());
  std::string out, err;
  const std::string base =
      "logits -m " + quote(stories()) + " -o /tmp/ruvllm-cli-bad.f32 --tokens ";
  EXPECT_EQ(ruvllm(base + "1,x", &out, &err), 2);
  EXPECT_NE(err.find("'x' is not a token id"), std::string::npos) << err;
  EXPECT_EQ(ruvllm(base + "1,512", &out, &err), 2);
  EXPECT_NE(err.find("outside the vocabulary"), std::string::npos) << err;
  EXPECT_EQ(ruvllm(base + "''", &out, &err), 2);
}

}  // namespace
}  // namespace ruvllm
