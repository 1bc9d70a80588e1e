// The grammar-bench command, run as a user would run it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "support/golden.h"

namespace ruvllm {
namespace {

namespace fs = std::filesystem;

std::string llama3_vocab() {
  return test::golden("tokenizer/ggml-vocab-llama-bpe.gguf").string();
}

int ruvllm(const std::string& args, std::string* out, std::string* err = nullptr) {
  return test::run_command(test::ruvllm_binary().string() + " " + args, out, err);
}

fs::path temp_dir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("ruvllm-grammar-bench-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void write(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

TEST(CliGrammarBench, WalksRandomOutputsOfASchema) {
  RUVLLM_REQUIRE_GOLDEN(llama3_vocab());
  const fs::path dir = temp_dir("walk");
  write(
      dir / "schema.json",
      R"({"type":"object","properties":{"name":{"type":"string","maxLength":8},"age":{"type":"integer","minimum":0,"maximum":150}},"required":["name","age"],"additionalProperties":false})");
  std::string out, err;
  ASSERT_EQ(ruvllm("grammar-bench --vocab '" + llama3_vocab() + "' --json-schema '" +
                       (dir / "schema.json").string() + "' --tokens 60 --json",
                   &out, &err),
            0)
      << err;
  const auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j.at("masks").get<int>(), 60);
  EXPECT_GT(j.at("mask_p50_us").get<double>(), 0.0);
  EXPECT_GT(j.at("compile_us").get<double>(), 0.0);
}

TEST(CliGrammarBench, RunsTheMaskBenchProtocol) {
  RUVLLM_REQUIRE_GOLDEN(llama3_vocab());
  const fs::path dir = temp_dir("maskbench");
  write(dir / "a.json",
        R"({"schema": {"type":"object","properties":{"x":{"type":"integer"}},"required":["x"]},
    "tests": [{"valid": true, "text": "{\"x\": 12}"}, {"valid": false, "text": "{\"x\": \"12\"}"},
              {"valid": false, "text": "{}"}]})");
  write(dir / "b.json", R"({"schema": {"type":"strin"}, "tests": []})");  // does not compile
  std::string out, err;
  ASSERT_EQ(ruvllm("grammar-bench --vocab '" + llama3_vocab() + "' --maskbench '" + dir.string() +
                       "' --json",
                   &out, &err),
            0)
      << err;
  const auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j.at("schemas").get<int>(), 2);
  EXPECT_EQ(j.at("compiled").get<int>(), 1);
  EXPECT_EQ(j.at("passing").get<int>(), 1);
  EXPECT_EQ(j.at("valid_rejected").get<int>(), 0);
  EXPECT_EQ(j.at("invalid_accepted").get<int>(), 0);
  for (const char* key : {"tbm_p50_us", "tbm_p99_us", "ttfm_p50_us", "ttfm_p99_us"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
}

TEST(CliGrammarBench, BadInputIsAUsageError) {
  RUVLLM_REQUIRE_GOLDEN(llama3_vocab());
  const fs::path dir = temp_dir("bad");
  write(dir / "bad.gbnf", "root ::= (\"a\"");
  std::string out, err;
  EXPECT_EQ(ruvllm("grammar-bench --vocab '" + llama3_vocab() + "' --grammar '" +
                       (dir / "bad.gbnf").string() + "'",
                   &out, &err),
            2);
  EXPECT_NE(err.find("expected ')'"), std::string::npos) << err;
  EXPECT_EQ(ruvllm("grammar-bench --vocab '" + llama3_vocab() + "'", &out, &err), 2);
}

}  // namespace
}  // namespace ruvllm
