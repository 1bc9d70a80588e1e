// Dequantizers of the 32-element block types (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1, IQ4_NL).
#include <cstring>

#include "core/half.h"
#include "kernels/dequantize_rows.h"

namespace ruvllm::kernels::detail {
namespace {
constexpr int kHalf = kBlock / 2;

uint32_t load_u32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// Fifth bits of elements j and j + 16 of a Q5 block, as 0 or 16.
int high_bit_lo(uint32_t qh, int j) {
  return int(((qh >> j) << 4) & 0x10);
}
int high_bit_hi(uint32_t qh, int j) {
  return int((qh >> (j + 12)) & 0x10);
}
}  // namespace

void dequantize_q4_0(const BlockQ4_0* x, float* y, int64_t n) {
  for (int64_t b = 0; b < n / kBlock; ++b, y += kBlock) {
    const float d = fp16_to_fp32(x[b].d);
    for (int j = 0; j < kHalf; ++j) {
      y[j] = float((x[b].qs[j] & 0xF) - 8) * d;
      y[j + kHalf] = float((x[b].qs[j] >> 4) - 8) * d;
    }
  }
}

void dequantize_q4_1(const BlockQ4_1* x, float* y, int64_t n) {
  for (int64_t b = 0; b < n / kBlock; ++b, y += kBlock) {
    const float d = fp16_to_fp32(x[b].d);
    const float m = fp16_to_fp32(x[b].m);
    for (int j = 0; j < kHalf; ++j) {
      y[j] = float(x[b].qs[j] & 0xF) * d + m;
      y[j + kHalf] = float(x[b].qs[j] >> 4) * d + m;
    }
  }
}

void dequantize_q5_0(const BlockQ5_0* x, float* y, int64_t n) {
  for (int64_t b = 0; b < n / kBlock; ++b, y += kBlock) {
    const float d = fp16_to_fp32(x[b].d);
    const uint32_t qh = load_u32(x[b].qh);
    for (int j = 0; j < kHalf; ++j) {
      y[j] = float(((x[b].qs[j] & 0xF) | high_bit_lo(qh, j)) - 16) * d;
      y[j + kHalf] = float(((x[b].qs[j] >> 4) | high_bit_hi(qh, j)) - 16) * d;
    }
  }
}

void dequantize_q5_1(const BlockQ5_1* x, float* y, int64_t n) {
  for (int64_t b = 0; b < n / kBlock; ++b, y += kBlock) {
    const float d = fp16_to_fp32(x[b].d);
    const float m = fp16_to_fp32(x[b].m);
    const uint32_t qh = load_u32(x[b].qh);
    for (int j = 0; j < kHalf; ++j) {
      y[j] = float((x[b].qs[j] & 0xF) | high_bit_lo(qh, j)) * d + m;
      y[j + kHalf] = float((x[b].qs[j] >> 4) | high_bit_hi(qh, j)) * d + m;
    }
  }
}

void dequantize_q8_0(const BlockQ8_0* x, float* y, int64_t n) {
  for (int64_t b = 0; b < n / kBlock; ++b, y += kBlock) {
    const float d = fp16_to_fp32(x[b].d);
    for (int j = 0; j < kBlock; ++j) y[j] = float(x[b].qs[j]) * d;
  }
}

void dequantize_q8_1(const BlockQ8_1* x, float* y, int64_t n) {
  for (int64_t b = 0; b < n / kBlock; ++b, y += kBlock) {
    const float d = fp16_to_fp32(x[b].d);
    for (int j = 0; j < kBlock; ++j) y[j] = float(x[b].qs[j]) * d;
  }
}

void dequantize_iq4_nl(const BlockIq4Nl* x, float* y, int64_t n) {
  for (int64_t b = 0; b < n / kBlock; ++b, y += kBlock) {
    const float d = fp16_to_fp32(x[b].d);
    for (int j = 0; j < kHalf; ++j) {
      y[j] = d * float(kIq4nlValues[x[b].qs[j] & 0xF]);
      y[j + kHalf] = d * float(kIq4nlValues[x[b].qs[j] >> 4]);
    }
  }
}

}  // namespace ruvllm::kernels::detail
