// AVX2 + FMA + F16C dot products. Only called after isa_level() reported AVX2.
//
// Each kernel computes the dot products of one weight row with NX activation rows at once
// (NX = 1 for matrix-vector products, up to kMaxBatchDot for batches), so a weight block is
// loaded and unpacked once per NX rows. Integer work follows the scalar reference (exact
// per-block sums); only the order of the float accumulation differs.
//
// This file must not odr-use inline functions or templates shared with portable files (the
// linker could keep this file's AVX2 copy for everyone), so every helper lives in the unnamed
// namespace and F16 values are converted with F16C instructions.
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

__m256i load256(const void* p) {
  return _mm256_loadu_si256(static_cast<const __m256i*>(p));
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

const __m256i& ones16() {
  static const __m256i v = _mm256_set1_epi16(1);
  return v;
}

// Two 16-bit scales: `lo` for the first 128-bit lane (elements 0-15), `hi` for the second.
__m256i lane_scales(int lo, int hi) {
  return _mm256_setr_m128i(_mm_set1_epi16(int16_t(lo)), _mm_set1_epi16(int16_t(hi)));
}

// Signed weights prepared for maddubs: |q| once, then sign(y, q) per activation row, so the
// products sum pairwise without saturation (|sum| <= 2 * 127 * 128).
struct SignedBytes {
  __m256i abs, sign_src;
  explicit SignedBytes(__m256i q) : abs(_mm256_sign_epi8(q, q)), sign_src(q) {}
  __m256i pairs(__m256i y) const {
    return _mm256_maddubs_epi16(abs, _mm256_sign_epi8(y, sign_src));
  }
};

// Activation rows of a batch as typed block pointers.
template <typename Block, int NX>
struct Rows {
  const Block* r[NX];
  explicit Rows(const void* const* x) {
    for (int j = 0; j < NX; ++j) r[j] = static_cast<const Block*>(x[j]);
  }
};

// ---- float types ----

__m256 load_f32x8(const float* p) {
  return _mm256_loadu_ps(p);
}
__m256 load_f16x8(const uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
__m256 load_bf16x8(const uint16_t* p) {
  const __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
}
float f32_value(const float* p) {
  return *p;
}
float f16_value(const uint16_t* p) {
  return _cvtsh_ss(*p);
}
float bf16_value(const uint16_t* p) {
  const uint32_t u = uint32_t(*p) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// Weights and activations share the element type T (F32, F16 or BF16).
template <typename T, __m256 (*Load)(const T*), float (*Value)(const T*)>
struct FloatDot {
  template <int NX>
  static void run(int64_t n, const void* w, const void* const* x, float* out) {
    const T* a = static_cast<const T*>(w);
    Rows<T, NX> b(x);
    // Two accumulators per row hide the FMA latency.
    __m256 acc0[NX], acc1[NX];
    for (int j = 0; j < NX; ++j) acc0[j] = acc1[j] = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
      const __m256 w0 = Load(a + i), w1 = Load(a + i + 8);
      for (int j = 0; j < NX; ++j) {
        acc0[j] = _mm256_fmadd_ps(w0, Load(b.r[j] + i), acc0[j]);
        acc1[j] = _mm256_fmadd_ps(w1, Load(b.r[j] + i + 8), acc1[j]);
      }
    }
    for (; i + 8 <= n; i += 8) {
      const __m256 w0 = Load(a + i);
      for (int j = 0; j < NX; ++j) acc0[j] = _mm256_fmadd_ps(w0, Load(b.r[j] + i), acc0[j]);
    }
    for (int j = 0; j < NX; ++j) {
      float sum = hsum(_mm256_add_ps(acc0[j], acc1[j]));
      for (int64_t k = i; k < n; ++k) sum += Value(a + k) * Value(b.r[j] + k);
      out[j] = sum;
    }
  }
};

// ---- 32-element blocks against Q8_0 / Q8_1 ----

// Weights of one block as 32 bytes in element order, per weight type.
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
__m256i q4_1_values(const BlockQ4_1& b) {
  return nibbles_32(b.qs);
}
__m256i q5_1_values(const BlockQ5_1& b) {
  const __m256i high = _mm256_and_si256(bits_to_bytes_32(b.qh), _mm256_set1_epi8(0x10));
  return _mm256_or_si256(nibbles_32(b.qs), high);
}

// Symmetric types: sum over blocks of d_w d_x sum(q_w q_x).
template <typename Block, __m256i (*Values)(const Block&)>
struct SymmetricDot {
  template <int NX>
  static void run(int64_t n, const void* w, const void* const* x, float* out) {
    const Block* a = static_cast<const Block*>(w);
    Rows<BlockQ8_0, NX> b(x);
    __m256 acc[NX];
    for (int j = 0; j < NX; ++j) acc[j] = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / kBlock; ++i) {
      const SignedBytes q(Values(a[i]));
      const float dw = half_to_float(a[i].d);
      for (int j = 0; j < NX; ++j) {
        const __m256i p = _mm256_madd_epi16(q.pairs(load256(b.r[j][i].qs)), ones16());
        const __m256 d = _mm256_set1_ps(dw * half_to_float(b.r[j][i].d));
        acc[j] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(p), acc[j]);
      }
    }
    for (int j = 0; j < NX; ++j) out[j] = hsum(acc[j]);
  }
};

