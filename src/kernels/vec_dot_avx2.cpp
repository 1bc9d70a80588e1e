// AVX2 + FMA + F16C dot products. Only called after isa_level() reported AVX2.
//
// Integer work follows the scalar reference (exact per-block sums); only the order of the float
// accumulation differs. This file must not odr-use inline functions or templates shared with
// portable files (the linker could keep this file's AVX2 copy for everyone), so every helper
// lives in the unnamed namespace and F16 values are converted with F16C instructions.
#include <immintrin.h>

#include <cstring>

#include "kernels/quant_blocks.h"
#include "kernels/vec_dot_kernels.h"

namespace ruvllm::kernels::detail {
namespace {

float half_to_float(uint16_t h) {
  return _cvtsh_ss(h);
}

float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// 32 bytes: the 16 low nibbles of p (elements 0-15), then the 16 high nibbles (elements 16-31).
__m256i nibbles_32(const uint8_t* p) {
  const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m256i both =
      _mm256_inserti128_si256(_mm256_castsi128_si256(raw), _mm_srli_epi16(raw, 4), 1);
  return _mm256_and_si256(both, _mm256_set1_epi8(0x0F));
}

// 32 bytes, 0xFF where bit i of the little-endian u32 at p is set, else 0.
__m256i bits_to_bytes_32(const uint8_t* p) {
  uint32_t bits;
  std::memcpy(&bits, p, 4);
  const __m256i spread = _mm256_shuffle_epi8(
      _mm256_set1_epi32(int(bits)),
      _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0));
  const __m256i select = _mm256_set1_epi64x(int64_t(0x8040201008040201ull));
  return _mm256_cmpeq_epi8(_mm256_and_si256(spread, select), select);
}

// Pairwise sums of signed byte products as 16 int16 (|sum| <= 2 * 127 * 128: no saturation).
__m256i mul_add_i8_pairs(__m256i a, __m256i b) {
  return _mm256_maddubs_epi16(_mm256_sign_epi8(a, a), _mm256_sign_epi8(b, a));
}

// Sum of signed byte products in 8 int32 lanes.
__m256i dot_i8(__m256i a, __m256i b) {
  return _mm256_madd_epi16(mul_add_i8_pairs(a, b), _mm256_set1_epi16(1));
}

// Sum of unsigned-by-signed byte products in 8 int32 lanes (a < 128).
__m256i dot_u8_i8(__m256i a, __m256i b) {
  return _mm256_madd_epi16(_mm256_maddubs_epi16(a, b), _mm256_set1_epi16(1));
}

__m256i load256(const void* p) {
  return _mm256_loadu_si256(static_cast<const __m256i*>(p));
}

// ---- float types ----

float dot_f32(int64_t n, const void* w, const void* x) {
  const auto* a = static_cast<const float*>(w);
  const auto* b = static_cast<const float*>(x);
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                   _mm256_setzero_ps()};
  int64_t i = 0;
  for (; i + 32 <= n; i += 32)
    for (int k = 0; k < 4; ++k)
      acc[k] =
          _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8 * k), _mm256_loadu_ps(b + i + 8 * k), acc[k]);
  for (; i + 8 <= n; i += 8)
    acc[0] = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc[0]);
  float sum = hsum(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
  for (; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

__m256 load_f16x8(const uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

__m256 load_bf16x8(const uint16_t* p) {
  const __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
}

template <__m256 (*Load)(const uint16_t*), float (*Scalar)(uint16_t)>
float dot_half(int64_t n, const void* w, const void* x) {
  const auto* a = static_cast<const uint16_t*>(w);
  const auto* b = static_cast<const uint16_t*>(x);
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                   _mm256_setzero_ps()};
  int64_t i = 0;
  for (; i + 32 <= n; i += 32)
    for (int k = 0; k < 4; ++k)
      acc[k] = _mm256_fmadd_ps(Load(a + i + 8 * k), Load(b + i + 8 * k), acc[k]);
  for (; i + 8 <= n; i += 8) acc[0] = _mm256_fmadd_ps(Load(a + i), Load(b + i), acc[0]);
  float sum = hsum(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
  for (; i < n; ++i) sum += Scalar(a[i]) * Scalar(b[i]);
  return sum;
}

float bf16_to_float(uint16_t h) {
  const uint32_t u = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// ---- 32-element blocks against Q8_0 / Q8_1 ----

// Weights of one block as 32 signed bytes in element order, per weight type.
__m256i q4_0_values(const BlockQ4_0& b) {
  return _mm256_sub_epi8(nibbles_32(b.qs), _mm256_set1_epi8(8));
}
__m256i q5_0_values(const BlockQ5_0& b) {
  // Bit 4 clear means q - 16 < 0: set the high nibble to make the byte negative.
  const __m256i high_clear =
      _mm256_andnot_si256(bits_to_bytes_32(b.qh), _mm256_set1_epi8(char(0xF0)));
  return _mm256_or_si256(nibbles_32(b.qs), high_clear);
}
__m256i q8_0_values(const BlockQ8_0& b) {
  return load256(b.qs);
}
__m256i iq4_nl_values(const BlockIq4Nl& b) {
  const __m256i table =
      _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(kIq4nlValues)));
  return _mm256_shuffle_epi8(table, nibbles_32(b.qs));
}

// Symmetric types: sum over blocks of d_w d_x sum(q_w q_x).
template <typename Block, __m256i (*Values)(const Block&)>
float dot_symmetric_q8_0(int64_t n, const void* w, const void* x) {
  const auto* a = static_cast<const Block*>(w);
  const auto* b = static_cast<const BlockQ8_0*>(x);
  const int64_t nb = n / kBlock;
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 2 <= nb; i += 2) {
    const __m256i p0 = dot_i8(Values(a[i]), load256(b[i].qs));
    const __m256i p1 = dot_i8(Values(a[i + 1]), load256(b[i + 1].qs));
    const __m256 d0 = _mm256_set1_ps(half_to_float(a[i].d) * half_to_float(b[i].d));
    const __m256 d1 = _mm256_set1_ps(half_to_float(a[i + 1].d) * half_to_float(b[i + 1].d));
    acc0 = _mm256_fmadd_ps(d0, _mm256_cvtepi32_ps(p0), acc0);
    acc1 = _mm256_fmadd_ps(d1, _mm256_cvtepi32_ps(p1), acc1);
  }
  for (; i < nb; ++i) {
    const __m256i p = dot_i8(Values(a[i]), load256(b[i].qs));
    const __m256 d = _mm256_set1_ps(half_to_float(a[i].d) * half_to_float(b[i].d));
    acc0 = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(p), acc0);
  }
  return hsum(_mm256_add_ps(acc0, acc1));
}

