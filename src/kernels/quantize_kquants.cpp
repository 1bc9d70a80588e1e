// Reference quantizers of the K-quant types (Q2_K ... Q6_K): per sub-block scale searches
// (quantize_scales.h), the sub-block scales quantized against the super-block's F16 scale, then
// every element re-quantized with the scale as stored, so levels match what dequantization sees.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/half.h"
#include "kernels/quantize_rows.h"
#include "kernels/quantize_scales.h"

namespace ruvllm::kernels::detail {
namespace {

// Packs 2-bit levels (element order) into the Q2_K / Q3_K qs layout.
void pack_two_bits(const uint8_t* L, uint8_t* qs) {
  for (int j = 0; j < kSuperBlock; j += 128)
    for (int l = 0; l < 32; ++l)
      qs[j / 4 + l] =
          uint8_t(L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6));
}

// Packs 6-bit scales and mins of 8 sub-blocks into Q4_K / Q5_K's 12 bytes.
void pack_scale_min_k4(const int* ls, const int* lm, uint8_t* packed) {
  for (int j = 0; j < 8; ++j) {
    if (j < 4) {
      packed[j] = uint8_t(ls[j]);
      packed[j + 4] = uint8_t(lm[j]);
    } else {
      packed[j + 4] = uint8_t((ls[j] & 0xF) | ((lm[j] & 0xF) << 4));
      packed[j - 4] |= uint8_t((ls[j] >> 4) << 6);
      packed[j] |= uint8_t((lm[j] >> 4) << 6);
    }
  }
}

// The shared first half of Q4_K and Q5_K: affine sub-blocks of 32 with 6-bit scales and mins.
// Fills d, dmin, scales and the levels L (0..nmax) of all 256 elements.
template <typename Block>
void quantize_k4_levels(const float* x, Block& y, uint8_t* L, int nmax, float rmin, int nstep) {
  float scales[8], mins[8], weights[32];
  uint8_t scratch[32];
  float max_scale = 0, max_min = 0;
  for (int j = 0; j < 8; ++j) {
    const float* xs = x + 32 * j;
    float sum_x2 = 0;
    for (int l = 0; l < 32; ++l) sum_x2 += xs[l] * xs[l];
    const float av_x = std::sqrt(sum_x2 / 32);
    for (int l = 0; l < 32; ++l) weights[l] = av_x + std::fabs(xs[l]);
    scales[j] = search_affine_scale(32, nmax, xs, weights, L + 32 * j, &mins[j], scratch, rmin,
                                    0.1f, nstep, false);
    max_scale = std::max(max_scale, scales[j]);
    max_min = std::max(max_min, mins[j]);
  }
  const float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f;
  const float inv_min = max_min > 0 ? 63.f / max_min : 0.f;
  int ls[8], lm[8];
  for (int j = 0; j < 8; ++j) {
    ls[j] = std::min(63, nearest_int(inv_scale * scales[j]));
    lm[j] = std::min(63, nearest_int(inv_min * mins[j]));
  }
  pack_scale_min_k4(ls, lm, y.scales);
  y.d = fp32_to_fp16(max_scale / 63.f);
  y.dmin = fp32_to_fp16(max_min / 63.f);
  for (int j = 0; j < 8; ++j) {
    uint8_t sc, m;
    unpack_scale_min_k4(j, y.scales, &sc, &m);
    const float d = fp16_to_fp32(y.d) * float(sc);
    if (d == 0) continue;
    const float dm = fp16_to_fp32(y.dmin) * float(m);
    for (int i = 0; i < 32; ++i) {
      const int l = nearest_int((x[32 * j + i] + dm) / d);
      L[32 * j + i] = uint8_t(std::max(0, std::min(nmax, l)));
    }
  }
}

}  // namespace