// Types with a min: sum over blocks of d_w d_x sum(q_w q_x) + m_w s_x (q_w unsigned).
template <typename Block, __m256i (*Values)(const Block&)>
struct AffineDot {
  template <int NX>
  static void run(int64_t n, const void* w, const void* const* x, float* out) {
    const Block* a = static_cast<const Block*>(w);
    Rows<BlockQ8_1, NX> b(x);
    __m256 acc[NX];
    float mins[NX];
    for (int j = 0; j < NX; ++j) acc[j] = _mm256_setzero_ps(), mins[j] = 0;
    for (int64_t i = 0; i < n / kBlock; ++i) {
      const __m256i q = Values(a[i]);
      const float dw = half_to_float(a[i].d), mw = half_to_float(a[i].m);
      for (int j = 0; j < NX; ++j) {
        const __m256i p =
            _mm256_madd_epi16(_mm256_maddubs_epi16(q, load256(b.r[j][i].qs)), ones16());
        const __m256 d = _mm256_set1_ps(dw * half_to_float(b.r[j][i].d));
        acc[j] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(p), acc[j]);
        mins[j] += mw * half_to_float(b.r[j][i].s);
      }
    }
    for (int j = 0; j < NX; ++j) out[j] = hsum(acc[j]) + mins[j];
  }
};

// ---- K-quants against Q8_K ----

// Scales and mins of the 8 sub-blocks of a Q4_K / Q5_K block.
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

// Q4_K / Q5_K: x = d * sc * q - dmin * m per sub-block of 32; the min part uses the bsums.
template <typename Block, bool kFiveBits>
struct K4Dot {
  template <int NX>
  static void run(int64_t n, const void* w, const void* const* x, float* out) {
    const Block* a = static_cast<const Block*>(w);
    Rows<BlockQ8_K, NX> b(x);
    const __m256i low_mask = _mm256_set1_epi8(0x0F);
    __m256 acc[NX];
    float mins_total[NX];
    for (int j = 0; j < NX; ++j) acc[j] = _mm256_setzero_ps(), mins_total[j] = 0;
    for (int64_t i = 0; i < n / kSuperBlock; ++i) {
      uint8_t scales[8], mins[8];
      unpack_k4_scales(a[i].scales, scales, mins);
      __m256i sumi[NX];
      for (int j = 0; j < NX; ++j) sumi[j] = _mm256_setzero_si256();
      __m256i qh = _mm256_setzero_si256();
      if constexpr (kFiveBits) qh = load256(a[i].qh);
      for (int k = 0; k < 4; ++k) {
        const __m256i q = load256(a[i].qs + 32 * k);
        __m256i lo = _mm256_and_si256(q, low_mask);
        __m256i hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), low_mask);
        if constexpr (kFiveBits) {
          const __m256i one = _mm256_set1_epi8(1);
          const __m256i hb_lo = _mm256_and_si256(_mm256_srli_epi16(qh, 2 * k), one);
          const __m256i hb_hi = _mm256_and_si256(_mm256_srli_epi16(qh, 2 * k + 1), one);
          lo = _mm256_or_si256(lo, _mm256_slli_epi16(hb_lo, 4));
          hi = _mm256_or_si256(hi, _mm256_slli_epi16(hb_hi, 4));
        }
        const __m256i sc_lo = _mm256_set1_epi16(scales[2 * k]);
        const __m256i sc_hi = _mm256_set1_epi16(scales[2 * k + 1]);
        for (int j = 0; j < NX; ++j) {
          const __m256i p_lo = _mm256_maddubs_epi16(lo, load256(b.r[j][i].qs + 64 * k));
          const __m256i p_hi = _mm256_maddubs_epi16(hi, load256(b.r[j][i].qs + 64 * k + 32));
          sumi[j] = _mm256_add_epi32(sumi[j], _mm256_add_epi32(_mm256_madd_epi16(p_lo, sc_lo),
                                                               _mm256_madd_epi16(p_hi, sc_hi)));
        }
      }
      const float dw = half_to_float(a[i].d), mw = half_to_float(a[i].dmin);
      for (int j = 0; j < NX; ++j) {
        const int16_t* bs = b.r[j][i].bsums;
        int summs = 0;
        for (int s = 0; s < 8; ++s) summs += mins[s] * (bs[2 * s] + bs[2 * s + 1]);
        acc[j] =
            _mm256_fmadd_ps(_mm256_set1_ps(b.r[j][i].d * dw), _mm256_cvtepi32_ps(sumi[j]), acc[j]);
        mins_total[j] += b.r[j][i].d * mw * float(summs);
      }
    }
    for (int j = 0; j < NX; ++j) out[j] = hsum(acc[j]) - mins_total[j];
  }
};

