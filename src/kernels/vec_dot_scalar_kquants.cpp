// Portable dot products of the K-quant weight types with Q8_K activations.
//
// Each super-block's weights are first unpacked to 256 small integers in element order; the
// products with the activations are then summed exactly per sub-block, weighted by the
// sub-block's integer scale, and scaled once per super-block in float.
#include "core/half.h"
#include "kernels/quant_blocks.h"

namespace ruvllm::kernels::detail {
namespace {

// Low two bits of element e from the Q2_K / Q3_K `qs` layout.
int two_bits(const uint8_t* qs, int e) {
  return (qs[(e / 128) * 32 + e % 32] >> (2 * ((e % 128) / 32))) & 3;
}

// Low or high nibble of element e from the Q4_K / Q5_K `qs` layout (64 elements per 32 bytes).
int nibble_k(const uint8_t* qs, int e) {
  const uint8_t byte = qs[(e / 64) * 32 + e % 32];
  return (e % 64) < 32 ? (byte & 0xF) : (byte >> 4);
}

// sum over a group of `len` elements starting at e0 of q[e] * a[e].
int group_dot(const int8_t* q, const int8_t* a, int e0, int len) {
  int s = 0;
  for (int e = e0; e < e0 + len; ++e) s += q[e] * a[e];
  return s;
}

}  // namespace

float vec_dot_q2_k_q8_k(int64_t n, const void* w, const void* x) {
  const auto* a = static_cast<const BlockQ2_K*>(w);
  const auto* b = static_cast<const BlockQ8_K*>(x);
  float sum = 0;
  int8_t q[kSuperBlock];
  for (int64_t i = 0; i < n / kSuperBlock; ++i) {
    for (int e = 0; e < kSuperBlock; ++e) q[e] = int8_t(two_bits(a[i].qs, e));
    int isum = 0, summs = 0;
    for (int g = 0; g < 16; ++g) {
      isum += (a[i].scales[g] & 0xF) * group_dot(q, b[i].qs, 16 * g, 16);
      summs += (a[i].scales[g] >> 4) * b[i].bsums[g];
    }
    const float dall = b[i].d * fp16_to_fp32(a[i].d);
    const float dmin = b[i].d * fp16_to_fp32(a[i].dmin);
    sum += dall * float(isum) - dmin * float(summs);
  }
  return sum;
}

float vec_dot_q3_k_q8_k(int64_t n, const void* w, const void* x) {
  const auto* a = static_cast<const BlockQ3_K*>(w);
  const auto* b = static_cast<const BlockQ8_K*>(x);
  float sum = 0;
  int8_t q[kSuperBlock];
  int8_t scales[16];
  for (int64_t i = 0; i < n / kSuperBlock; ++i) {
    for (int e = 0; e < kSuperBlock; ++e) {
      const bool high = (a[i].hmask[e % 32] >> (e / 32)) & 1;
      q[e] = int8_t(two_bits(a[i].qs, e) - (high ? 0 : 4));
    }
    unpack_scales_q3_k(a[i].scales, scales);
    int isum = 0;
    for (int g = 0; g < 16; ++g) isum += scales[g] * group_dot(q, b[i].qs, 16 * g, 16);
    sum += (fp16_to_fp32(a[i].d) * b[i].d) * float(isum);
  }
  return sum;
}

namespace {
// Q4_K and Q5_K share their scales and the min correction through the activation bsums.
template <typename Block>
float scaled_k4_sum(const Block& a, const BlockQ8_K& b, const int8_t* q) {
  int isum = 0, summs = 0;
  for (int j = 0; j < 8; ++j) {
    uint8_t sc, m;
    unpack_scale_min_k4(j, a.scales, &sc, &m);
    isum += sc * group_dot(q, b.qs, 32 * j, 32);
    summs += m * (b.bsums[2 * j] + b.bsums[2 * j + 1]);
  }
  const float d = b.d * fp16_to_fp32(a.d);
  const float dmin = b.d * fp16_to_fp32(a.dmin);
  return d * float(isum) - dmin * float(summs);
}
}  // namespace

float vec_dot_q4_k_q8_k(int64_t n, const void* w, const void* x) {
  const auto* a = static_cast<const BlockQ4_K*>(w);
  const auto* b = static_cast<const BlockQ8_K*>(x);
  float sum = 0;
  int8_t q[kSuperBlock];
  for (int64_t i = 0; i < n / kSuperBlock; ++i) {
    for (int e = 0; e < kSuperBlock; ++e) q[e] = int8_t(nibble_k(a[i].qs, e));
    sum += scaled_k4_sum(a[i], b[i], q);
  }
  return sum;
}

float vec_dot_q5_k_q8_k(int64_t n, const void* w, const void* x) {
  const auto* a = static_cast<const BlockQ5_K*>(w);
  const auto* b = static_cast<const BlockQ8_K*>(x);
  float sum = 0;
  int8_t q[kSuperBlock];
  for (int64_t i = 0; i < n / kSuperBlock; ++i) {
    for (int e = 0; e < kSuperBlock; ++e) {
      const int high = (a[i].qh[e % 32] >> (e / 32)) & 1;
      q[e] = int8_t(nibble_k(a[i].qs, e) | (high << 4));
    }
    sum += scaled_k4_sum(a[i], b[i], q);
  }
  return sum;
}

float vec_dot_q6_k_q8_k(int64_t n, const void* w, const void* x) {
  const auto* a = static_cast<const BlockQ6_K*>(w);
  const auto* b = static_cast<const BlockQ8_K*>(x);
  float sum = 0;
  int8_t q[kSuperBlock];
  for (int64_t i = 0; i < n / kSuperBlock; ++i) {
    for (int e = 0; e < kSuperBlock; ++e) {
      const int h = e / 128, k = (e % 128) / 32, l = e % 32;
      const uint8_t low_byte = a[i].ql[h * 64 + l + 32 * (k & 1)];
      const int low = k < 2 ? (low_byte & 0xF) : (low_byte >> 4);
      const int high = (a[i].qh[h * 32 + l] >> (2 * k)) & 3;
      q[e] = int8_t((low | (high << 4)) - 32);
    }
    int isum = 0;
    for (int g = 0; g < 16; ++g) isum += a[i].scales[g] * group_dot(q, b[i].qs, 16 * g, 16);
    sum += (fp16_to_fp32(a[i].d) * b[i].d) * float(isum);
  }
  return sum;
}

float vec_dot_iq4_xs_q8_k(int64_t n, const void* w, const void* x) {
  const auto* a = static_cast<const BlockIq4Xs*>(w);
  const auto* b = static_cast<const BlockQ8_K*>(x);
  float sum = 0;
  int8_t q[kSuperBlock];
  for (int64_t i = 0; i < n / kSuperBlock; ++i) {
    int isum = 0;
    for (int ib = 0; ib < 8; ++ib) {
      for (int j = 0; j < 16; ++j) {
        q[32 * ib + j] = kIq4nlValues[a[i].qs[16 * ib + j] & 0xF];
        q[32 * ib + j + 16] = kIq4nlValues[a[i].qs[16 * ib + j] >> 4];
      }
      const int ls =
          ((a[i].scales_l[ib / 2] >> 4 * (ib % 2)) & 0xF) | (((a[i].scales_h >> 2 * ib) & 3) << 4);
      isum += (ls - 32) * group_dot(q, b[i].qs, 32 * ib, 32);
    }
    sum += (fp16_to_fp32(a[i].d) * b[i].d) * float(isum);
  }
  return sum;
}

}  // namespace ruvllm::kernels::detail
