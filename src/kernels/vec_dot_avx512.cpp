// AVX-512 (F, BW, VL, VNNI) dot products.
//
// The 32-element block types against Q8_0 activations (Q8_0, Q4_0, Q5_0, IQ4_NL: the weights of
// most quantized models and all of decode's traffic) get 512-bit kernels below: two blocks per
// register, byte products by vpdpbusd, and one float accumulator per (weight row, activation
// row) pair, scaled per block with a fused multiply-add. Every other type runs
// vec_dot_x86.inc's 256-bit kernels with VNNI byte products.
//
// A product's float steps are the same in every tile shape (per block pair: scale, convert,
// multiply-add into its own accumulator; one horizontal sum at the end), so a row's result does
// not depend on the batch it was computed in. As in vec_dot_x86.inc, helpers stay in the unnamed
// namespace and F16 values are converted with F16C instructions.
#define RUVLLM_DOT_KERNEL_TABLE avx512_vnni256_dot_kernel
#include "kernels/vec_dot_x86.inc"

namespace ruvllm::kernels::detail {
namespace {

// Two consecutive blocks' 32-byte value arrays in one register (first block in the low half).
__m512i load_pair_32(const void* first, const void* second) {
  return _mm512_inserti64x4(_mm512_castsi256_si512(load256(first)), load256(second), 1);
}

// Two F16 scales as floats in lanes 0 and 1.
__m128 scale_pair(uint16_t a, uint16_t b) {
  return _mm_cvtph_ps(_mm_cvtsi32_si128(int(uint32_t(a) | uint32_t(b) << 16)));
}

// 16 bytes of each of two blocks' nibbles, unpacked to bytes 0-15 in the order
// [block 0 low nibbles, block 1 low nibbles, block 0 high nibbles, block 1 high nibbles]: the
// element order of a pair's activations after activation_pair() below.
__m512i nibbles_pair(const uint8_t* first, const uint8_t* second) {
  const __m256i raw = _mm256_inserti128_si256(
      _mm256_castsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(first))),
      _mm_loadu_si128(reinterpret_cast<const __m128i*>(second)), 1);
  const __m512i both =
      _mm512_inserti64x4(_mm512_castsi256_si512(raw), _mm256_srli_epi16(raw, 4), 1);
  return _mm512_and_si512(both, _mm512_set1_epi8(0x0F));
}

// Activation pairs of the nibble types: the 16-byte quarters [0, 1, 2, 3] of two Q8_0 blocks
// (elements 0-15 and 16-31 of each) reordered to [0, 2, 1, 3], as nibbles_pair lays weights out.
__m512i nibble_order(__m512i y) {
  return _mm512_shuffle_i64x2(y, y, _MM_SHUFFLE(3, 1, 2, 0));
}

// Lane indices spreading a pair's two scales over the 32-bit sums of its blocks: halves for the
// types in element order, alternating quarters for the nibble types. (Functions, not globals: a
// global would be initialised with AVX-512 instructions at start-up on every CPU.)
__m512i scale_lanes(bool nibbles) {
  return nibbles ? _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1)
                 : _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
}

// Signed weights (Q8_0, IQ4_NL): |q| times y with q's sign.
template <typename Block>
struct SignedPair {
  struct Unpacked {
    __m512i q_abs;
    __mmask64 negative;
  };
  using Act = __m512i;
  static Act activation(__m512i y) { return y; }
  static Unpacked from_values(__m512i q) { return {_mm512_abs_epi8(q), _mm512_movepi8_mask(q)}; }
  static __m512i products(const Unpacked& u, const Act& y) {
    const __m512i signed_y = _mm512_mask_sub_epi8(y, u.negative, _mm512_setzero_si512(), y);
    return _mm512_dpbusd_epi32(_mm512_setzero_si512(), u.q_abs, signed_y);
  }
};

struct Q8_0Pair : SignedPair<BlockQ8_0> {
  using W = BlockQ8_0;
  static constexpr bool kNibbles = false;
  static Unpacked unpack(const W& a, const W& b) { return from_values(load_pair_32(a.qs, b.qs)); }
};

struct Iq4NlPair : SignedPair<BlockIq4Nl> {
  using W = BlockIq4Nl;
  static constexpr bool kNibbles = true;
  static Unpacked unpack(const W& a, const W& b) {
    const __m512i table =
        _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(kIq4nlValues)));
    return from_values(_mm512_shuffle_epi8(table, nibbles_pair(a.qs, b.qs)));
  }
};

// Unsigned weights with an offset (q = u - kOffset): sum(u y) - kOffset sum(y), the second term
// once per activation pair for all weight rows.
template <int kOffset>
struct OffsetPair {
  struct Unpacked {
    __m512i u;
  };
  struct Act {
    __m512i y, offset;
  };
  static Act activation(__m512i y) {
    return {y, _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8(kOffset), y)};
  }
  static __m512i products(const Unpacked& u, const Act& x) {
    return _mm512_sub_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), u.u, x.y), x.offset);
  }
};