struct Q6KDot {
  template <int NX>
  static void run(int64_t n, const void* w, const void* const* x, float* out) {
    const auto* a = static_cast<const BlockQ6_K*>(w);
    Rows<BlockQ8_K, NX> b(x);
    const __m256i low_mask = _mm256_set1_epi8(0x0F), two_bits = _mm256_set1_epi8(3);
    const __m256i offset = _mm256_set1_epi8(32);
    __m256 acc[NX];
    for (int j = 0; j < NX; ++j) acc[j] = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / kSuperBlock; ++i) {
      __m256i sumi[NX];
      for (int j = 0; j < NX; ++j) sumi[j] = _mm256_setzero_si256();
      for (int h = 0; h < 2; ++h) {
        const __m256i ql0 = load256(a[i].ql + 64 * h);
        const __m256i ql1 = load256(a[i].ql + 64 * h + 32);
        const __m256i qh = load256(a[i].qh + 32 * h);
        auto high = [&](int shift) {
          return _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, shift), two_bits), 4);
        };
        const __m256i q[4] = {
            _mm256_or_si256(_mm256_and_si256(ql0, low_mask), high(0)),
            _mm256_or_si256(_mm256_and_si256(ql1, low_mask), high(2)),
            _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), low_mask), high(4)),
            _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), low_mask), high(6)),
        };
        const int8_t* sc = a[i].scales + 8 * h;
        for (int k = 0; k < 4; ++k) {
          const __m256i scales = lane_scales(sc[2 * k], sc[2 * k + 1]);
          for (int j = 0; j < NX; ++j) {
            const __m256i y = load256(b.r[j][i].qs + 128 * h + 32 * k);
            // (q - 32) y = q y - 32 y, both unsigned-by-signed products.
            const __m256i p =
                _mm256_sub_epi16(_mm256_maddubs_epi16(q[k], y), _mm256_maddubs_epi16(offset, y));
            sumi[j] = _mm256_add_epi32(sumi[j], _mm256_madd_epi16(p, scales));
          }
        }
      }
      const float dw = half_to_float(a[i].d);
      for (int j = 0; j < NX; ++j)
        acc[j] =
            _mm256_fmadd_ps(_mm256_set1_ps(dw * b.r[j][i].d), _mm256_cvtepi32_ps(sumi[j]), acc[j]);
    }
    for (int j = 0; j < NX; ++j) out[j] = hsum(acc[j]);
  }
};