__m256i q4_1_values(const BlockQ4_1& b) {
  return nibbles_32(b.qs);
}
__m256i q5_1_values(const BlockQ5_1& b) {
  const __m256i high = _mm256_and_si256(bits_to_bytes_32(b.qh), _mm256_set1_epi8(0x10));
  return _mm256_or_si256(nibbles_32(b.qs), high);
}

// Types with a min: sum over blocks of d_w d_x sum(q_w q_x) + m_w s_x.
template <typename Block, __m256i (*Values)(const Block&)>
float dot_affine_q8_1(int64_t n, const void* w, const void* x) {
  const auto* a = static_cast<const Block*>(w);
  const auto* b = static_cast<const BlockQ8_1*>(x);
  const int64_t nb = n / kBlock;
  __m256 acc = _mm256_setzero_ps();
  float mins = 0;
  for (int64_t i = 0; i < nb; ++i) {
    const __m256i p = dot_u8_i8(Values(a[i]), load256(b[i].qs));
    const __m256 d = _mm256_set1_ps(half_to_float(a[i].d) * half_to_float(b[i].d));
    acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(p), acc);
    mins += half_to_float(a[i].m) * half_to_float(b[i].s);
  }
  return hsum(acc) + mins;
}

// ---- K-quants against Q8_K ----