struct Q4_0Pair : OffsetPair<8> {
  using W = BlockQ4_0;
  static constexpr bool kNibbles = true;
  static Unpacked unpack(const W& a, const W& b) { return {nibbles_pair(a.qs, b.qs)}; }
};

struct Q5_0Pair : OffsetPair<16> {
  using W = BlockQ5_0;
  static constexpr bool kNibbles = true;
  static Unpacked unpack(const W& a, const W& b) {
    uint32_t ha, hb;
    std::memcpy(&ha, a.qh, 4);
    std::memcpy(&hb, b.qh, 4);
    // The fifth bits in nibbles_pair's element order.
    const __mmask64 high = __mmask64(ha & 0xFFFF) | __mmask64(hb & 0xFFFF) << 16 |
                           __mmask64(ha >> 16) << 32 | __mmask64(hb >> 16) << 48;
    const __m512i low = nibbles_pair(a.qs, b.qs);
    return {_mm512_or_si512(low, _mm512_maskz_mov_epi8(high, _mm512_set1_epi8(0x10)))};
  }
};

float hsum512(__m512 v) {
  return _mm512_reduce_add_ps(v);
}

// NW weight rows times NX activation rows, two blocks per step; an odd last block runs with the
// second block's lanes zero.
template <typename K>
struct PairTile {
  template <int NW, int NX>
  static void run(int64_t n, const uint8_t* w, size_t w_stride, const uint8_t* x, size_t x_stride,
                  float* y, size_t y_stride) {
    using W = typename K::W;
    const W* a[NW];
    const BlockQ8_0* b[NX];
    for (int r = 0; r < NW; ++r) a[r] = reinterpret_cast<const W*>(w + r * w_stride);
    for (int j = 0; j < NX; ++j) b[j] = reinterpret_cast<const BlockQ8_0*>(x + j * x_stride);
    const __m512i spread = scale_lanes(K::kNibbles);
    __m512 acc[NW][NX];
    for (auto& row : acc)
      for (auto& v : row) v = _mm512_setzero_ps();
    const int64_t blocks = n / kBlock;
    // A zero block stands in for the missing second block of an odd count.
    static const W zero_w{};
    static const BlockQ8_0 zero_x{};
    for (int64_t i = 0; i < blocks; i += 2) {
      const bool pair = i + 1 < blocks;
      if constexpr (NW > 1)
        for (int r = 0; r < NW; ++r)
          _mm_prefetch(reinterpret_cast<const char*>(a[r] + i) + kPrefetchTiles * NW * w_stride,
                       _MM_HINT_T0);
      typename K::Act yv[NX];
      __m128 dx[NX];
      for (int j = 0; j < NX; ++j) {
        const BlockQ8_0& second = pair ? b[j][i + 1] : zero_x;
        __m512i v = load_pair_32(b[j][i].qs, second.qs);
        if constexpr (K::kNibbles) v = nibble_order(v);
        yv[j] = K::activation(v);
        dx[j] = scale_pair(b[j][i].d, second.d);
      }
      for (int r = 0; r < NW; ++r) {
        const W& second = pair ? a[r][i + 1] : zero_w;
        const auto u = K::unpack(a[r][i], second);
        const __m128 dw = scale_pair(a[r][i].d, second.d);
        for (int j = 0; j < NX; ++j) {
          const __m512 d =
              _mm512_permutexvar_ps(spread, _mm512_castps128_ps512(_mm_mul_ps(dw, dx[j])));
          acc[r][j] = _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(K::products(u, yv[j])), acc[r][j]);
        }
      }
    }
    for (int r = 0; r < NW; ++r)
      for (int j = 0; j < NX; ++j) y[j * y_stride + r] = hsum512(acc[r][j]);
  }
};

template <typename K, int kMatvecRows>
DotKernel pair_kernel() {
  return kernel_of<PairTile<K>, 4, kMatvecRows>();
}

}  // namespace

DotKernel avx512_dot_kernel(GgmlType weight_type) {
  switch (weight_type) {
    case GgmlType::Q8_0:
      return pair_kernel<Q8_0Pair, 4>();
    case GgmlType::Q4_0:
      return pair_kernel<Q4_0Pair, 4>();
    case GgmlType::Q5_0:
      return pair_kernel<Q5_0Pair, 4>();
    case GgmlType::IQ4_NL:
      return pair_kernel<Iq4NlPair, 4>();
    default:
      return avx512_vnni256_dot_kernel(weight_type);
  }
}

}  // namespace ruvllm::kernels::detail
