#include "kernels/dequantize.h"

#include <cstring>
#include <string>

#include "core/error.h"
#include "core/half.h"
#include "kernels/dequantize_rows.h"

namespace ruvllm::kernels {

bool can_dequantize(GgmlType type) {
  switch (type) {
    case GgmlType::F32:
    case GgmlType::F16:
    case GgmlType::BF16:
    case GgmlType::Q4_0:
    case GgmlType::Q4_1:
    case GgmlType::Q5_0:
    case GgmlType::Q5_1:
    case GgmlType::Q8_0:
    case GgmlType::Q8_1:
    case GgmlType::Q2_K:
    case GgmlType::Q3_K:
    case GgmlType::Q4_K:
    case GgmlType::Q5_K:
    case GgmlType::Q6_K:
    case GgmlType::Q8_K:
    case GgmlType::IQ4_NL:
    case GgmlType::IQ4_XS:
      return true;
    default:
      return false;
  }
}

void dequantize_row(GgmlType type, const void* src, float* dst, int64_t n) {
  using namespace detail;
  if (n % ggml_traits(type).block_size != 0)
    throw Error("dequantize_row: " + std::to_string(n) + " elements is not a multiple of the " +
                std::string(ggml_type_name(type)) + " block size");
  switch (type) {
    case GgmlType::F32:
      std::memcpy(dst, src, size_t(n) * 4);
      return;
    case GgmlType::F16: {
      const auto* h = static_cast<const uint16_t*>(src);
      for (int64_t i = 0; i < n; ++i) dst[i] = fp16_to_fp32(h[i]);
      return;
    }
    case GgmlType::BF16: {
      const auto* h = static_cast<const uint16_t*>(src);
      for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_fp32(h[i]);
      return;
    }
    case GgmlType::Q4_0:
      return dequantize_q4_0(static_cast<const BlockQ4_0*>(src), dst, n);
    case GgmlType::Q4_1:
      return dequantize_q4_1(static_cast<const BlockQ4_1*>(src), dst, n);
    case GgmlType::Q5_0:
      return dequantize_q5_0(static_cast<const BlockQ5_0*>(src), dst, n);
    case GgmlType::Q5_1:
      return dequantize_q5_1(static_cast<const BlockQ5_1*>(src), dst, n);
    case GgmlType::Q8_0:
      return dequantize_q8_0(static_cast<const BlockQ8_0*>(src), dst, n);
    case GgmlType::Q8_1:
      return dequantize_q8_1(static_cast<const BlockQ8_1*>(src), dst, n);
    case GgmlType::Q2_K:
      return dequantize_q2_k(static_cast<const BlockQ2_K*>(src), dst, n);
    case GgmlType::Q3_K:
      return dequantize_q3_k(static_cast<const BlockQ3_K*>(src), dst, n);
    case GgmlType::Q4_K:
      return dequantize_q4_k(static_cast<const BlockQ4_K*>(src), dst, n);
    case GgmlType::Q5_K:
      return dequantize_q5_k(static_cast<const BlockQ5_K*>(src), dst, n);
    case GgmlType::Q6_K:
      return dequantize_q6_k(static_cast<const BlockQ6_K*>(src), dst, n);
    case GgmlType::Q8_K:
      return dequantize_q8_k(static_cast<const BlockQ8_K*>(src), dst, n);
    case GgmlType::IQ4_NL:
      return dequantize_iq4_nl(static_cast<const BlockIq4Nl*>(src), dst, n);
    case GgmlType::IQ4_XS:
      return dequantize_iq4_xs(static_cast<const BlockIq4Xs*>(src), dst, n);
    default:
      throw UnsupportedError("cannot dequantize tensor type " + std::string(ggml_type_name(type)));
  }
}

}  // namespace ruvllm::kernels
