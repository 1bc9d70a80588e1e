// `ruvllm generate --json-schema / --grammar`: constrained sampling from the command line. The
// golden chat model has random weights, so only the grammar keeps its output well-formed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "structured/json_validator.h"
#include "support/golden.h"

namespace ruvllm {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string chat_model() {
  return test::golden("models/tiny-llama3-chat-q8_0.gguf").string();
}

int ruvllm(const std::string& args, std::string* out, std::string* err = nullptr) {
  return test::run_command(test::ruvllm_binary().string() + " " + args, out, err);
}

// A file in a fresh temporary directory, removed with the fixture.
class GenerateConstrained : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ruvllm-generate-test-" +
            std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p) << text;
    return p.string();
  }
  fs::path dir_;
};

const char* kSchema = R"({
  "type": "object",
  "properties": {
    "name": {"type": "string", "minLength": 1, "maxLength": 8},
    "age": {"type": "integer", "minimum": 0, "maximum": 120},
    "tags": {"type": "array", "items": {"enum": ["red", "green", "blue"]},
             "minItems": 1, "maxItems": 3}
  },
  "required": ["name", "age", "tags"],
  "additionalProperties": false
})";

TEST_F(GenerateConstrained, SchemaOutputsValidateAtTemperatureOne) {
  RUVLLM_REQUIRE_GOLDEN(chat_model());
  const std::string schema = write("schema.json", kSchema);
  const auto validator = structured::JsonSchemaValidator::compile(json::parse(kSchema));
  for (int seed = 1; seed <= 4; ++seed) {
    std::string out, err;
    ASSERT_EQ(ruvllm("generate -m '" + chat_model() + "' -p 'A person as JSON:' -n 200 --temp 1 " +
                         "--seed " + std::to_string(seed) + " -t 1 --json-schema '" + schema + "'",
                     &out, &err),
              0)
        << err << out;
    ASSERT_FALSE(out.empty());
    const json value = json::parse(out);  // stdout is the JSON and a final newline
    const auto verdict = validator.validate(value);
    EXPECT_TRUE(verdict) << out << "\n" << verdict.to_string();
  }
}

TEST_F(GenerateConstrained, GbnfGrammarLimitsTheOutput) {
  RUVLLM_REQUIRE_GOLDEN(chat_model());
  const std::string grammar =
      write("answer.gbnf", "root ::= (\"yes\" | \"no\") \" because \" [a-z]{3,6}\n");
  for (int seed = 1; seed <= 3; ++seed) {
    std::string out, err;
    ASSERT_EQ(ruvllm("generate -m '" + chat_model() + "' -p 'Answer:' -n 40 --temp 1 --seed " +
                         std::to_string(seed) + " -t 1 --grammar '" + grammar + "'",
                     &out, &err),
              0)
        << err;
    EXPECT_TRUE(out.rfind("yes because ", 0) == 0 || out.rfind("no because ", 0) == 0) << out;
    const std::string word = out.substr(out.find("because ") + 8);
    EXPECT_GE(word.size(), 4u) << out;  // 3..6 letters and the newline
    EXPECT_LE(word.size(), 7u) << out;
  }
}

TEST_F(GenerateConstrained, TruncatedOutputIsAFailure) {
  RUVLLM_REQUIRE_GOLDEN(chat_model());
  const std::string schema = write("schema.json", kSchema);
  std::string out, err;
  EXPECT_EQ(ruvllm("generate -m '" + chat_model() + "' -p 'JSON:' -n 3 --temp 1 --seed 1 -t 1 " +
                       "--json-schema '" + schema + "'",
                   &out, &err),
            1);
  EXPECT_NE(err.find("incomplete"), std::string::npos) << err;
}

TEST_F(GenerateConstrained, BadConstraintsAreUsageErrors) {
  RUVLLM_REQUIRE_GOLDEN(chat_model());
  const std::string m = " -m '" + chat_model() + "' -p x -n 4 -t 1 ";
  const std::string schema = write("schema.json", kSchema);
  const std::string not_json = write("bad.json", "{\"type\": ");
  const std::string bad_gbnf = write("bad.gbnf", "root ::= \"unterminated\n");
  const std::string unique = write("unique.json", R"({"type": "array", "uniqueItems": true})");
  std::string out, err;
  EXPECT_EQ(ruvllm("generate" + m + "--json-schema '" + not_json + "'", &out, &err), 2);
  EXPECT_NE(err.find("not JSON"), std::string::npos) << err;
  EXPECT_EQ(ruvllm("generate" + m + "--grammar '" + bad_gbnf + "'", &out, &err), 2);
  EXPECT_EQ(ruvllm("generate" + m + "--json-schema /nonexistent.json", &out, &err), 2);
  EXPECT_EQ(ruvllm("generate" + m + "--json-schema '" + schema + "' --grammar '" + bad_gbnf + "'",
                   &out, &err),
            2);
  EXPECT_EQ(ruvllm("generate" + m + "--json-schema '" + unique + "' --strict", &out, &err), 2);
  EXPECT_NE(err.find("uniqueItems"), std::string::npos) << err;
  EXPECT_EQ(ruvllm("generate" + m + "--json-schema '" + schema + "' --ignore-eos", &out, &err), 2);
}

}  // namespace
}  // namespace ruvllm