// Scales (low 8 bytes) and mins (high 8 bytes) of a Q4_K / Q5_K block as bytes.
void unpack_k4_scales(const uint8_t* packed, uint8_t* scales, uint8_t* mins) {
  for (int j = 0; j < 8; ++j) {
    if (j < 4) {
      scales[j] = packed[j] & 63;
      mins[j] = packed[j + 4] & 63;
    } else {
      scales[j] = uint8_t((packed[j + 4] & 0xF) | ((packed[j - 4] >> 6) << 4));
      mins[j] = uint8_t((packed[j + 4] >> 4) | ((packed[j] >> 6) << 4));
    }
  }
}

// Two 16-bit scales: `lo` for the first 128-bit lane (elements 0-15), `hi` for the second.
__m256i lane_scales(int lo, int hi) {
  return _mm256_setr_m128i(_mm_set1_epi16(int16_t(lo)), _mm_set1_epi16(int16_t(hi)));
}

template <bool kFiveBits, typename Block>
float dot_k4(int64_t n, const void* w, const void* x) {
  const auto* a = static_cast<const Block*>(w);
  const auto* b = static_cast<const BlockQ8_K*>(x);
  const __m256i low_mask = _mm256_set1_epi8(0x0F);
  __m256 acc = _mm256_setzero_ps();
  float mins_total = 0;
  for (int64_t i = 0; i < n / kSuperBlock; ++i) {
    uint8_t scales[8], mins[8];
    unpack_k4_scales(a[i].scales, scales, mins);
    int summs = 0;
    for (int j = 0; j < 8; ++j) summs += mins[j] * (b[i].bsums[2 * j] + b[i].bsums[2 * j + 1]);
    __m256i sumi = _mm256_setzero_si256();
    __m256i qh;
    if constexpr (kFiveBits) qh = load256(a[i].qh);
    for (int j = 0; j < 4; ++j) {
      const __m256i q = load256(a[i].qs + 32 * j);
      __m256i lo = _mm256_and_si256(q, low_mask);
      __m256i hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), low_mask);
      if constexpr (kFiveBits) {
        const __m256i one = _mm256_set1_epi8(1);
        lo = _mm256_or_si256(
            lo, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * j), one), 4));
        hi = _mm256_or_si256(
            hi, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * j + 1), one), 4));
      }
      const __m256i p_lo = _mm256_maddubs_epi16(lo, load256(b[i].qs + 64 * j));
      const __m256i p_hi = _mm256_maddubs_epi16(hi, load256(b[i].qs + 64 * j + 32));
      sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(p_lo, _mm256_set1_epi16(scales[2 * j])));
      sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(p_hi, _mm256_set1_epi16(scales[2 * j + 1])));
    }
    const float d = b[i].d * half_to_float(a[i].d);
    const float dmin = b[i].d * half_to_float(a[i].dmin);
    acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
    mins_total += dmin * float(summs);
  }
  return hsum(acc) - mins_total;
}

