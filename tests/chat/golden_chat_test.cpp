// Every case in golden/chat/*.json (real chat templates rendered by Python Jinja2 the way
// transformers does) must render byte-for-byte, or raise the recorded error. New files in the
// folder are picked up automatically: one test per (file, case).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "chat/template.h"
#include "support/golden.h"

namespace {

using nlohmann::ordered_json;

struct GoldenCase {
  std::string file;  // empty: the golden folder is missing
  std::string name;
};

std::vector<GoldenCase> discover_cases() {
  std::vector<GoldenCase> cases;
  auto dir = ruvllm::test::golden("chat");
  if (!std::filesystem::exists(dir)) return {GoldenCase{}};
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    auto doc = ordered_json::parse(ruvllm::test::read_file(f));
    for (const auto& c : doc.at("cases"))
      cases.push_back(GoldenCase{f.filename().string(), c.at("name").get<std::string>()});
  }
  return cases;
}

std::string test_name(const testing::TestParamInfo<GoldenCase>& info) {
  if (info.param.file.empty()) return "golden_missing";
  std::string n = info.param.file.substr(0, info.param.file.size() - 5) + "_" + info.param.name;
  for (auto& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}

// The golden environment pins strftime_now to this date.
std::string pinned_date(const std::string&) {
  return "26 Jul 2024";
}

class GoldenChatTest : public testing::TestWithParam<GoldenCase> {};

TEST_P(GoldenChatTest, RendersLikeJinja2) {
  const GoldenCase& gc = GetParam();
  if (gc.file.empty()) {
    RUVLLM_REQUIRE_GOLDEN(ruvllm::test::golden("chat"));
    return;
  }
  auto doc = ordered_json::parse(ruvllm::test::read_file(ruvllm::test::golden("chat/" + gc.file)));
  const ordered_json* the_case = nullptr;
  for (const auto& c : doc.at("cases"))
    if (c.at("name") == gc.name) the_case = &c;
  ASSERT_NE(the_case, nullptr);

  ruvllm::chat::RenderOptions options;
  options.strftime_now = pinned_date;
  std::string rendered;
  std::string error;
  try {
    auto tmpl = ruvllm::chat::Template::parse(doc.at("template").get<std::string>());
    rendered = tmpl.render(the_case->at("context"), options);
  } catch (const ruvllm::chat::TemplateError& e) {
    error = e.what();
  }
  if (the_case->contains("expected_error")) {
    EXPECT_EQ(error, the_case->at("expected_error").get<std::string>()) << "rendered instead:\n"
                                                                        << rendered;
  } else {
    ASSERT_EQ(error, "") << "template raised";
    EXPECT_EQ(rendered, the_case->at("expected").get<std::string>());
  }
}

INSTANTIATE_TEST_SUITE_P(Golden, GoldenChatTest, testing::ValuesIn(discover_cases()), test_name);

}  // namespace
