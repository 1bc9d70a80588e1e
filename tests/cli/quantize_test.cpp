// `ruvllm quantize` and model/quantize_model: per-tensor types and bytes against the models
// llama.cpp quantized from the same F32 weights, accuracy bounds per type, fallbacks, and the
// command line's exit codes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include "core/error.h"
#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"
#include "kernels/dequantize.h"
#include "model/quantize_model.h"
#include "support/golden.h"

namespace ruvllm::model {
namespace {

namespace fs = std::filesystem;

fs::path temp_path(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("ruvllm-quantize-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir / name;
}

std::vector<float> dequantized(const gguf::TensorInfo& t) {
  std::vector<float> v(static_cast<size_t>(t.n_elements));
  for (int64_t r = 0; r < t.n_rows(); ++r)
    kernels::dequantize_row(t.type, t.data + size_t(r) * t.row_bytes(), v.data() + r * t.dims[0],
                            t.dims[0]);
  return v;
}

double rel_rmse(const std::vector<float>& a, const std::vector<float>& ref) {
  double err = 0, sum = 0, sum2 = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    err += (double(a[i]) - ref[i]) * (double(a[i]) - ref[i]);
    sum += ref[i];
    sum2 += double(ref[i]) * ref[i];
  }
  const double n = double(a.size());
  return std::sqrt(err / n / (sum2 / n - (sum / n) * (sum / n)));
}

// Quantizing the golden F32 model must reproduce llama.cpp's file: every tensor's type and
// bytes, and general.file_type.
struct GoldenMix {
  const char* source;  // F32 model
  const char* mix;
  const char* expected;  // llama.cpp's output
};

class QuantizeLikeLlamaCpp : public ::testing::TestWithParam<GoldenMix> {};

TEST_P(QuantizeLikeLlamaCpp, SameTypesAndBytes) {
  const auto src = test::golden(std::string("models/") + GetParam().source);
  const auto expected_path = test::golden(std::string("models/") + GetParam().expected);
  RUVLLM_REQUIRE_GOLDEN(src);
  RUVLLM_REQUIRE_GOLDEN(expected_path);
  const auto out = temp_path(std::string(GetParam().mix) + "-" + GetParam().source);
  QuantizeOptions options;
  options.mix = *parse_quant_mix(GetParam().mix);
  ThreadPool pool(2);
  quantize_model(src.string(), out.string(), options, &pool);

  const auto mine = gguf::GgufFile::open(out.string());
  const auto theirs = gguf::GgufFile::open(expected_path.string());
  EXPECT_EQ(mine->get_int("general.file_type"), theirs->get_int("general.file_type"));
  EXPECT_EQ(mine->get_int("general.quantization_version"), 2);
  EXPECT_EQ(mine->get_string("general.architecture"), theirs->get_string("general.architecture"));
  ASSERT_EQ(mine->tensors().size(), theirs->tensors().size());
  for (const auto& t : theirs->tensors()) {
    const auto* m = mine->tensor(t.name);
    ASSERT_NE(m, nullptr) << t.name;
    EXPECT_EQ(ggml_type_name(m->type), ggml_type_name(t.type)) << t.name;
    EXPECT_EQ(m->dims, t.dims) << t.name;
    if (m->type == t.type && m->n_bytes == t.n_bytes)
      EXPECT_EQ(std::memcmp(m->data, t.data, t.n_bytes), 0) << t.name << " bytes differ";
  }
  fs::remove(out);
}

INSTANTIATE_TEST_SUITE_P(
    Golden, QuantizeLikeLlamaCpp,
    ::testing::Values(GoldenMix{"tiny-llama-f32.gguf", "q8_0", "tiny-llama-q8_0.gguf"},
                      GoldenMix{"tiny-llama-f32.gguf", "q4_0", "tiny-llama-q4_0.gguf"},
                      GoldenMix{"tiny-llama-f32.gguf", "q4_1", "tiny-llama-q4_1.gguf"},
                      GoldenMix{"tiny-llama-f32.gguf", "q5_0", "tiny-llama-q5_0.gguf"},
                      GoldenMix{"tiny-llama-f32.gguf", "q2_k", "tiny-llama-q2_k.gguf"},
                      GoldenMix{"tiny-llama-f32.gguf", "q4_k_m", "tiny-llama-q4_k_m.gguf"},
                      GoldenMix{"tiny-llama-f32.gguf", "q5_k_m", "tiny-llama-q5_k_m.gguf"},
                      GoldenMix{"tiny-llama-f32.gguf", "q6_k", "tiny-llama-q6_k.gguf"},
                      GoldenMix{"tiny-llama-f32.gguf", "f16", "tiny-llama-f16.gguf"},
                      GoldenMix{"tiny-llama-f32.gguf", "bf16", "tiny-llama-bf16.gguf"},
                      GoldenMix{"tiny-phi3-f32.gguf", "q6_k", "tiny-phi3-q6_k.gguf"},
                      GoldenMix{"tiny-qwen2-f32.gguf", "q8_0", "tiny-qwen2-q8_0.gguf"}),
    [](const auto& info) {
      std::string s = std::string(info.param.source).substr(5);
      s = s.substr(0, s.find('-')) + "_" + info.param.mix;
      return s;
    });

// Every target: the types follow the mix and the weights stay close to the F32 originals.
struct MixBound {
  const char* mix;
  double max_rel_rmse;  // worst weight matrix
};

class QuantizeAccuracy : public ::testing::TestWithParam<MixBound> {};

TEST_P(QuantizeAccuracy, WeightsCloseToOriginal) {
  const auto src = test::golden("models/tiny-llama-f32.gguf");
  RUVLLM_REQUIRE_GOLDEN(src);
  const auto out = temp_path(std::string("acc-") + GetParam().mix + ".gguf");
  QuantizeOptions options;
  options.mix = *parse_quant_mix(GetParam().mix);
  const auto summary = quantize_model(src.string(), out.string(), options);
  const auto in = gguf::GgufFile::open(src.string());
  const auto q = gguf::GgufFile::open(out.string());
  EXPECT_EQ(q->get_int("general.file_type"), int64_t(llama_file_type(options.mix)));
  const GgmlType base = mix_base_type(options.mix);
  int n_base = 0;
  for (const auto& t : q->tensors()) {
    const auto* r = in->tensor(t.name);
    ASSERT_NE(r, nullptr);
    if (t.dims.size() == 1) {
      EXPECT_EQ(t.type, GgmlType::F32) << t.name << ": 1-D tensors stay F32";
      EXPECT_EQ(std::memcmp(t.data, r->data, r->n_bytes), 0) << t.name;
      continue;
    }
    n_base += t.type == base;
    EXPECT_LT(rel_rmse(dequantized(t), dequantized(*r)), GetParam().max_rel_rmse)
        << t.name << " as " << ggml_type_name(t.type);
  }
  EXPECT_GT(n_base, 0) << "no tensor got the base type " << ggml_type_name(base);
  EXPECT_LT(summary.bytes_out, summary.bytes_in);
  fs::remove(out);
}

INSTANTIATE_TEST_SUITE_P(
    Mixes, QuantizeAccuracy,
    ::testing::Values(MixBound{"q8_0", 0.008}, MixBound{"q6_k", 0.03}, MixBound{"q5_k_m", 0.05},
                      MixBound{"q5_k_s", 0.05}, MixBound{"q5_0", 0.06}, MixBound{"q5_1", 0.06},
                      MixBound{"q4_k_m", 0.1}, MixBound{"q4_k_s", 0.1}, MixBound{"q4_k", 0.1},
                      MixBound{"q5_k", 0.05}, MixBound{"q4_0", 0.11}, MixBound{"q4_1", 0.1},
                      MixBound{"q3_k_m", 0.2}, MixBound{"q2_k", 0.4}, MixBound{"iq4_nl", 0.1},
                      MixBound{"iq4_xs", 0.1}, MixBound{"f16", 0.0005}, MixBound{"bf16", 0.003}),
    [](const auto& info) { return std::string(info.param.mix); });

TEST(QuantizeModel, F32TargetRestoresQuantizedModelExactly) {
  const auto src = test::golden("models/tiny-llama-q4_k_m.gguf");
  RUVLLM_REQUIRE_GOLDEN(src);
  const auto out = temp_path("dequant-f32.gguf");
  QuantizeOptions options;
  options.mix = QuantMix::F32;
  quantize_model(src.string(), out.string(), options);
  const auto in = gguf::GgufFile::open(src.string());
  const auto f = gguf::GgufFile::open(out.string());
  EXPECT_EQ(f->get_int("general.file_type"), 0);
  for (const auto& t : f->tensors()) {
    EXPECT_EQ(t.type, GgmlType::F32) << t.name;
    EXPECT_EQ(dequantized(t), dequantized(*in->tensor(t.name))) << t.name;
  }
  fs::remove(out);
}

TEST(QuantizeModel, RequantizingKeepsTiedEmbeddingRules) {
  // Without output.weight, token_embd plays the output's part and gets Q6_K.
  const auto src = test::golden("models/tiny-llama-tied-q4_k_m.gguf");
  RUVLLM_REQUIRE_GOLDEN(src);
  const auto in = gguf::GgufFile::open(src.string());
  QuantizeOptions options;
  options.mix = QuantMix::Q4_K_M;
  for (const auto& p : plan_quantization(*in, options))
    EXPECT_EQ(ggml_type_name(p.to), ggml_type_name(p.from)) << p.name;
  options.mix = QuantMix::Q8_0;
  for (const auto& p : plan_quantization(*in, options))
    if (p.name != "token_embd.weight" && in->tensor(p.name)->dims.size() > 1)
      EXPECT_EQ(p.to, GgmlType::Q8_0) << p.name;
}

// A small synthetic model whose matrices have rows that fit no K-quant block.
std::string write_odd_model(const fs::path& path) {
  gguf::GgufWriter w;
  w.set_string("general.architecture", "llama");
  w.set_u32("llama.block_count", 1);
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.f, 1.f);
  auto add = [&](const std::string& name, std::vector<int64_t> dims) {
    int64_t n = 1;
    for (auto d : dims) n *= d;
    std::string bytes(size_t(n) * 4, '\0');
    for (int64_t i = 0; i < n; ++i) {
      const float v = normal(rng);
      std::memcpy(bytes.data() + 4 * i, &v, 4);
    }
    w.add_tensor(name, GgmlType::F32, std::move(dims), std::move(bytes));
  };
  add("token_embd.weight", {96, 16});
  add("blk.0.attn_q.weight", {96, 96});
  add("blk.0.ffn_down.weight", {40, 96});
  add("blk.0.attn_norm.weight", {96});
  add("output.weight", {96, 16});
  w.write(path.string());
  return path.string();
}

TEST(QuantizeModel, FallsBackWhenRowsDoNotFitBlocks) {
  const auto path = write_odd_model(temp_path("odd.gguf"));
  const auto in = gguf::GgufFile::open(path);
  QuantizeOptions options;
  options.mix = QuantMix::Q4_K_M;
  std::map<std::string, TensorPlan> plan;
  for (auto& p : plan_quantization(*in, options)) plan[p.name] = p;
  EXPECT_EQ(plan["blk.0.attn_q.weight"].to, GgmlType::Q5_0);  // Q4_K -> Q5_0
  EXPECT_TRUE(plan["blk.0.attn_q.weight"].fallback);
  EXPECT_EQ(plan["blk.0.ffn_down.weight"].to, GgmlType::F16);  // 40 fits no 32-block either
  EXPECT_EQ(plan["output.weight"].to, GgmlType::Q8_0);
  EXPECT_EQ(plan["blk.0.attn_norm.weight"].to, GgmlType::F32);
  options.mix = QuantMix::Q6_K;
  for (auto& p : plan_quantization(*in, options)) plan[p.name] = p;
  EXPECT_EQ(plan["blk.0.attn_q.weight"].to, GgmlType::Q8_0);

  const auto out = temp_path("odd-q4_k_m.gguf");
  options.mix = QuantMix::Q4_K_M;
  quantize_model(path, out.string(), options);
  const auto q = gguf::GgufFile::open(out.string());
  EXPECT_EQ(q->tensor("blk.0.attn_q.weight")->type, GgmlType::Q5_0);
  EXPECT_LT(rel_rmse(dequantized(*q->tensor("blk.0.ffn_down.weight")),
                     dequantized(*in->tensor("blk.0.ffn_down.weight"))),
            0.001);
  fs::remove(out);
  fs::remove(path);
}

TEST(QuantizeModel, ParsesMixNames) {
  EXPECT_EQ(parse_quant_mix("Q4_K_M"), QuantMix::Q4_K_M);
  EXPECT_EQ(parse_quant_mix("q4_k"), QuantMix::Q4_K_M);
  EXPECT_EQ(parse_quant_mix("q5_k_s"), QuantMix::Q5_K_S);
  EXPECT_EQ(parse_quant_mix("f32"), QuantMix::F32);
  EXPECT_FALSE(parse_quant_mix("q7_0").has_value());
  EXPECT_EQ(llama_file_type(QuantMix::Q4_K_M), 15u);
  EXPECT_EQ(llama_file_type(QuantMix::Q8_0), 7u);
  EXPECT_EQ(llama_file_type(QuantMix::BF16), 32u);
}

TEST(QuantizeCli, WritesModelAndRejectsBadInput) {
  const auto src = test::golden("models/tiny-llama-f32.gguf");
  RUVLLM_REQUIRE_GOLDEN(src);
  const auto out = temp_path("cli-q4_k_m.gguf");
  const std::string bin = test::ruvllm_binary().string();
  std::string stdout_text, stderr_text;
  ASSERT_EQ(
      test::run_command(bin + " quantize -t 2 " + src.string() + " " + out.string() + " q4_k_m",
                        &stdout_text, &stderr_text),
      0)
      << stderr_text;
  EXPECT_NE(stdout_text.find("q4_k_m"), std::string::npos) << stdout_text;
  EXPECT_NE(stderr_text.find("blk.1.ffn_down.weight"), std::string::npos) << stderr_text;
  const auto q = gguf::GgufFile::open(out.string());
  EXPECT_EQ(q->tensor("blk.1.ffn_down.weight")->type, GgmlType::Q6_K);
  EXPECT_EQ(q->tensor("blk.0.ffn_down.weight")->type, GgmlType::Q4_K);

  EXPECT_EQ(test::run_command(bin + " quantize " + src.string() + " " + out.string() + " q7_x",
                              &stdout_text, &stderr_text),
            2);
  EXPECT_NE(stderr_text.find("unknown type"), std::string::npos) << stderr_text;
  EXPECT_EQ(test::run_command(bin + " quantize /nonexistent.gguf " + out.string() + " q8_0",
                              &stdout_text, &stderr_text),
            2);
  const auto garbage = temp_path("garbage.gguf");
  { std::ofstream(garbage) << "not a gguf file"; }
  EXPECT_EQ(test::run_command(bin + " quantize " + garbage.string() + " " + out.string() + " q8_0",
                              &stdout_text, &stderr_text),
            2);
  EXPECT_FALSE(stderr_text.empty());
  fs::remove(out);
  fs::remove(garbage);
}

}  // namespace
}  // namespace ruvllm::model