void quantize_q2_k(const float* x, BlockQ2_K* y, int64_t n) {
  constexpr float kScaleLevels = 15.f;
  for (int64_t b = 0; b < n / kSuperBlock; ++b, x += kSuperBlock) {
    uint8_t L[kSuperBlock], scratch[16];
    float weights[16], scales[16], mins[16];
    float max_scale = 0, max_min = 0;
    for (int j = 0; j < 16; ++j) {
      for (int l = 0; l < 16; ++l) weights[l] = std::fabs(x[16 * j + l]);
      scales[j] = search_affine_scale(16, 3, x + 16 * j, weights, L + 16 * j, &mins[j], scratch,
                                      -0.5f, 0.1f, 15, true);
      max_scale = std::max(max_scale, scales[j]);
      max_min = std::max(max_min, mins[j]);
    }
    if (max_scale > 0) {
      const float iscale = kScaleLevels / max_scale;
      for (int j = 0; j < 16; ++j) y[b].scales[j] = uint8_t(nearest_int(iscale * scales[j]));
      y[b].d = fp32_to_fp16(max_scale / kScaleLevels);
    } else {
      std::memset(y[b].scales, 0, sizeof(y[b].scales));
      y[b].d = fp32_to_fp16(0.f);
    }
    if (max_min > 0) {
      const float iscale = kScaleLevels / max_min;
      for (int j = 0; j < 16; ++j) y[b].scales[j] |= uint8_t(nearest_int(iscale * mins[j]) << 4);
      y[b].dmin = fp32_to_fp16(max_min / kScaleLevels);
    } else {
      y[b].dmin = fp32_to_fp16(0.f);
    }
    for (int j = 0; j < 16; ++j) {
      const float d = fp16_to_fp32(y[b].d) * float(y[b].scales[j] & 0xF);
      if (d == 0) continue;
      const float dm = fp16_to_fp32(y[b].dmin) * float(y[b].scales[j] >> 4);
      for (int i = 0; i < 16; ++i) {
        const int l = nearest_int((x[16 * j + i] + dm) / d);
        L[16 * j + i] = uint8_t(std::max(0, std::min(3, l)));
      }
    }
    pack_two_bits(L, y[b].qs);
  }
}

void quantize_q3_k(const float* x, BlockQ3_K* y, int64_t n) {
  for (int64_t b = 0; b < n / kSuperBlock; ++b, x += kSuperBlock) {
    int8_t L[kSuperBlock];
    float scales[16];
    float max_scale = 0, amax = 0;
    for (int j = 0; j < 16; ++j) {
      scales[j] = search_q3_scale(16, 4, x + 16 * j, L + 16 * j);
      if (std::fabs(scales[j]) > amax) {
        amax = std::fabs(scales[j]);
        max_scale = scales[j];
      }
    }
    std::memset(y[b].scales, 0, sizeof(y[b].scales));
    if (max_scale != 0) {
      const float iscale = -32.f / max_scale;
      for (int j = 0; j < 16; ++j) {
        const int l =
            std::max(-32, std::min(31, int(int8_t(nearest_int(iscale * scales[j]))))) + 32;
        if (j < 8)
          y[b].scales[j] = uint8_t(l & 0xF);
        else
          y[b].scales[j - 8] |= uint8_t((l & 0xF) << 4);
        y[b].scales[j % 4 + 8] |= uint8_t((l >> 4) << (2 * (j / 4)));
      }
      y[b].d = fp32_to_fp16(1 / iscale);
    } else {
      y[b].d = fp32_to_fp16(0.f);
    }
    int8_t sc[16];
    unpack_scales_q3_k(y[b].scales, sc);
    for (int j = 0; j < 16; ++j) {
      const float d = fp16_to_fp32(y[b].d) * float(sc[j]);
      if (d == 0) continue;
      for (int i = 0; i < 16; ++i) {
        const int l = nearest_int(x[16 * j + i] / d);
        L[16 * j + i] = int8_t(std::max(-4, std::min(3, l)) + 4);
      }
    }
    // Level bit 2 goes to hmask (bit k of byte m for element 32 k + m), bits 0-1 to qs.
    std::memset(y[b].hmask, 0, sizeof(y[b].hmask));
    uint8_t low[kSuperBlock];
    for (int e = 0; e < kSuperBlock; ++e) {
      if (L[e] > 3) y[b].hmask[e % 32] |= uint8_t(1 << (e / 32));
      low[e] = uint8_t(L[e] & 3);
    }
    pack_two_bits(low, y[b].qs);
  }
}