struct Q2KDot {
  template <int NX>
  static void run(int64_t n, const void* w, const void* const* x, float* out) {
    const auto* a = static_cast<const BlockQ2_K*>(w);
    Rows<BlockQ8_K, NX> b(x);
    const __m256i two_bits = _mm256_set1_epi8(3);
    __m256 acc[NX];
    float mins_total[NX];
    for (int j = 0; j < NX; ++j) acc[j] = _mm256_setzero_ps(), mins_total[j] = 0;
    for (int64_t i = 0; i < n / kSuperBlock; ++i) {
      __m256i sumi[NX];
      for (int j = 0; j < NX; ++j) sumi[j] = _mm256_setzero_si256();
      for (int h = 0; h < 2; ++h) {
        const __m256i q = load256(a[i].qs + 32 * h);
        for (int k = 0; k < 4; ++k) {
          const __m256i v = _mm256_and_si256(_mm256_srli_epi16(q, 2 * k), two_bits);
          const uint8_t* sc = a[i].scales + 8 * h + 2 * k;
          const __m256i scales = lane_scales(sc[0] & 0xF, sc[1] & 0xF);
          for (int j = 0; j < NX; ++j) {
            const __m256i p = _mm256_maddubs_epi16(v, load256(b.r[j][i].qs + 128 * h + 32 * k));
            sumi[j] = _mm256_add_epi32(sumi[j], _mm256_madd_epi16(p, scales));
          }
        }
      }
      const float dw = half_to_float(a[i].d), mw = half_to_float(a[i].dmin);
      for (int j = 0; j < NX; ++j) {
        int summs = 0;
        for (int g = 0; g < 16; ++g) summs += (a[i].scales[g] >> 4) * b.r[j][i].bsums[g];
        acc[j] =
            _mm256_fmadd_ps(_mm256_set1_ps(b.r[j][i].d * dw), _mm256_cvtepi32_ps(sumi[j]), acc[j]);
        mins_total[j] += b.r[j][i].d * mw * float(summs);
      }
    }
    for (int j = 0; j < NX; ++j) out[j] = hsum(acc[j]) - mins_total[j];
  }
};

void unpack_q3_k_scales(const uint8_t* packed, int* scales) {
  for (int j = 0; j < 16; ++j) {
    const int low = j < 8 ? (packed[j] & 0xF) : (packed[j - 8] >> 4);
    const int high = (packed[8 + (j % 4)] >> (2 * (j / 4))) & 3;
    scales[j] = (low | (high << 4)) - 32;
  }
}

struct Q3KDot {
  template <int NX>
  static void run(int64_t n, const void* w, const void* const* x, float* out) {
    const auto* a = static_cast<const BlockQ3_K*>(w);
    Rows<BlockQ8_K, NX> b(x);
    const __m256i two_bits = _mm256_set1_epi8(3), one = _mm256_set1_epi8(1);
    const __m256i four = _mm256_set1_epi8(4);
    __m256 acc[NX];
    for (int j = 0; j < NX; ++j) acc[j] = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / kSuperBlock; ++i) {
      int scales[16];
      unpack_q3_k_scales(a[i].scales, scales);
      const __m256i hmask = load256(a[i].hmask);
      __m256i sumi[NX];
      for (int j = 0; j < NX; ++j) sumi[j] = _mm256_setzero_si256();
      for (int h = 0; h < 2; ++h) {
        const __m256i q = load256(a[i].qs + 32 * h);
        for (int k = 0; k < 4; ++k) {
          const int g = 4 * h + k;  // 32-element group: its high bits are bit g of hmask
          const __m256i high = _mm256_and_si256(_mm256_srli_epi16(hmask, g), one);
          // value = low + 4 high - 4, as an unsigned part (0..7) minus 4.
          const __m256i u = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q, 2 * k), two_bits),
                                            _mm256_slli_epi16(high, 2));
          const __m256i sc = lane_scales(scales[2 * g], scales[2 * g + 1]);
          for (int j = 0; j < NX; ++j) {
            const __m256i y = load256(b.r[j][i].qs + 32 * g);
            const __m256i p =
                _mm256_sub_epi16(_mm256_maddubs_epi16(u, y), _mm256_maddubs_epi16(four, y));
            sumi[j] = _mm256_add_epi32(sumi[j], _mm256_madd_epi16(p, sc));
          }
        }
      }
      const float dw = half_to_float(a[i].d);
      for (int j = 0; j < NX; ++j)
        acc[j] =
            _mm256_fmadd_ps(_mm256_set1_ps(dw * b.r[j][i].d), _mm256_cvtepi32_ps(sumi[j]), acc[j]);
    }
    for (int j = 0; j < NX; ++j) out[j] = hsum(acc[j]);
  }
};

