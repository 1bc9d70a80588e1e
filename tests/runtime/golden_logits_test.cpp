// Every golden model with reference logits, teacher-forced: prompt_tokens then greedy_tokens,
// compared row by row with llama.cpp's logits within the README's band. Both evaluation paths
// are checked: the whole sequence as one batch, and one token at a time (decode).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "model/model.h"
#include "runtime/session.h"
#include "support/golden.h"

namespace ruvllm {
namespace {

namespace fs = std::filesystem;

struct GoldenCase {
  std::string model;   // file stem, e.g. "tiny-llama-f32"
  std::string prompt;  // "p1" or "p2"
};

std::string case_name(const testing::TestParamInfo<GoldenCase>& info) {
  std::string s = info.param.model + "_" + info.param.prompt;
  for (char& ch : s)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return s;
}

// Models with both .p1 and .p2 logits files (found at test start-up, so new models are tested
// without touching this file).
std::vector<GoldenCase> find_cases() {
  std::vector<GoldenCase> cases;
  const fs::path dir = test::golden("logits");
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return cases;
  std::vector<std::string> models;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    const std::string suffix = ".p1.logits.f32";
    if (name.size() > suffix.size() && name.ends_with(suffix)) {
      const std::string stem = name.substr(0, name.size() - suffix.size());
      if (fs::exists(dir / (stem + ".p2.logits.f32"))) models.push_back(stem);
    }
  }
  std::sort(models.begin(), models.end());
  for (const auto& m : models)
    for (const char* p : {"p1", "p2"}) cases.push_back({m, p});
  return cases;
}

enum class Precision { Float, BFloat, Quantized };

// The tolerance class of a model: the lossiest type among its matrices.
Precision precision_of(const Model& model) {
  Precision p = Precision::Float;
  for (const auto& t : model.file().tensors()) {
    if (t.dims.size() < 2) continue;
    if (ggml_traits(t.type).quantized) return Precision::Quantized;
    if (t.type == GgmlType::BF16) p = Precision::BFloat;
  }
  return p;
}

struct RowStats {
  double worst_rel = 0;  // max over rows of max|d| / std(reference row)
  int worst_row = -1;
  int top1_agree = 0;
};

RowStats compare(const std::vector<float>& got, const std::vector<float>& ref, int64_t n_vocab) {
  RowStats s;
  const int64_t rows = int64_t(ref.size()) / n_vocab;
  for (int64_t r = 0; r < rows; ++r) {
    const float* g = got.data() + r * n_vocab;
    const float* e = ref.data() + r * n_vocab;
    double mean = 0, var = 0, max_diff = 0;
    for (int64_t i = 0; i < n_vocab; ++i) mean += e[i];
    mean /= double(n_vocab);
    for (int64_t i = 0; i < n_vocab; ++i) {
      var += (e[i] - mean) * (e[i] - mean);
      max_diff = std::max(max_diff, double(std::fabs(g[i] - e[i])));
    }
    const double rel = max_diff / std::sqrt(var / double(n_vocab));
    if (!(rel <= s.worst_rel)) {  // also catches NaN
      s.worst_rel = std::isnan(rel) ? 1e30 : rel;
      s.worst_row = int(r);
    }
    s.top1_agree += std::max_element(g, g + n_vocab) == g + (std::max_element(e, e + n_vocab) - e);
  }
  return s;
}

class GoldenLogits : public testing::TestWithParam<GoldenCase> {
 protected:
  void SetUp() override {
    const GoldenCase& c = GetParam();
    const fs::path json_path = test::golden("logits/" + c.model + "." + c.prompt + ".json");
    model_path_ = test::golden("models/" + c.model + ".gguf");
    RUVLLM_REQUIRE_GOLDEN(model_path_);
    auto j = nlohmann::json::parse(test::read_file(json_path));
    for (int t : j["prompt_tokens"]) tokens_.push_back(t);
    for (int t : j["greedy_tokens"]) tokens_.push_back(t);
    n_vocab_ = j["n_vocab"].get<int64_t>();
    const std::string bytes =
        test::read_file(test::golden("logits/" + c.model + "." + c.prompt + ".logits.f32"));
    ref_.resize(bytes.size() / 4);
    std::memcpy(ref_.data(), bytes.data(), ref_.size() * 4);
    ASSERT_EQ(int64_t(ref_.size()), int64_t(tokens_.size()) * n_vocab_);
  }

  void check(const std::vector<float>& got, const Model& model, const char* path) {
    const Precision p = precision_of(model);
    const double tol = p == Precision::Float ? 0.005 : p == Precision::BFloat ? 0.022 : 0.10;
    const RowStats s = compare(got, ref_, n_vocab_);
    const int rows = int(tokens_.size());
    EXPECT_LE(s.worst_rel, tol) << path << ": worst row " << s.worst_row << " of " << rows;
    if (p == Precision::Quantized)
      EXPECT_GE(double(s.top1_agree) / rows, 0.90) << path << ": top-1 agreement";
    RecordProperty(std::string(path) + "_max_rel", std::to_string(s.worst_rel));
  }

  fs::path model_path_;
  std::vector<int32_t> tokens_;
  std::vector<float> ref_;
  int64_t n_vocab_ = 0;
};

TEST_P(GoldenLogits, BatchedPromptMatchesReference) {
  auto model = Model::load(model_path_.string());
  ASSERT_EQ(model->config().n_vocab, n_vocab_);
  ThreadPool pool(2);
  Session session(model, SessionParams{.n_ctx = 256}, &pool);
  auto logits = session.eval(tokens_, /*all_logits=*/true);
  check(std::vector<float>(logits.begin(), logits.end()), *model, "batched");
}

TEST_P(GoldenLogits, TokenByTokenDecodeMatchesReference) {
  auto model = Model::load(model_path_.string());
  ThreadPool pool(2);
  Session session(model, SessionParams{.n_ctx = 256, .kv_type = GgmlType::F16}, &pool);
  std::vector<float> got;
  got.reserve(ref_.size());
  for (int32_t t : tokens_) {
    auto row = session.eval(std::span<const int32_t>(&t, 1));
    got.insert(got.end(), row.begin(), row.end());
  }
  check(got, *model, "decode");
}

INSTANTIATE_TEST_SUITE_P(AllModels, GoldenLogits, testing::ValuesIn(find_cases()), case_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(GoldenLogits);

// Guards against the parametrised suite silently testing nothing.
TEST(GoldenLogitsInventory, FindsModelsWithReferenceLogits) {
  RUVLLM_REQUIRE_GOLDEN(test::golden("logits"));
  EXPECT_GE(find_cases().size(), 2u * 10u);
}

}  // namespace
}  // namespace ruvllm