void quantize_q4_k(const float* x, BlockQ4_K* y, int64_t n) {
  for (int64_t b = 0; b < n / kSuperBlock; ++b, x += kSuperBlock) {
    uint8_t L[kSuperBlock];
    quantize_k4_levels(x, y[b], L, 15, -1.f, 20);
    uint8_t* q = y[b].qs;
    for (int j = 0; j < kSuperBlock; j += 64, q += 32)
      for (int l = 0; l < 32; ++l) q[l] = uint8_t(L[j + l] | (L[j + l + 32] << 4));
  }
}

void quantize_q5_k(const float* x, BlockQ5_K* y, int64_t n) {
  for (int64_t b = 0; b < n / kSuperBlock; ++b, x += kSuperBlock) {
    uint8_t L[kSuperBlock];
    quantize_k4_levels(x, y[b], L, 31, -0.5f, 15);
    std::memset(y[b].qh, 0, sizeof(y[b].qh));
    uint8_t* ql = y[b].qs;
    uint8_t m1 = 1, m2 = 2;
    for (int j = 0; j < kSuperBlock;
         j += 64, ql += 32, m1 = uint8_t(m1 << 2), m2 = uint8_t(m2 << 2)) {
      for (int l = 0; l < 32; ++l) {
        int l1 = L[j + l], l2 = L[j + l + 32];
        if (l1 > 15) {
          l1 -= 16;
          y[b].qh[l] |= m1;
        }
        if (l2 > 15) {
          l2 -= 16;
          y[b].qh[l] |= m2;
        }
        ql[l] = uint8_t(l1 | (l2 << 4));
      }
    }
  }
}

void quantize_q6_k(const float* x, BlockQ6_K* y, int64_t n) {
  for (int64_t b = 0; b < n / kSuperBlock; ++b, x += kSuperBlock) {
    int8_t L[kSuperBlock];
    float scales[16];
    float max_scale = 0, max_abs_scale = 0;
    for (int j = 0; j < 16; ++j) {
      scales[j] = search_symmetric_scale(16, 32, x + 16 * j, L + 16 * j, 1);
      if (std::fabs(scales[j]) > max_abs_scale) {
        max_abs_scale = std::fabs(scales[j]);
        max_scale = scales[j];
      }
    }
    if (max_abs_scale < kGroupMaxEps) {
      std::memset(&y[b], 0, sizeof(y[b]));
      y[b].d = fp32_to_fp16(0.f);
      continue;
    }
    const float iscale = -128.f / max_scale;
    y[b].d = fp32_to_fp16(1 / iscale);
    for (int j = 0; j < 16; ++j)
      y[b].scales[j] = int8_t(std::min(127, nearest_int(iscale * scales[j])));
    for (int j = 0; j < 16; ++j) {
      const float d = fp16_to_fp32(y[b].d) * float(y[b].scales[j]);
      if (d == 0) continue;
      for (int i = 0; i < 16; ++i) {
        const int l = nearest_int(x[16 * j + i] / d);
        L[16 * j + i] = int8_t(std::max(-32, std::min(31, l)) + 32);
      }
    }
    uint8_t* ql = y[b].ql;
    uint8_t* qh = y[b].qh;
    for (int j = 0; j < kSuperBlock; j += 128, ql += 64, qh += 32) {
      for (int l = 0; l < 32; ++l) {
        const int q1 = L[j + l], q2 = L[j + l + 32], q3 = L[j + l + 64], q4 = L[j + l + 96];
        ql[l] = uint8_t((q1 & 0xF) | ((q3 & 0xF) << 4));
        ql[l + 32] = uint8_t((q2 & 0xF) | ((q4 & 0xF) << 4));
        qh[l] = uint8_t((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6));
      }
    }
  }
}

}  // namespace ruvllm::kernels::detail
