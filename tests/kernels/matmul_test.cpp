// matmul against per-row reference dot products, over shapes, batch sizes, threads and ISA caps.
#include "kernels/matmul.h"

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

struct Shape {
  int64_t rows, cols, batch;
  int threads;
};

class Matmul : public ::testing::TestWithParam<GgmlType> {
 protected:
  void TearDown() override { set_isa_cap(IsaLevel::Avx512); }

  void check(const Shape& s, std::mt19937& rng) {
    const GgmlType type = GetParam();
    const auto bytes = test::random_rows(type, s.rows, s.cols, rng);
    WeightView w{type, bytes.data(), s.rows, s.cols, ggml_row_size(type, s.cols)};
    const auto x = test::random_floats(s.cols * s.batch, rng);
    const auto expected = test::matmul_reference(w, x, s.batch);
    std::unique_ptr<ThreadPool> pool;
    if (s.threads > 1) pool = std::make_unique<ThreadPool>(s.threads);
    std::vector<float> y(expected.y.size(), NAN);
    matmul(w, x.data(), s.batch, y.data(), pool.get());
    for (size_t i = 0; i < y.size(); ++i)
      ASSERT_NEAR(y[i], expected.y[i], expected.tol[i])
          << "rows=" << s.rows << " cols=" << s.cols << " batch=" << s.batch
          << " threads=" << s.threads << " at " << i << " isa=" << isa_name(isa_level());
  }
};

const Shape kShapes[] = {{1, 256, 1, 1},  {7, 512, 1, 2},     {33, 256, 5, 3},
                         {64, 768, 3, 2}, {130, 1024, 17, 2}, {300, 256, 2, 1}};
// Rows of 18 and 19 blocks (SmolLM2's 576): tails of the 2- and 4-block steps, every batch size
// of the decode-step tiles (1-8) and past them.
const Shape kTailShapes[] = {{9, 576, 1, 1}, {9, 576, 2, 1}, {13, 608, 3, 2}, {5, 576, 4, 1},
                             {6, 608, 5, 1}, {9, 576, 6, 2}, {7, 576, 7, 1},  {11, 608, 8, 1},
                             {9, 576, 9, 2}, {4, 544, 12, 1}};

TEST_P(Matmul, MatchesReferenceAtBestIsa) {
  std::mt19937 rng(42);
  for (const auto& s : kShapes) check(s, rng);
}

// Rows of the 32-element block types whose block count is not a multiple of the kernels' step.
class MatmulTails : public Matmul {};

TEST_P(MatmulTails, BlockCountTailsMatchReference) {
  for (IsaLevel level : {IsaLevel::Scalar, IsaLevel::Avx2, IsaLevel::Avx512}) {
    set_isa_cap(level);
    if (isa_level() != level) continue;
    std::mt19937 rng(46);
    for (const auto& s : kTailShapes) check(s, rng);
  }
}

TEST_P(Matmul, MatchesReferenceWithAvx2Cap) {
  set_isa_cap(IsaLevel::Avx2);
  if (isa_level() != IsaLevel::Avx2) GTEST_SKIP() << "no AVX2 on this CPU";
  std::mt19937 rng(44);
  for (const auto& s : kShapes) check(s, rng);
}

TEST_P(Matmul, MatchesReferenceWithScalarCap) {
  set_isa_cap(IsaLevel::Scalar);
  std::mt19937 rng(43);
  for (const auto& s : kShapes) check(s, rng);
}

TEST_P(Matmul, RowStrideLargerThanRow) {
  const GgmlType type = GetParam();
  std::mt19937 rng(5);
  const int64_t rows = 9, cols = 512;
  const size_t row_bytes = ggml_row_size(type, cols), stride = row_bytes + 64;
  const auto packed = test::random_rows(type, rows, cols, rng);
  std::vector<uint8_t> padded(stride * rows, 0xAB);
  for (int64_t r = 0; r < rows; ++r)
    std::copy_n(packed.begin() + r * row_bytes, row_bytes, padded.begin() + r * stride);
  const auto x = test::random_floats(cols * 2, rng);
  std::vector<float> y1(rows * 2), y2(rows * 2);
  matmul({type, packed.data(), rows, cols, row_bytes}, x.data(), 2, y1.data(), nullptr);
  matmul({type, padded.data(), rows, cols, stride}, x.data(), 2, y2.data(), nullptr);
  EXPECT_EQ(y1, y2);
}