float dot_q6_k(int64_t n, const void* w, const void* x) {
  const auto* a = static_cast<const BlockQ6_K*>(w);
  const auto* b = static_cast<const BlockQ8_K*>(x);
  const __m256i low_mask = _mm256_set1_epi8(0x0F), two_bits = _mm256_set1_epi8(3);
  const __m256i offset = _mm256_set1_epi8(32);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kSuperBlock; ++i) {
    __m256i sumi = _mm256_setzero_si256();
    for (int h = 0; h < 2; ++h) {
      const __m256i ql0 = load256(a[i].ql + 64 * h);
      const __m256i ql1 = load256(a[i].ql + 64 * h + 32);
      const __m256i qh = load256(a[i].qh + 32 * h);
      const __m256i q[4] = {
          _mm256_or_si256(_mm256_and_si256(ql0, low_mask),
                          _mm256_slli_epi16(_mm256_and_si256(qh, two_bits), 4)),
          _mm256_or_si256(
              _mm256_and_si256(ql1, low_mask),
              _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2), two_bits), 4)),
          _mm256_or_si256(
              _mm256_and_si256(_mm256_srli_epi16(ql0, 4), low_mask),
              _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 4), two_bits), 4)),
          _mm256_or_si256(
              _mm256_and_si256(_mm256_srli_epi16(ql1, 4), low_mask),
              _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 6), two_bits), 4)),
      };
      const int8_t* sc = a[i].scales + 8 * h;
      for (int k = 0; k < 4; ++k) {
        const __m256i y = load256(b[i].qs + 128 * h + 32 * k);
        // (q - 32) y = q y - 32 y, both unsigned-by-signed products.
        const __m256i p =
            _mm256_sub_epi16(_mm256_maddubs_epi16(q[k], y), _mm256_maddubs_epi16(offset, y));
        sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(p, lane_scales(sc[2 * k], sc[2 * k + 1])));
      }
    }
    const float d = half_to_float(a[i].d) * b[i].d;
    acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
  }
  return hsum(acc);
}

float dot_q2_k(int64_t n, const void* w, const void* x) {
  const auto* a = static_cast<const BlockQ2_K*>(w);
  const auto* b = static_cast<const BlockQ8_K*>(x);
  const __m256i two_bits = _mm256_set1_epi8(3);
  __m256 acc = _mm256_setzero_ps();
  float mins_total = 0;
  for (int64_t i = 0; i < n / kSuperBlock; ++i) {
    int summs = 0;
    for (int g = 0; g < 16; ++g) summs += (a[i].scales[g] >> 4) * b[i].bsums[g];
    __m256i sumi = _mm256_setzero_si256();
    for (int h = 0; h < 2; ++h) {
      const __m256i q = load256(a[i].qs + 32 * h);
      for (int k = 0; k < 4; ++k) {
        const __m256i v = _mm256_and_si256(_mm256_srli_epi16(q, 2 * k), two_bits);
        const __m256i p = _mm256_maddubs_epi16(v, load256(b[i].qs + 128 * h + 32 * k));
        const uint8_t* sc = a[i].scales + 8 * h + 2 * k;
        sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(p, lane_scales(sc[0] & 0xF, sc[1] & 0xF)));
      }
    }
    const float dall = b[i].d * half_to_float(a[i].d);
    const float dmin = b[i].d * half_to_float(a[i].dmin);
    acc = _mm256_fmadd_ps(_mm256_set1_ps(dall), _mm256_cvtepi32_ps(sumi), acc);
    mins_total += dmin * float(summs);
  }
  return hsum(acc) - mins_total;
}

void unpack_q3_k_scales(const uint8_t* packed, int* scales) {
  for (int j = 0; j < 16; ++j) {
    const int low = j < 8 ? (packed[j] & 0xF) : (packed[j - 8] >> 4);
    const int high = (packed[8 + (j % 4)] >> (2 * (j / 4))) & 3;
    scales[j] = (low | (high << 4)) - 32;
  }
}

