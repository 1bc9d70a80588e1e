// Weight quantizers against llama.cpp: quantizing the golden F32 model's tensors must give the
// same bytes llama.cpp's quantizer wrote into the golden quantized models.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <vector>

#include "gguf/gguf_file.h"
#include "kernels/quantize.h"
#include "support/golden.h"

namespace ruvllm::kernels {
namespace {

class GoldenQuantize : public ::testing::TestWithParam<const char*> {};

TEST_P(GoldenQuantize, SameBytesAsLlamaCpp) {
  const auto path = test::golden(std::string("models/") + GetParam());
  const auto ref_path = test::golden("models/tiny-llama-f32.gguf");
  RUVLLM_REQUIRE_GOLDEN(path);
  RUVLLM_REQUIRE_GOLDEN(ref_path);
  const auto q = gguf::GgufFile::open(path.string());
  const auto ref = gguf::GgufFile::open(ref_path.string());
  std::map<std::string, std::pair<int64_t, int64_t>> per_type;  // identical blocks, all blocks
  for (const auto& t : q->tensors()) {
    if (!ggml_traits(t.type).quantized) continue;
    ASSERT_TRUE(can_quantize(t.type)) << t.name << " " << ggml_type_name(t.type);
    const auto* r = ref->tensor(t.name);
    ASSERT_NE(r, nullptr) << t.name;
    const auto* src = reinterpret_cast<const float*>(r->data);
    const size_t row_bytes = t.row_bytes();
    const size_t block_bytes = ggml_traits(t.type).type_size;
    std::vector<uint8_t> mine(row_bytes);
    auto& [same, all] = per_type[std::string(ggml_type_name(t.type))];
    for (int64_t row = 0; row < t.n_rows(); ++row) {
      quantize_row(t.type, src + row * t.dims[0], mine.data(), t.dims[0]);
      const uint8_t* theirs = t.data + size_t(row) * row_bytes;
      for (size_t off = 0; off < row_bytes; off += block_bytes, ++all)
        same += std::memcmp(mine.data() + off, theirs + off, block_bytes) == 0;
    }
  }
  ASSERT_FALSE(per_type.empty());
  for (const auto& [type, counts] : per_type) {
    RecordProperty("identical_" + type,
                   std::to_string(counts.first) + "/" + std::to_string(counts.second));
    EXPECT_EQ(counts.first, counts.second)
        << type << ": " << counts.first << " of " << counts.second << " blocks identical";
  }
}

INSTANTIATE_TEST_SUITE_P(Models, GoldenQuantize,
                         ::testing::Values("tiny-llama-q8_0.gguf", "tiny-llama-q4_0.gguf",
                                           "tiny-llama-q4_1.gguf", "tiny-llama-q5_0.gguf",
                                           "tiny-llama-q2_k.gguf", "tiny-llama-q4_k_m.gguf",
                                           "tiny-llama-q5_k_m.gguf", "tiny-llama-q6_k.gguf"),
                         [](const auto& info) {
                           std::string s = info.param;
                           s = s.substr(11, s.size() - 16);
                           return s;
                         });

}  // namespace
}  // namespace ruvllm::kernels