// A row's result must not depend on the batch it was computed in (tile shapes differ between
// matrix-vector and batched products), or batched sequences would drift from sequences alone.
// At every ISA level, and for rows with a tail (float types: 172 elements, as stories260K's FFN).
TEST_P(Matmul, BatchedRowsEqualRowsAlone) {
  const GgmlType type = GetParam();
  std::vector<int64_t> widths{768};
  if (ggml_traits(type).block_size == 1) widths.push_back(172);
  for (IsaLevel level : {IsaLevel::Scalar, IsaLevel::Avx2, IsaLevel::Avx512}) {
    set_isa_cap(level);
    if (isa_level() != level) continue;
    for (const int64_t cols : widths)
      for (const int64_t batch : {3, 7, 17}) {
        std::mt19937 rng(7);
        const int64_t rows = 13;
        const auto bytes = test::random_rows(type, rows, cols, rng);
        const WeightView w{type, bytes.data(), rows, cols, ggml_row_size(type, cols)};
        const auto x = test::random_floats(cols * batch, rng);
        std::vector<float> together(size_t(rows * batch)), alone(static_cast<size_t>(rows));
        matmul(w, x.data(), batch, together.data(), nullptr);
        for (int64_t b = 0; b < batch; ++b) {
          matmul(w, x.data() + b * cols, 1, alone.data(), nullptr);
          for (int64_t r = 0; r < rows; ++r)
            ASSERT_EQ(together[size_t(b * rows + r)], alone[size_t(r)])
                << "batch row " << b << " of " << batch << ", row " << r << ", cols " << cols
                << ", isa " << isa_name(level);
        }
      }
  }
}

INSTANTIATE_TEST_SUITE_P(Types, Matmul, ::testing::ValuesIn(test::weight_types()),
                         [](const auto& info) { return test::type_label(info.param); });
INSTANTIATE_TEST_SUITE_P(Types, MatmulTails, ::testing::ValuesIn(test::block32_weight_types()),
                         [](const auto& info) { return test::type_label(info.param); });

TEST(MatmulErrors, RejectsBadShapesAndTypes) {
  std::vector<uint8_t> buf(4096);
  std::vector<float> x(512), y(8);
  EXPECT_THROW(matmul({GgmlType::Q4_K, buf.data(), 1, 128, 72}, x.data(), 1, y.data(), nullptr),
               UnsupportedError);
  EXPECT_THROW(matmul({GgmlType::IQ2_XXS, buf.data(), 1, 256, 66}, x.data(), 1, y.data(), nullptr),
               UnsupportedError);
  EXPECT_FALSE(can_matmul(GgmlType::IQ2_XXS));
}

// Products sharing an input (mixed activation types, one pool job) equal separate matmuls.
TEST(MatmulShared, EqualsSeparateProducts) {
  std::mt19937 rng(21);
  const int64_t cols = 512;
  const GgmlType types[] = {GgmlType::Q5_0, GgmlType::Q8_0, GgmlType::Q6_K, GgmlType::F16,
                            GgmlType::Q4_0};
  const int64_t rows[] = {37, 12, 5, 64, 9};
  std::vector<std::vector<uint8_t>> bytes;
  std::vector<MatmulOutput> outs;
  std::vector<std::vector<float>> shared, separate;
  for (int batch : {1, 6}) {
    const auto x = test::random_floats(cols * batch, rng);
    bytes.clear(), outs.clear(), shared.clear(), separate.clear();
    for (size_t i = 0; i < std::size(types); ++i) {
      bytes.push_back(test::random_rows(types[i], rows[i], cols, rng));
      shared.emplace_back(size_t(rows[i] * batch), NAN);
      separate.emplace_back(size_t(rows[i] * batch), NAN);
    }
    for (size_t i = 0; i < std::size(types); ++i)
      outs.push_back({{types[i], bytes[i].data(), rows[i], cols, ggml_row_size(types[i], cols)},
                      shared[i].data()});
    ThreadPool pool(2);
    matmul_shared(outs, x.data(), batch, &pool);
    for (size_t i = 0; i < outs.size(); ++i) {
      matmul(outs[i].w, x.data(), batch, separate[i].data(), nullptr);
      EXPECT_EQ(shared[i], separate[i]) << ggml_type_name(types[i]) << " batch " << batch;
    }
  }
}

TEST(MatmulShared, RejectsDifferentRowLengths) {
  std::vector<uint8_t> a(ggml_row_size(GgmlType::F32, 64) * 2), b(ggml_row_size(GgmlType::F32, 32));
  std::vector<float> x(64), ya(2), yb(1);
  const MatmulOutput outs[] = {{{GgmlType::F32, a.data(), 2, 64, 256}, ya.data()},
                               {{GgmlType::F32, b.data(), 1, 32, 128}, yb.data()}};
  EXPECT_THROW(matmul_shared(outs, x.data(), 1, nullptr), Error);
}

TEST(GetRow, DequantizesOneRowAndChecksBounds) {
  std::mt19937 rng(3);
  const auto bytes = test::random_rows(GgmlType::Q6_K, 4, 256, rng);
  WeightView w{GgmlType::Q6_K, bytes.data(), 4, 256, ggml_row_size(GgmlType::Q6_K, 256)};
  std::vector<float> a(256), b(256);
  get_row(w, 2, a.data());
  dequantize_row(GgmlType::Q6_K, w.row(2), b.data(), 256);
  EXPECT_EQ(a, b);
  EXPECT_THROW(get_row(w, 4, a.data()), Error);
}

}  // namespace
}  // namespace ruvllm::kernels