float dot_q3_k(int64_t n, const void* w, const void* x) {
  const auto* a = static_cast<const BlockQ3_K*>(w);
  const auto* b = static_cast<const BlockQ8_K*>(x);
  const __m256i two_bits = _mm256_set1_epi8(3), one = _mm256_set1_epi8(1);
  const __m256i four = _mm256_set1_epi8(4);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kSuperBlock; ++i) {
    int scales[16];
    unpack_q3_k_scales(a[i].scales, scales);
    const __m256i hmask = load256(a[i].hmask);
    __m256i sumi = _mm256_setzero_si256();
    for (int h = 0; h < 2; ++h) {
      const __m256i q = load256(a[i].qs + 32 * h);
      for (int k = 0; k < 4; ++k) {
        const int g = 4 * h + k;  // 32-element group: its high bits are bit g of hmask
        const __m256i high = _mm256_and_si256(_mm256_srli_epi16(hmask, g), one);
        // value = low + 4 high - 4, as an unsigned part (0..7) minus 4.
        const __m256i u = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q, 2 * k), two_bits),
                                          _mm256_slli_epi16(high, 2));
        const __m256i y = load256(b[i].qs + 32 * g);
        const __m256i p =
            _mm256_sub_epi16(_mm256_maddubs_epi16(u, y), _mm256_maddubs_epi16(four, y));
        sumi = _mm256_add_epi32(
            sumi, _mm256_madd_epi16(p, lane_scales(scales[2 * g], scales[2 * g + 1])));
      }
    }
    const float d = half_to_float(a[i].d) * b[i].d;
    acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
  }
  return hsum(acc);
}

float dot_iq4_xs(int64_t n, const void* w, const void* x) {
  const auto* a = static_cast<const BlockIq4Xs*>(w);
  const auto* b = static_cast<const BlockQ8_K*>(x);
  const __m256i table =
      _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(kIq4nlValues)));
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kSuperBlock; ++i) {
    __m256i sumi = _mm256_setzero_si256();
    for (int ib = 0; ib < 8; ++ib) {
      const int ls =
          ((a[i].scales_l[ib / 2] >> 4 * (ib % 2)) & 0xF) | (((a[i].scales_h >> 2 * ib) & 3) << 4);
      const __m256i q = _mm256_shuffle_epi8(table, nibbles_32(a[i].qs + 16 * ib));
      const __m256i p = mul_add_i8_pairs(q, load256(b[i].qs + 32 * ib));
      sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(p, _mm256_set1_epi16(int16_t(ls - 32))));
    }
    const float d = half_to_float(a[i].d) * b[i].d;
    acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
  }
  return hsum(acc);
}

}  // namespace

DotKernel avx2_dot_kernel(GgmlType weight_type) {
  switch (weight_type) {
    case GgmlType::F32:
      return {dot_f32, nullptr};
    case GgmlType::F16:
      return {dot_half<load_f16x8, half_to_float>, nullptr};
    case GgmlType::BF16:
      return {dot_half<load_bf16x8, bf16_to_float>, nullptr};
    case GgmlType::Q4_0:
      return {dot_symmetric_q8_0<BlockQ4_0, q4_0_values>, nullptr};
    case GgmlType::Q5_0:
      return {dot_symmetric_q8_0<BlockQ5_0, q5_0_values>, nullptr};
    case GgmlType::Q8_0:
      return {dot_symmetric_q8_0<BlockQ8_0, q8_0_values>, nullptr};
    case GgmlType::IQ4_NL:
      return {dot_symmetric_q8_0<BlockIq4Nl, iq4_nl_values>, nullptr};
    case GgmlType::Q4_1:
      return {dot_affine_q8_1<BlockQ4_1, q4_1_values>, nullptr};
    case GgmlType::Q5_1:
      return {dot_affine_q8_1<BlockQ5_1, q5_1_values>, nullptr};
    case GgmlType::Q2_K:
      return {dot_q2_k, nullptr};
    case GgmlType::Q3_K:
      return {dot_q3_k, nullptr};
    case GgmlType::Q4_K:
      return {dot_k4<false, BlockQ4_K>, nullptr};
    case GgmlType::Q5_K:
      return {dot_k4<true, BlockQ5_K>, nullptr};
    case GgmlType::Q6_K:
      return {dot_q6_k, nullptr};
    case GgmlType::IQ4_XS:
      return {dot_iq4_xs, nullptr};
    default:
      return {};
  }
}

}  // namespace ruvllm::kernels::detail
