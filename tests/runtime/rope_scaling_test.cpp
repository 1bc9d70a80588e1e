// Position scaling read from metadata and tensors: Llama 3's rope_freqs divisors and linear
// scaling must change the angles exactly as specified (both halve every angle here).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "gguf/gguf_writer.h"
#include "model/model.h"
#include "runtime/session.h"
#include "support/golden.h"

namespace ruvllm {
namespace {

std::shared_ptr<const Model> variant(const std::function<void(gguf::GgufWriter&)>& edit) {
  auto src = gguf::GgufFile::open(test::golden("models/tiny-llama-f32.gguf").string());
  gguf::GgufWriter w;
  for (const auto& [key, value] : src->metadata()) w.set_value(key, value);
  edit(w);
  for (const auto& t : src->tensors())
    w.add_tensor(t.name, t.type, t.dims,
                 std::string(reinterpret_cast<const char*>(t.data), t.n_bytes));
  return Model::from_gguf(gguf::GgufFile::from_memory(w.to_bytes()));
}

std::vector<float> logits(const std::shared_ptr<const Model>& m) {
  const std::vector<int32_t> tokens = {1, 403, 407, 261, 378, 432, 261, 376, 352, 414};
  Session s(m, SessionParams{.kv_type = GgmlType::F32}, nullptr);
  auto l = s.eval(tokens);
  return {l.begin(), l.end()};
}

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, double(std::fabs(a[i] - b[i])));
  return m;
}

TEST(RopeScaling, RopeFreqsDivisorsEqualLinearScaling) {
  RUVLLM_REQUIRE_GOLDEN(test::golden("models/tiny-llama-f32.gguf"));
  const auto plain = logits(variant([](gguf::GgufWriter&) {}));
  const auto divided = variant([](gguf::GgufWriter& w) {
    const std::vector<float> twos(32, 2.0f);
    w.add_tensor("rope_freqs.weight", GgmlType::F32, {32},
                 std::string(reinterpret_cast<const char*>(twos.data()), twos.size() * 4));
  });
  ASSERT_NE(divided->config().rope_freqs, nullptr);
  const auto linear = variant([](gguf::GgufWriter& w) {
    w.set_string("llama.rope.scaling.type", "linear");
    w.set_f32("llama.rope.scaling.factor", 2.0f);
  });
  EXPECT_FLOAT_EQ(linear->config().layers[0].rope.freq_scale, 0.5f);
  const auto a = logits(divided), b = logits(linear);
  EXPECT_LT(max_abs_diff(a, b), 1e-4);
  EXPECT_GT(max_abs_diff(a, plain), 1e-2);  // scaling changes the result
}

TEST(RopeScaling, UnknownScalingTypeIsUnsupported) {
  RUVLLM_REQUIRE_GOLDEN(test::golden("models/tiny-llama-f32.gguf"));
  EXPECT_THROW(
      variant([](gguf::GgufWriter& w) { w.set_string("llama.rope.scaling.type", "warp"); }),
      UnsupportedError);
}

TEST(RopeScaling, WrongRopeFreqsLengthIsNamed) {
  RUVLLM_REQUIRE_GOLDEN(test::golden("models/tiny-llama-f32.gguf"));
  try {
    variant([](gguf::GgufWriter& w) {
      w.add_tensor("rope_freqs.weight", GgmlType::F32, {3}, std::string(12, '\0'));
    });
    FAIL() << "expected FormatError";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("rope_freqs.weight"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ruvllm
