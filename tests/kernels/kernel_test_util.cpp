#include "kernel_test_util.h"

#include <cmath>
#include <cstring>

#include "core/half.h"
#include "kernels/dequantize.h"
#include "kernels/quant_blocks.h"
#include "kernels/quantize.h"
#include "kernels/vec_dot.h"

namespace ruvllm::test {
namespace {

void put_half(uint8_t* p, float v) {
  const uint16_t h = fp32_to_fp16(v);
  std::memcpy(p, &h, 2);
}

// Byte offsets of the F16 scale fields of one block, and whether they are a min (may be negative).
struct HalfField {
  size_t offset;
  bool is_min;
};

std::vector<HalfField> half_fields(GgmlType type) {
  using namespace kernels;
  switch (type) {
    case GgmlType::Q4_0:
    case GgmlType::Q5_0:
    case GgmlType::Q8_0:
    case GgmlType::IQ4_NL:
    case GgmlType::IQ4_XS:
      return {{0, false}};
    case GgmlType::Q4_1:
    case GgmlType::Q5_1:
      return {{0, false}, {2, true}};
    case GgmlType::Q8_1:
      return {{0, false}, {2, true}};
    case GgmlType::Q2_K:
      return {{offsetof(BlockQ2_K, d), false}, {offsetof(BlockQ2_K, dmin), false}};
    case GgmlType::Q3_K:
      return {{offsetof(BlockQ3_K, d), false}};
    case GgmlType::Q4_K:
    case GgmlType::Q5_K:
      return {{0, false}, {2, false}};
    case GgmlType::Q6_K:
      return {{offsetof(BlockQ6_K, d), false}};
    default:
      return {};
  }
}

}  // namespace

std::vector<float> random_floats(int64_t n, std::mt19937& rng, float sigma) {
  std::normal_distribution<float> normal(0.0f, sigma);
  std::uniform_int_distribution<int> outlier(0, 63);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& f : v) f = normal(rng) * (outlier(rng) == 0 ? 8.0f : 1.0f);
  return v;
}

std::vector<uint8_t> random_cache_bytes(GgmlType type, size_t n, std::mt19937& rng) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const size_t elem = type == GgmlType::F16 ? 2 : 4;
  std::vector<uint8_t> bytes(n * elem);
  for (size_t i = 0; i < n; ++i) {
    const float x = normal(rng);
    if (type == GgmlType::F16) {
      const uint16_t h = fp32_to_fp16(x);
      std::memcpy(bytes.data() + i * 2, &h, 2);
    } else {
      std::memcpy(bytes.data() + i * 4, &x, 4);
    }
  }
  return bytes;
}

std::vector<uint8_t> random_rows(GgmlType type, int64_t rows, int64_t cols, std::mt19937& rng) {
  const auto& t = ggml_traits(type);
  std::vector<uint8_t> bytes(ggml_row_size(type, cols) * size_t(rows));
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_real_distribution<float> scale(0.002f, 0.05f);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  if (type == GgmlType::F32) {
    auto* f = reinterpret_cast<float*>(bytes.data());
    for (int64_t i = 0; i < rows * cols; ++i) f[i] = normal(rng);
    return bytes;
  }
  if (type == GgmlType::F16 || type == GgmlType::BF16) {
    for (int64_t i = 0; i < rows * cols; ++i) {
      const float v = normal(rng);
      const uint16_t h = type == GgmlType::F16 ? fp32_to_fp16(v) : fp32_to_bf16(v);
      std::memcpy(bytes.data() + 2 * i, &h, 2);
    }
    return bytes;
  }
  for (auto& b : bytes) b = uint8_t(byte(rng));
  const auto fields = half_fields(type);
  for (size_t blk = 0; blk < bytes.size() / t.type_size; ++blk) {
    uint8_t* p = bytes.data() + blk * t.type_size;
    for (const auto& f : fields) put_half(p + f.offset, f.is_min ? -scale(rng) * 4 : scale(rng));
  }
  return bytes;
}

const std::vector<GgmlType>& weight_types() {
  static const std::vector<GgmlType> types = {
      GgmlType::F32,  GgmlType::F16,  GgmlType::BF16, GgmlType::Q4_0,   GgmlType::Q4_1,
      GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0, GgmlType::IQ4_NL, GgmlType::Q2_K,
      GgmlType::Q3_K, GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K,   GgmlType::IQ4_XS};
  return types;
}

std::vector<GgmlType> block32_weight_types() {
  std::vector<GgmlType> types;
  for (GgmlType t : weight_types())
    if (ggml_traits(t).block_size == 32) types.push_back(t);
  return types;
}

std::string type_label(GgmlType type) {
  return std::string(ggml_type_name(type));
}

MatmulExpected matmul_reference(const kernels::WeightView& w, const std::vector<float>& x,
                                int64_t n_batch) {
  const GgmlType act = kernels::vec_dot_type(w.type);
  std::vector<uint8_t> xq(ggml_row_size(act, w.cols));
  std::vector<float> wd(size_t(w.cols)), xd(size_t(w.cols));
  MatmulExpected e;
  e.y.resize(size_t(n_batch * w.rows));
  e.tol.resize(e.y.size());
  for (int64_t b = 0; b < n_batch; ++b) {
    kernels::quantize_row(act, x.data() + b * w.cols, xq.data(), w.cols);
    kernels::dequantize_row(act, xq.data(), xd.data(), w.cols);
    for (int64_t r = 0; r < w.rows; ++r) {
      kernels::dequantize_row(w.type, w.row(r), wd.data(), w.cols);
      double mag = 0;
      for (int64_t c = 0; c < w.cols; ++c) mag += std::fabs(double(wd[size_t(c)]) * xd[size_t(c)]);
      e.y[size_t(b * w.rows + r)] = kernels::vec_dot_reference(w.type, w.cols, w.row(r), xq.data());
      e.tol[size_t(b * w.rows + r)] = float(2e-6 * mag + 1e-30);
    }
  }
  return e;
}

}  // namespace ruvllm::test
