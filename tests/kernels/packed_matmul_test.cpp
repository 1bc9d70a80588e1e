// Matmul of weights repacked at load (packed_weights.h) against per-row reference dot products,
// batch independence of the packed kernels, and the fall-back to the file's layout.
#include "kernels/packed_weights.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <vector>

#include "core/cpu_features.h"
#include "core/error.h"
#include "kernel_test_util.h"
#include "kernels/dequantize.h"
#include "kernels/quantize.h"
#include "kernels/vec_dot.h"

namespace ruvllm::kernels {
namespace {

constexpr uint32_t kSuperBlockElements = 256;

// A random matrix of `type` with its packed copy (when the CPU's kernels pack the type).
struct PackedMatrix {
  std::vector<uint8_t> bytes, packed;
  WeightView w;

  PackedMatrix(GgmlType type, int64_t rows, int64_t cols, std::mt19937& rng, ThreadPool* pool)
      : bytes(test::random_rows(type, rows, cols, rng)) {
    w = {type, bytes.data(), rows, cols, ggml_row_size(type, cols)};
    const WeightPacking packing = best_packing(type);
    if (packing == WeightPacking::None) return;
    packed.resize(packed_bytes(w, packing));
    pack_weights(w, packing, packed.data(), pool);
    w.packed = packed.data();
    w.packing = packing;
  }
};

// y (n_batch rows of w.rows) against reference dot products of the file's rows.
void expect_near_reference(const WeightView& w, const std::vector<float>& x, int64_t n_batch,
                           const std::vector<float>& y, const std::string& what) {
  const auto expected = test::matmul_reference(w, x, n_batch);
  for (size_t i = 0; i < y.size(); ++i)
    ASSERT_NEAR(y[i], expected.y[i], expected.tol[i])
        << what << " batch row " << int64_t(i) / w.rows << " row " << int64_t(i) % w.rows;
}

class PackedMatmul : public ::testing::TestWithParam<GgmlType> {
 protected:
  void TearDown() override { set_isa_cap(IsaLevel::Avx512); }
};

TEST_P(PackedMatmul, PacksWhereTheCpuHasTheKernel) {
  const bool vnni = cpu_features().avx512f && cpu_features().avx512vnni;
  EXPECT_EQ(best_packing(GetParam()), vnni ? WeightPacking::Rows16 : WeightPacking::None);
  set_isa_cap(IsaLevel::Avx2);
  EXPECT_EQ(best_packing(GetParam()), WeightPacking::None);
}

// Row counts around the 16-row groups, block counts of SmolLM2's rows and a single block, batch
// sizes of decode steps (1-8), past one 8-column tile, and prefill.
TEST_P(PackedMatmul, MatchesReference) {
  const GgmlType type = GetParam();
  if (best_packing(type) == WeightPacking::None) GTEST_SKIP() << "no packed kernel on this CPU";
  struct Shape {
    int64_t rows, cols;
  };
  // Rows of whole super-blocks for the K-quants.
  const bool k_quant = ggml_traits(type).block_size == kSuperBlockElements;
  const Shape shapes[] = {{16, k_quant ? 256 : 32},
                          {1, k_quant ? 512 : 64},
                          {37, k_quant ? 768 : 576},
                          {48, k_quant ? 1024 : 608},
                          {75, 1536}};
  ThreadPool pool(2);
  for (const Shape& s : shapes)
    for (const int64_t batch : {1, 2, 3, 5, 8, 9, 20}) {
      std::mt19937 rng(uint32_t(s.rows * 131 + s.cols + batch));
      const PackedMatrix m(type, s.rows, s.cols, rng, &pool);
      ASSERT_NE(m.w.packed, nullptr);
      const auto x = test::random_floats(s.cols * batch, rng);
      for (ThreadPool* p : {static_cast<ThreadPool*>(nullptr), &pool}) {
        std::vector<float> y(size_t(batch * s.rows), NAN);
        matmul(m.w, x.data(), batch, y.data(), p);
        expect_near_reference(m.w, x, batch, y,
                              "rows " + std::to_string(s.rows) + " cols " + std::to_string(s.cols) +
                                  " batch " + std::to_string(batch));
      }
    }
}

// A row's result is the same bits in every batch (decode steps batch sequences that must match
// the same sequence decoded alone).
TEST_P(PackedMatmul, BatchedRowsEqualRowsAlone) {
  const GgmlType type = GetParam();
  if (best_packing(type) == WeightPacking::None) GTEST_SKIP() << "no packed kernel on this CPU";
  std::mt19937 rng(11);
  const int64_t rows = 40, cols = ggml_traits(type).block_size == kSuperBlockElements ? 768 : 576;
  const PackedMatrix m(type, rows, cols, rng, nullptr);
  for (const int64_t batch : {2, 4, 8, 13}) {
    const auto x = test::random_floats(cols * batch, rng);
    std::vector<float> together(size_t(rows * batch)), alone(static_cast<size_t>(rows));
    matmul(m.w, x.data(), batch, together.data(), nullptr);
    for (int64_t b = 0; b < batch; ++b) {
      matmul(m.w, x.data() + b * cols, 1, alone.data(), nullptr);
      for (int64_t r = 0; r < rows; ++r)
        ASSERT_EQ(together[size_t(b * rows + r)], alone[size_t(r)])
            << "batch " << batch << " row " << b << " weight row " << r;
    }
  }
}

// With the level lowered after packing, matmul reads the file's layout (and still matches).
TEST_P(PackedMatmul, LowerLevelReadsTheFileLayout) {
  const GgmlType type = GetParam();
  if (best_packing(type) == WeightPacking::None) GTEST_SKIP() << "no packed kernel on this CPU";
  std::mt19937 rng(12);
  const PackedMatrix m(type, 21, 256, rng, nullptr);  // one K-quant super-block, 8 blocks
  const auto x = test::random_floats(256 * 3, rng);
  for (IsaLevel level : {IsaLevel::Avx2, IsaLevel::Scalar}) {
    set_isa_cap(level);
    std::vector<float> y(21 * 3, NAN);
    matmul(m.w, x.data(), 3, y.data(), nullptr);
    expect_near_reference(m.w, x, 3, y, std::string(isa_name(level)));
  }
}

INSTANTIATE_TEST_SUITE_P(Types, PackedMatmul,
                         ::testing::Values(GgmlType::Q8_0, GgmlType::Q4_0, GgmlType::Q5_0,
                                           GgmlType::IQ4_NL, GgmlType::Q4_K, GgmlType::Q6_K),
                         [](const auto& info) { return test::type_label(info.param); });

TEST(PackWeights, RejectsTypesWithoutPacking) {
  std::vector<uint8_t> bytes(ggml_row_size(GgmlType::Q5_K, 256) * 16);
  const WeightView w{GgmlType::Q5_K, bytes.data(), 16, 256, ggml_row_size(GgmlType::Q5_K, 256)};
  std::vector<uint8_t> out(bytes.size());
  EXPECT_THROW(pack_weights(w, WeightPacking::Rows16, out.data(), nullptr), UnsupportedError);
  EXPECT_EQ(packed_bytes(w, WeightPacking::None), 0u);
}

}  // namespace
}  // namespace ruvllm::kernels
