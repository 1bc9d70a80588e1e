// Reference quantizers of the 32-element block types, the same arithmetic as ggml's, so the
// output is byte-identical to llama.cpp's (without an importance matrix).
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>

#include "core/half.h"
#include "kernels/quantize_rows.h"

namespace ruvllm::kernels::detail {
namespace {
constexpr int kHalf = kBlock / 2;

// The element of largest magnitude, sign included (the first one on ties).
float signed_absmax(const float* x, int n) {
  float amax = 0, max = 0;
  for (int j = 0; j < n; ++j) {
    if (amax < std::fabs(x[j])) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  return max;
}

void min_max(const float* x, int n, float* lo, float* hi) {
  *lo = FLT_MAX;
  *hi = -FLT_MAX;
  for (int j = 0; j < n; ++j) {
    *lo = std::min(*lo, x[j]);
    *hi = std::max(*hi, x[j]);
  }
}

// Truncation toward zero after adding 0.5 + offset is ggml's rounding for these types.
int trunc_i8(float v) {
  return int(int8_t(v));
}

void store_qh(uint8_t* dst, uint32_t qh) {
  std::memcpy(dst, &qh, 4);
}
}  // namespace

// Symmetric 4-bit: the largest-magnitude element maps to -8.
void quantize_q4_0(const float* x, BlockQ4_0* y, int64_t n) {
  for (int64_t b = 0; b < n / kBlock; ++b, x += kBlock) {
    const float d = signed_absmax(x, kBlock) / -8;
    const float id = d != 0.f ? 1.0f / d : 0.0f;
    y[b].d = fp32_to_fp16(d);
    for (int j = 0; j < kHalf; ++j) {
      const int lo = std::min(15, trunc_i8(x[j] * id + 8.5f));
      const int hi = std::min(15, trunc_i8(x[j + kHalf] * id + 8.5f));
      y[b].qs[j] = uint8_t(lo | (hi << 4));
    }
  }
}

// Affine 4-bit over [min, max].
void quantize_q4_1(const float* x, BlockQ4_1* y, int64_t n) {
  for (int64_t b = 0; b < n / kBlock; ++b, x += kBlock) {
    float lo_v, hi_v;
    min_max(x, kBlock, &lo_v, &hi_v);
    const float d = (hi_v - lo_v) / 15;
    const float id = d != 0.f ? 1.0f / d : 0.0f;
    y[b].d = fp32_to_fp16(d);
    y[b].m = fp32_to_fp16(lo_v);
    for (int j = 0; j < kHalf; ++j) {
      const int lo = std::min(15, trunc_i8((x[j] - lo_v) * id + 0.5f));
      const int hi = std::min(15, trunc_i8((x[j + kHalf] - lo_v) * id + 0.5f));
      y[b].qs[j] = uint8_t(lo | (hi << 4));
    }
  }
}

// Symmetric 5-bit: the largest-magnitude element maps to -16.
void quantize_q5_0(const float* x, BlockQ5_0* y, int64_t n) {
  for (int64_t b = 0; b < n / kBlock; ++b, x += kBlock) {
    const float d = signed_absmax(x, kBlock) / -16;
    const float id = d != 0.f ? 1.0f / d : 0.0f;
    y[b].d = fp32_to_fp16(d);
    uint32_t qh = 0;
    for (int j = 0; j < kHalf; ++j) {
      const int lo = std::min(31, trunc_i8(x[j] * id + 16.5f));
      const int hi = std::min(31, trunc_i8(x[j + kHalf] * id + 16.5f));
      y[b].qs[j] = uint8_t((lo & 0xF) | ((hi & 0xF) << 4));
      qh |= uint32_t((lo & 0x10) >> 4) << j;
      qh |= uint32_t((hi & 0x10) >> 4) << (j + kHalf);
    }
    store_qh(y[b].qh, qh);
  }
}

// Affine 5-bit over [min, max].
void quantize_q5_1(const float* x, BlockQ5_1* y, int64_t n) {
  for (int64_t b = 0; b < n / kBlock; ++b, x += kBlock) {
    float lo_v, hi_v;
    min_max(x, kBlock, &lo_v, &hi_v);
    const float d = (hi_v - lo_v) / 31;
    const float id = d != 0.f ? 1.0f / d : 0.0f;
    y[b].d = fp32_to_fp16(d);
    y[b].m = fp32_to_fp16(lo_v);
    uint32_t qh = 0;
    for (int j = 0; j < kHalf; ++j) {
      const int lo = int(uint8_t((x[j] - lo_v) * id + 0.5f));
      const int hi = int(uint8_t((x[j + kHalf] - lo_v) * id + 0.5f));
      y[b].qs[j] = uint8_t((lo & 0xF) | ((hi & 0xF) << 4));
      qh |= uint32_t((lo & 0x10) >> 4) << j;
      qh |= uint32_t((hi & 0x10) >> 4) << (j + kHalf);
    }
    store_qh(y[b].qh, qh);
  }
}

}  // namespace ruvllm::kernels::detail
