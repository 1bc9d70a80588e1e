// `ruvllm render-template` on a golden chat case: exact output, and exit 2 with the message when
// the template raises.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/golden.h"

namespace ruvllm {
namespace {

using nlohmann::ordered_json;

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

// Writes the template and one case's context of a golden file to temporary files.
struct CaseFiles {
  std::filesystem::path template_path, context_path;
  ordered_json the_case;

  CaseFiles(const std::filesystem::path& golden_file, const std::string& case_name) {
    auto doc = ordered_json::parse(test::read_file(golden_file));
    for (const auto& c : doc.at("cases"))
      if (c.at("name") == case_name) the_case = c;
    auto dir = std::filesystem::temp_directory_path();
    std::string stem = "ruvllm-render-" + std::to_string(::getpid()) + "-" + case_name;
    template_path = dir / (stem + ".jinja");
    context_path = dir / (stem + ".json");
    std::ofstream(template_path, std::ios::binary) << doc.at("template").get<std::string>();
    std::ofstream(context_path, std::ios::binary) << the_case.at("context").dump();
  }
  ~CaseFiles() {
    std::filesystem::remove(template_path);
    std::filesystem::remove(context_path);
  }

  std::string command() const {
    return test::ruvllm_binary().string() + " render-template --template " +
           quote(template_path.string()) + " --context " + quote(context_path.string()) +
           " --strftime-now '26 Jul 2024'";
  }
};

TEST(CliRenderTemplate, RendersGoldenCaseExactly) {
  const auto file = test::golden("chat/Qwen-Qwen2.5-7B-Instruct.json");
  RUVLLM_REQUIRE_GOLDEN(file);
  CaseFiles files(file, "tool_round_trip");
  ASSERT_TRUE(files.the_case.contains("expected"));
  std::string out, err;
  int rc = test::run_command(files.command(), &out, &err);
  ASSERT_EQ(rc, 0) << err;
  EXPECT_EQ(out, files.the_case.at("expected").get<std::string>());  // no extra newline
}

TEST(CliRenderTemplate, TemplateErrorExitsTwoWithMessage) {
  const auto file = test::golden("chat/google-gemma-2-2b-it.json");
  RUVLLM_REQUIRE_GOLDEN(file);
  CaseFiles files(file, "system_user");
  ASSERT_TRUE(files.the_case.contains("expected_error"));
  std::string out, err;
  int rc = test::run_command(files.command(), &out, &err);
  EXPECT_EQ(rc, 2);
  EXPECT_EQ(out, "");
  EXPECT_NE(err.find(files.the_case.at("expected_error").get<std::string>()), std::string::npos)
      << err;
}

TEST(CliRenderTemplate, MissingContextFileIsUsageError) {
  std::string out, err;
  int rc = test::run_command(test::ruvllm_binary().string() +
                                 " render-template --template /nonexistent.jinja --context "
                                 "/nonexistent.json",
                             &out, &err);
  EXPECT_EQ(rc, 2);
  EXPECT_NE(err.find("cannot read"), std::string::npos) << err;
}

}  // namespace
}  // namespace ruvllm
