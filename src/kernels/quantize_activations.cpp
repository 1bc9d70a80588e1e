// Q8_0, Q8_1 and Q8_K: the 8-bit activation formats of the quantized dot products.
#include <cmath>
#include <cstring>

#include "core/half.h"
#include "kernels/quantize_rows.h"

namespace ruvllm::kernels::detail {
namespace {
float block_absmax(const float* x, int n) {
  float amax = 0;
  for (int j = 0; j < n; ++j) amax = std::fmax(amax, std::fabs(x[j]));
  return amax;
}
// roundf (half away from zero) without the libm call: v - trunc(v) is exact for |v| < 2^23.
int round_half_away(float v) {
  const int i = int(v);
  const float frac = v - float(i);
  return frac >= 0.5f ? i + 1 : frac <= -0.5f ? i - 1 : i;
}
}  // namespace

void quantize_q8_0(const float* x, BlockQ8_0* y, int64_t n) {
  for (int64_t b = 0; b < n / kBlock; ++b, x += kBlock) {
    const float d = block_absmax(x, kBlock) / 127.f;
    const float id = d != 0.f ? 1.0f / d : 0.0f;
    y[b].d = fp32_to_fp16(d);
    for (int j = 0; j < kBlock; ++j) y[b].qs[j] = int8_t(round_half_away(x[j] * id));
  }
}

void quantize_q8_1(const float* x, BlockQ8_1* y, int64_t n) {
  for (int64_t b = 0; b < n / kBlock; ++b, x += kBlock) {
    const float d = block_absmax(x, kBlock) / 127.f;
    const float id = d != 0.f ? 1.0f / d : 0.0f;
    int sum = 0;
    for (int j = 0; j < kBlock; ++j) {
      y[b].qs[j] = int8_t(round_half_away(x[j] * id));
      sum += y[b].qs[j];
    }
    y[b].d = fp32_to_fp16(d);
    y[b].s = fp32_to_fp16(float(sum) * d);
  }
}

// The scale maps the element of largest magnitude to -127 (sign included), as ggml does.
void quantize_q8_k(const float* x, BlockQ8_K* y, int64_t n) {
  for (int64_t b = 0; b < n / kSuperBlock; ++b, x += kSuperBlock) {
    float amax = 0, max = 0;
    for (int j = 0; j < kSuperBlock; ++j) {
      const float ax = std::fabs(x[j]);
      if (ax > amax) {
        amax = ax;
        max = x[j];
      }
    }
    if (amax == 0) {
      y[b].d = 0;
      std::memset(y[b].qs, 0, sizeof(y[b].qs));
      std::memset(y[b].bsums, 0, sizeof(y[b].bsums));
      continue;
    }
    const float iscale = -127.f / max;
    for (int j = 0; j < kSuperBlock; ++j) {
      const int v = nearest_int(iscale * x[j]);
      y[b].qs[j] = int8_t(v < 127 ? v : 127);
    }
    for (int g = 0; g < kSuperBlock / 16; ++g) {
      int sum = 0;
      for (int l = 0; l < 16; ++l) sum += y[b].qs[16 * g + l];
      y[b].bsums[g] = int16_t(sum);
    }
    y[b].d = 1 / iscale;
  }
}

}  // namespace ruvllm::kernels::detail
