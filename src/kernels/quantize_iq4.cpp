// Reference quantizers of the non-linear 4-bit types IQ4_NL and IQ4_XS (without an importance
// matrix), following ggml's search: per 32 elements, try 15 scales that map the largest-magnitude
// element near the ends of the level table, keep the least-squares best (weights x^2), then
// assign every element its nearest level.
#include <cmath>
#include <cstring>

#include "core/half.h"
#include "kernels/quantize_rows.h"
#include "kernels/quantize_scales.h"

namespace ruvllm::kernels::detail {
namespace {

constexpr int kLevels = 16;
constexpr int kTries = 7;

// Index of the level nearest to v (the lower one on ties), levels ascending.
int nearest_level(float v) {
  const int8_t* values = kIq4nlValues;
  if (v <= values[0]) return 0;
  if (v >= values[kLevels - 1]) return kLevels - 1;
  int lo = 0, hi = kLevels - 1;
  while (hi - lo > 1) {
    const int mid = (lo + hi) / 2;
    if (v < values[mid])
      hi = mid;
    else
      lo = mid;
  }
  return v - values[hi - 1] < values[hi] - v ? hi - 1 : hi;
}

// Best scale of one group of 32 (0 for an all-zero group), as ggml's search.
float best_group_scale(const float* x) {
  float weight[kBlock];
  float amax = 0, max = 0;
  for (int j = 0; j < kBlock; ++j) {
    weight[j] = x[j] * x[j];
    if (std::fabs(x[j]) > amax) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  if (amax < kGroupMaxEps) return 0;
  auto sums = [&](float id, float* sumqx, float* sumq2) {
    *sumqx = *sumq2 = 0;
    for (int j = 0; j < kBlock; ++j) {
      const float q = kIq4nlValues[nearest_level(id * x[j])];
      *sumqx += weight[j] * q * x[j];
      *sumq2 += weight[j] * q * q;
    }
  };
  float sumqx, sumq2;
  sums(1 / (-max / kIq4nlValues[0]), &sumqx, &sumq2);
  float d = sumqx / sumq2;
  float best = d * sumqx;
  for (int itry = -kTries; itry <= kTries; ++itry) {
    sums(float(itry + kIq4nlValues[0]) / max, &sumqx, &sumq2);
    if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
      d = sumqx / sumq2;
      best = d * sumqx;
    }
  }
  return d;
}

// Packs 32 level indices: element j and j + 16 share byte j.
void pack_levels(const uint8_t* L, uint8_t* qs) {
  for (int j = 0; j < 16; ++j) qs[j] = uint8_t(L[j] | (L[16 + j] << 4));
}

}  // namespace

void quantize_iq4_nl(const float* x, BlockIq4Nl* y, int64_t n) {
  for (int64_t b = 0; b < n / kBlock; ++b, x += kBlock) {
    const float d = best_group_scale(x);
    y[b].d = fp32_to_fp16(d);
    const float id = d != 0 ? 1 / d : 0;
    uint8_t L[kBlock];
    for (int j = 0; j < kBlock; ++j) L[j] = uint8_t(nearest_level(id * x[j]));
    pack_levels(L, y[b].qs);
  }
}

void quantize_iq4_xs(const float* x, BlockIq4Xs* y, int64_t n) {
  constexpr int kGroups = kSuperBlock / kBlock;
  for (int64_t b = 0; b < n / kSuperBlock; ++b, x += kSuperBlock) {
    float scales[kGroups];
    float max_scale = 0, amax_scale = 0;
    for (int g = 0; g < kGroups; ++g) {
      scales[g] = best_group_scale(x + kBlock * g);
      if (std::fabs(scales[g]) > amax_scale) {
        amax_scale = std::fabs(scales[g]);
        max_scale = scales[g];
      }
    }
    // Group scales become 6-bit multiples (-32..31) of the block scale d.
    const float d = -max_scale / 32;
    y[b].d = fp32_to_fp16(d);
    const float id = d != 0 ? 1 / d : 0.f;
    y[b].scales_h = 0;
    std::memset(y[b].scales_l, 0, sizeof(y[b].scales_l));
    for (int g = 0; g < kGroups; ++g) {
      int l = nearest_int(id * scales[g]);
      l = l < -32 ? -32 : l > 31 ? 31 : l;
      const float dl = d * float(l);
      const float idl = dl != 0 ? 1 / dl : 0.f;
      uint8_t L[kBlock];
      for (int j = 0; j < kBlock; ++j) L[j] = uint8_t(nearest_level(idl * x[kBlock * g + j]));
      pack_levels(L, y[b].qs + 16 * g);
      l += 32;
      y[b].scales_l[g / 2] |= uint8_t((l & 0xF) << (4 * (g % 2)));
      y[b].scales_h |= uint16_t((l >> 4) << (2 * g));
    }
  }
}

}  // namespace ruvllm::kernels::detail
