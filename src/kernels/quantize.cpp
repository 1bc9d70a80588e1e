#include "kernels/quantize.h"

#include <cstring>
#include <string>

#include "core/cpu_features.h"
#include "core/error.h"
#include "core/half.h"
#include "kernels/quantize_rows.h"

namespace ruvllm::kernels {

bool can_quantize(GgmlType type) {
  switch (type) {
    case GgmlType::F32:
    case GgmlType::F16:
    case GgmlType::BF16:
    case GgmlType::Q8_0:
    case GgmlType::Q8_1:
    case GgmlType::Q8_K:
    case GgmlType::Q4_0:
    case GgmlType::Q4_1:
    case GgmlType::Q5_0:
    case GgmlType::Q5_1:
    case GgmlType::Q2_K:
    case GgmlType::Q3_K:
    case GgmlType::Q4_K:
    case GgmlType::Q5_K:
    case GgmlType::Q6_K:
    case GgmlType::IQ4_NL:
    case GgmlType::IQ4_XS:
      return true;
    default:
      return false;
  }
}

void quantize_row(GgmlType type, const float* src, void* dst, int64_t n) {
  using namespace detail;
  if (n % ggml_traits(type).block_size != 0)
    throw Error("quantize_row: " + std::to_string(n) + " elements is not a multiple of the " +
                std::string(ggml_type_name(type)) + " block size");
  // The activation types of the dot products have SIMD conversions (same bits as the scalar).
  const bool avx2 = isa_level() >= IsaLevel::Avx2;
  switch (type) {
    case GgmlType::F32:
      std::memcpy(dst, src, size_t(n) * 4);
      return;
    case GgmlType::F16: {
      auto* h = static_cast<uint16_t*>(dst);
      if (avx2) return convert_f16_avx2(src, h, n);
      for (int64_t i = 0; i < n; ++i) h[i] = fp32_to_fp16(src[i]);
      return;
    }
    case GgmlType::BF16: {
      auto* h = static_cast<uint16_t*>(dst);
      for (int64_t i = 0; i < n; ++i) h[i] = fp32_to_bf16(src[i]);
      return;
    }
    case GgmlType::Q8_0:
      if (avx2) return quantize_q8_0_avx2(src, static_cast<BlockQ8_0*>(dst), n);
      return quantize_q8_0(src, static_cast<BlockQ8_0*>(dst), n);
    case GgmlType::Q8_1:
      return quantize_q8_1(src, static_cast<BlockQ8_1*>(dst), n);
    case GgmlType::Q8_K:
      if (avx2) return quantize_q8_k_avx2(src, static_cast<BlockQ8_K*>(dst), n);
      return quantize_q8_k(src, static_cast<BlockQ8_K*>(dst), n);
    case GgmlType::Q4_0:
      return quantize_q4_0(src, static_cast<BlockQ4_0*>(dst), n);
    case GgmlType::Q4_1:
      return quantize_q4_1(src, static_cast<BlockQ4_1*>(dst), n);
    case GgmlType::Q5_0:
      return quantize_q5_0(src, static_cast<BlockQ5_0*>(dst), n);
    case GgmlType::Q5_1:
      return quantize_q5_1(src, static_cast<BlockQ5_1*>(dst), n);
    case GgmlType::Q2_K:
      return quantize_q2_k(src, static_cast<BlockQ2_K*>(dst), n);
    case GgmlType::Q3_K:
      return quantize_q3_k(src, static_cast<BlockQ3_K*>(dst), n);
    case GgmlType::Q4_K:
      return quantize_q4_k(src, static_cast<BlockQ4_K*>(dst), n);
    case GgmlType::Q5_K:
      return quantize_q5_k(src, static_cast<BlockQ5_K*>(dst), n);
    case GgmlType::Q6_K:
      return quantize_q6_k(src, static_cast<BlockQ6_K*>(dst), n);
    case GgmlType::IQ4_NL:
      return quantize_iq4_nl(src, static_cast<BlockIq4Nl*>(dst), n);
    case GgmlType::IQ4_XS:
      return quantize_iq4_xs(src, static_cast<BlockIq4Xs*>(dst), n);
    default:
      throw UnsupportedError("cannot quantize to tensor type " + std::string(ggml_type_name(type)));
  }
}

}  // namespace ruvllm::kernels