struct Iq4XsDot {
  template <int NX>
  static void run(int64_t n, const void* w, const void* const* x, float* out) {
    const auto* a = static_cast<const BlockIq4Xs*>(w);
    Rows<BlockQ8_K, NX> b(x);
    const __m256i table = _mm256_broadcastsi128_si256(
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(kIq4nlValues)));
    __m256 acc[NX];
    for (int j = 0; j < NX; ++j) acc[j] = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / kSuperBlock; ++i) {
      __m256i sumi[NX];
      for (int j = 0; j < NX; ++j) sumi[j] = _mm256_setzero_si256();
      for (int ib = 0; ib < 8; ++ib) {
        const int ls = ((a[i].scales_l[ib / 2] >> 4 * (ib % 2)) & 0xF) |
                       (((a[i].scales_h >> 2 * ib) & 3) << 4);
        const SignedBytes q(_mm256_shuffle_epi8(table, nibbles_32(a[i].qs + 16 * ib)));
        const __m256i sc = _mm256_set1_epi16(int16_t(ls - 32));
        for (int j = 0; j < NX; ++j)
          sumi[j] = _mm256_add_epi32(
              sumi[j], _mm256_madd_epi16(q.pairs(load256(b.r[j][i].qs + 32 * ib)), sc));
      }
      const float dw = half_to_float(a[i].d);
      for (int j = 0; j < NX; ++j)
        acc[j] =
            _mm256_fmadd_ps(_mm256_set1_ps(dw * b.r[j][i].d), _mm256_cvtepi32_ps(sumi[j]), acc[j]);
    }
    for (int j = 0; j < NX; ++j) out[j] = hsum(acc[j]);
  }
};

// ---- adapters to the kernel table's signatures ----

template <typename K>
float dot_one(int64_t n, const void* w, const void* x) {
  const void* rows[1] = {x};
  float out;
  K::template run<1>(n, w, rows, &out);
  return out;
}

template <typename K>
void dot_batch(int64_t n, const void* w, const void* x, size_t x_stride, int n_x, float* y,
               size_t y_stride) {
  const void* rows[kMaxBatchDot];
  float out[kMaxBatchDot];
  for (int j = 0; j < n_x; ++j) rows[j] = static_cast<const uint8_t*>(x) + size_t(j) * x_stride;
  switch (n_x) {
    case 1:
      K::template run<1>(n, w, rows, out);
      break;
    case 2:
      K::template run<2>(n, w, rows, out);
      break;
    case 3:
      K::template run<3>(n, w, rows, out);
      break;
    default:
      K::template run<4>(n, w, rows, out);
      break;
  }
  for (int j = 0; j < n_x; ++j) y[size_t(j) * y_stride] = out[j];
}

template <typename K>
DotKernel kernel_of() {
  return {dot_one<K>, dot_batch<K>};
}

}  // namespace

DotKernel avx2_dot_kernel(GgmlType weight_type) {
  switch (weight_type) {
    case GgmlType::F32:
      return kernel_of<FloatDot<float, load_f32x8, f32_value>>();
    case GgmlType::F16:
      return kernel_of<FloatDot<uint16_t, load_f16x8, f16_value>>();
    case GgmlType::BF16:
      return kernel_of<FloatDot<uint16_t, load_bf16x8, bf16_value>>();
    case GgmlType::Q4_0:
      return kernel_of<SymmetricDot<BlockQ4_0, q4_0_values>>();
    case GgmlType::Q5_0:
      return kernel_of<SymmetricDot<BlockQ5_0, q5_0_values>>();
    case GgmlType::Q8_0:
      return kernel_of<SymmetricDot<BlockQ8_0, q8_0_values>>();
    case GgmlType::IQ4_NL:
      return kernel_of<SymmetricDot<BlockIq4Nl, iq4_nl_values>>();
    case GgmlType::Q4_1:
      return kernel_of<AffineDot<BlockQ4_1, q4_1_values>>();
    case GgmlType::Q5_1:
      return kernel_of<AffineDot<BlockQ5_1, q5_1_values>>();
    case GgmlType::Q2_K:
      return kernel_of<Q2KDot>();
    case GgmlType::Q3_K:
      return kernel_of<Q3KDot>();
    case GgmlType::Q4_K:
      return kernel_of<K4Dot<BlockQ4_K, false>>();
    case GgmlType::Q5_K:
      return kernel_of<K4Dot<BlockQ5_K, true>>();
    case GgmlType::Q6_K:
      return kernel_of<Q6KDot>();
    case GgmlType::IQ4_XS:
      return kernel_of<Iq4XsDot>();
    default:
      return {};
  }
}

}  // namespace ruvllm::kernels::detail
