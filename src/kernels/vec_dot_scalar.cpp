// Portable dot products of the float types and the 32-element block types.
//
// Integer products are summed exactly per block, then scaled once per block in float, the way
// ggml's reference does; float rows accumulate in double.
#include <cstring>

#include "core/half.h"
#include "kernels/quant_blocks.h"
#include "kernels/vec_dot_kernels.h"

namespace ruvllm::kernels::detail {

float vec_dot_q2_k_q8_k(int64_t n, const void* w, const void* x);
float vec_dot_q3_k_q8_k(int64_t n, const void* w, const void* x);
float vec_dot_q4_k_q8_k(int64_t n, const void* w, const void* x);
float vec_dot_q5_k_q8_k(int64_t n, const void* w, const void* x);
float vec_dot_q6_k_q8_k(int64_t n, const void* w, const void* x);
float vec_dot_iq4_xs_q8_k(int64_t n, const void* w, const void* x);

namespace {
constexpr int kHalf = kBlock / 2;

float dot_f32(int64_t n, const void* w, const void* x) {
  const auto* a = static_cast<const float*>(w);
  const auto* b = static_cast<const float*>(x);
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += double(a[i] * b[i]);
  return float(sum);
}

float dot_f16(int64_t n, const void* w, const void* x) {
  const auto* a = static_cast<const uint16_t*>(w);
  const auto* b = static_cast<const uint16_t*>(x);
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += double(fp16_to_fp32(a[i]) * fp16_to_fp32(b[i]));
  return float(sum);
}

float dot_bf16(int64_t n, const void* w, const void* x) {
  const auto* a = static_cast<const uint16_t*>(w);
  const auto* b = static_cast<const uint16_t*>(x);
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += double(bf16_to_fp32(a[i]) * bf16_to_fp32(b[i]));
  return float(sum);
}

uint32_t load_u32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

float dot_q4_0(int64_t n, const void* w, const void* x) {
  const auto* a = static_cast<const BlockQ4_0*>(w);
  const auto* b = static_cast<const BlockQ8_0*>(x);
  float sum = 0;
  for (int64_t i = 0; i < n / kBlock; ++i) {
    int sumi = 0;
    for (int j = 0; j < kHalf; ++j) {
      sumi += ((a[i].qs[j] & 0xF) - 8) * b[i].qs[j];
      sumi += ((a[i].qs[j] >> 4) - 8) * b[i].qs[j + kHalf];
    }
    sum += float(sumi) * (fp16_to_fp32(a[i].d) * fp16_to_fp32(b[i].d));
  }
  return sum;
}

float dot_q4_1(int64_t n, const void* w, const void* x) {
  const auto* a = static_cast<const BlockQ4_1*>(w);
  const auto* b = static_cast<const BlockQ8_1*>(x);
  float sum = 0;
  for (int64_t i = 0; i < n / kBlock; ++i) {
    int sumi = 0;
    for (int j = 0; j < kHalf; ++j) {
      sumi += (a[i].qs[j] & 0xF) * b[i].qs[j];
      sumi += (a[i].qs[j] >> 4) * b[i].qs[j + kHalf];
    }
    sum += (fp16_to_fp32(a[i].d) * fp16_to_fp32(b[i].d)) * float(sumi) +
           fp16_to_fp32(a[i].m) * fp16_to_fp32(b[i].s);
  }
  return sum;
}

float dot_q5_0(int64_t n, const void* w, const void* x) {
  const auto* a = static_cast<const BlockQ5_0*>(w);
  const auto* b = static_cast<const BlockQ8_0*>(x);
  float sum = 0;
  for (int64_t i = 0; i < n / kBlock; ++i) {
    const uint32_t qh = load_u32(a[i].qh);
    int sumi = 0;
    for (int j = 0; j < kHalf; ++j) {
      const int lo = ((a[i].qs[j] & 0xF) | int(((qh >> j) << 4) & 0x10)) - 16;
      const int hi = ((a[i].qs[j] >> 4) | int((qh >> (j + 12)) & 0x10)) - 16;
      sumi += lo * b[i].qs[j] + hi * b[i].qs[j + kHalf];
    }
    sum += float(sumi) * (fp16_to_fp32(a[i].d) * fp16_to_fp32(b[i].d));
  }
  return sum;
}

float dot_q5_1(int64_t n, const void* w, const void* x) {
  const auto* a = static_cast<const BlockQ5_1*>(w);
  const auto* b = static_cast<const BlockQ8_1*>(x);
  float sum = 0;
  for (int64_t i = 0; i < n / kBlock; ++i) {
    const uint32_t qh = load_u32(a[i].qh);
    int sumi = 0;
    for (int j = 0; j < kHalf; ++j) {
      const int lo = (a[i].qs[j] & 0xF) | int(((qh >> j) << 4) & 0x10);
      const int hi = (a[i].qs[j] >> 4) | int((qh >> (j + 12)) & 0x10);
      sumi += lo * b[i].qs[j] + hi * b[i].qs[j + kHalf];
    }
    sum += (fp16_to_fp32(a[i].d) * fp16_to_fp32(b[i].d)) * float(sumi) +
           fp16_to_fp32(a[i].m) * fp16_to_fp32(b[i].s);
  }
  return sum;
}

float dot_q8_0(int64_t n, const void* w, const void* x) {
  const auto* a = static_cast<const BlockQ8_0*>(w);
  const auto* b = static_cast<const BlockQ8_0*>(x);
  float sum = 0;
  for (int64_t i = 0; i < n / kBlock; ++i) {
    int sumi = 0;
    for (int j = 0; j < kBlock; ++j) sumi += a[i].qs[j] * b[i].qs[j];
    sum += float(sumi) * (fp16_to_fp32(a[i].d) * fp16_to_fp32(b[i].d));
  }
  return sum;
}

float dot_iq4_nl(int64_t n, const void* w, const void* x) {
  const auto* a = static_cast<const BlockIq4Nl*>(w);
  const auto* b = static_cast<const BlockQ8_0*>(x);
  float sum = 0;
  for (int64_t i = 0; i < n / kBlock; ++i) {
    int sumi = 0;
    for (int j = 0; j < kHalf; ++j) {
      sumi += kIq4nlValues[a[i].qs[j] & 0xF] * b[i].qs[j];
      sumi += kIq4nlValues[a[i].qs[j] >> 4] * b[i].qs[j + kHalf];
    }
    sum += float(sumi) * (fp16_to_fp32(a[i].d) * fp16_to_fp32(b[i].d));
  }
  return sum;
}

}  // namespace

DotKernel scalar_dot_kernel(GgmlType weight_type) {
  switch (weight_type) {
    case GgmlType::F32:
      return {dot_f32};
    case GgmlType::F16:
      return {dot_f16};
    case GgmlType::BF16:
      return {dot_bf16};
    case GgmlType::Q4_0:
      return {dot_q4_0};
    case GgmlType::Q4_1:
      return {dot_q4_1};
    case GgmlType::Q5_0:
      return {dot_q5_0};
    case GgmlType::Q5_1:
      return {dot_q5_1};
    case GgmlType::Q8_0:
      return {dot_q8_0};
    case GgmlType::IQ4_NL:
      return {dot_iq4_nl};
    case GgmlType::Q2_K:
      return {vec_dot_q2_k_q8_k};
    case GgmlType::Q3_K:
      return {vec_dot_q3_k_q8_k};
    case GgmlType::Q4_K:
      return {vec_dot_q4_k_q8_k};
    case GgmlType::Q5_K:
      return {vec_dot_q5_k_q8_k};
    case GgmlType::Q6_K:
      return {vec_dot_q6_k_q8_k};
    case GgmlType::IQ4_XS:
      return {vec_dot_iq4_xs_q8_k};
    default:
      return {};
  }
}

}  // namespace ruvllm::kernels::detail
