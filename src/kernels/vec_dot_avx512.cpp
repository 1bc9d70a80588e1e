// AVX-512 (F, BW, VL, VNNI, BF16) dot products.
//
// The 32-element block types against Q8_0 activations (Q8_0, Q4_0, Q5_0, IQ4_NL: the weights of
// most quantized models and all of decode's traffic) get 512-bit kernels below: two blocks per
// register, byte products by vpdpbusd, and one float accumulator per (weight row, activation
// row) pair, scaled per block with a fused multiply-add. BF16 weights use vdpbf16ps. Every
// other type runs vec_dot_x86.inc's 256-bit kernels with VNNI byte products.
//
// A product's float steps are the same in every tile shape (per block pair: scale, convert,
// multiply-add into its own accumulator; one horizontal sum at the end), so a row's result does
// not depend on the batch it was computed in. As in vec_dot_x86.inc, helpers stay in the unnamed
// namespace and F16 values are converted with F16C instructions.
#define RUVLLM_DOT_KERNEL_TABLE avx512_vnni256_dot_kernel
#include "kernels/vec_dot_x86.inc"

#include "core/cpu_features.h"

#include <vector>

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

// A block pair's two scales spread over its lanes.
__m512 spread_scales(__m512i lanes, uint16_t a, uint16_t b) {
  return _mm512_permutexvar_ps(lanes, _mm512_castps128_ps512(scale_pair(a, b)));
}

// Each product of a weight pair and an activation pair is one vpdpbusd (unsigned bytes times
// signed bytes, summed by four into 32-bit lanes) started from a correction term, so that the
// lanes end with the exact integer sums of q_w q_x:
//  - signed weights (Q8_0, IQ4_NL): activations biased to unsigned, x + 128, and the start
//    -128 sum(q_w), once per weight pair for all activation rows;
//  - unsigned weights with an offset (Q4_0, Q5_0: q = u - k): activations as they are, and the
//    start -k sum(x), once per activation pair for all weight rows.
struct SignedWeights {
  struct Row {
    __m512i q, start;
  };
  struct Col {
    __m512i x_biased;
  };
  static constexpr int kColVectors = 1;
  static void store(const Col& c, uint8_t* p) { _mm512_storeu_si512(p, c.x_biased); }
  static Col load(const uint8_t* p) { return {_mm512_loadu_si512(p)}; }
  static Row row(__m512i q) {
    const __m512i bias_sums =
        _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8(-128), q);
    return {q, _mm512_sub_epi32(_mm512_setzero_si512(), bias_sums)};
  }
  static Col col(__m512i x) { return {_mm512_xor_si512(x, _mm512_set1_epi8(-128))}; }
  static __m512i products(const Row& w, const Col& x) {
    return _mm512_dpbusd_epi32(w.start, x.x_biased, w.q);
  }
};

template <int kOffset>
struct OffsetWeights {
  struct Row {
    __m512i u;
  };
  struct Col {
    __m512i x, start;
  };
  static constexpr int kColVectors = 2;
  static void store(const Col& c, uint8_t* p) {
    _mm512_storeu_si512(p, c.x);
    _mm512_storeu_si512(p + 64, c.start);
  }
  static Col load(const uint8_t* p) { return {_mm512_loadu_si512(p), _mm512_loadu_si512(p + 64)}; }
  static Row row(__m512i u) { return {u}; }
  static Col col(__m512i x) {
    const __m512i offset_sums =
        _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8(kOffset), x);
    return {x, _mm512_sub_epi32(_mm512_setzero_si512(), offset_sums)};
  }
  static __m512i products(const Row& w, const Col& x) {
    return _mm512_dpbusd_epi32(x.start, w.u, x.x);
  }
};

struct Q8_0Pair : SignedWeights {
  using W = BlockQ8_0;
  static constexpr bool kNibbles = false;
  static __m512i values(const W& a, const W& b) { return load_pair_32(a.qs, b.qs); }
};

struct Iq4NlPair : SignedWeights {
  using W = BlockIq4Nl;
  static constexpr bool kNibbles = true;
  static __m512i values(const W& a, const W& b) {
    const __m512i table =
        _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(kIq4nlValues)));
    return _mm512_shuffle_epi8(table, nibbles_pair(a.qs, b.qs));
  }
};

struct Q4_0Pair : OffsetWeights<8> {
  using W = BlockQ4_0;
  static constexpr bool kNibbles = true;
  static __m512i values(const W& a, const W& b) { return nibbles_pair(a.qs, b.qs); }
};

struct Q5_0Pair : OffsetWeights<16> {
  using W = BlockQ5_0;
  static constexpr bool kNibbles = true;
  static __m512i values(const W& a, const W& b) {
    uint32_t ha, hb;
    std::memcpy(&ha, a.qh, 4);
    std::memcpy(&hb, b.qh, 4);
    // The fifth bits in nibbles_pair's element order.
    const __mmask64 high = __mmask64(ha & 0xFFFF) | __mmask64(hb & 0xFFFF) << 16 |
                           __mmask64(ha >> 16) << 32 | __mmask64(hb >> 16) << 48;
    const __m512i low = nibbles_pair(a.qs, b.qs);
    return _mm512_or_si512(low, _mm512_maskz_mov_epi8(high, _mm512_set1_epi8(0x10)));
  }
};

// Prepared activations: per block pair, the Col vectors (K::col of the pair's values, in the
// weights' element order) and the pair's two scales spread over their lanes; an odd last block
// is paired with a zero block.
template <typename K>
struct PreparedPairs {
  static constexpr size_t kPairBytes = (K::kColVectors + 1) * 64;

  static size_t bytes(int64_t n) { return size_t((n / kBlock + 1) / 2) * kPairBytes; }

  static void prepare(int64_t n, const void* x, void* out) {
    const auto* b = static_cast<const BlockQ8_0*>(x);
    auto* o = static_cast<uint8_t*>(out);
    static const BlockQ8_0 zero_x{};
    const __m512i lanes = scale_lanes(K::kNibbles);
    const int64_t blocks = n / kBlock;
    for (int64_t i = 0; i < blocks; i += 2, o += kPairBytes) {
      const BlockQ8_0& second = i + 1 < blocks ? b[i + 1] : zero_x;
      __m512i v = load_pair_32(b[i].qs, second.qs);
      if constexpr (K::kNibbles) v = nibble_order(v);
      K::store(K::col(v), o);
      _mm512_storeu_ps(o + K::kColVectors * 64, spread_scales(lanes, b[i].d, second.d));
    }
  }
};

// NW weight rows times NX prepared activation rows, two blocks per step; an odd last block runs
// with a zero block as its partner. Per product and pair: one scale multiply, one vpdpbusd, one
// convert and one multiply-add into the product's own accumulator.
template <typename K>
struct PairTile {
  template <int NW, int NX>
  static void run(int64_t n, const uint8_t* w, size_t w_stride, const uint8_t* x, size_t x_stride,
                  float* y, size_t y_stride) {
    using W = typename K::W;
    constexpr size_t kPair = PreparedPairs<K>::kPairBytes;
    const W* a[NW];
    for (int r = 0; r < NW; ++r) a[r] = reinterpret_cast<const W*>(w + r * w_stride);
    const __m512i lanes = scale_lanes(K::kNibbles);
    __m512 acc[NW][NX];
    for (auto& row : acc)
      for (auto& v : row) v = _mm512_setzero_ps();
    const int64_t blocks = n / kBlock;
    static const W zero_w{};
    for (int64_t i = 0; i < blocks; i += 2, x += kPair) {
      const bool pair = i + 1 < blocks;
      if constexpr (NW > 1)
        for (int r = 0; r < NW; ++r)
          _mm_prefetch(reinterpret_cast<const char*>(a[r] + i) + kPrefetchTiles * NW * w_stride,
                       _MM_HINT_T0);
      typename K::Col xv[NX];
      __m512 dx[NX];
      for (int j = 0; j < NX; ++j) {
        xv[j] = K::load(x + j * x_stride);
        dx[j] = _mm512_loadu_ps(x + j * x_stride + K::kColVectors * 64);
      }
      for (int r = 0; r < NW; ++r) {
        const W& second = pair ? a[r][i + 1] : zero_w;
        const auto wv = K::row(K::values(a[r][i], second));
        const __m512 dw = spread_scales(lanes, a[r][i].d, second.d);
        for (int j = 0; j < NX; ++j) {
          const __m512 d = _mm512_mul_ps(dw, dx[j]);
          acc[r][j] = _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(K::products(wv, xv[j])), acc[r][j]);
        }
      }
    }
    for (int r = 0; r < NW; ++r)
      for (int j = 0; j < NX; ++j) y[j * y_stride + r] = _mm512_reduce_add_ps(acc[r][j]);
  }
};

// The dot product of one weight row with one vec_dot_type (Q8_0) row: prepares the row first.
template <typename K>
float pair_dot(int64_t n, const void* w, const void* x) {
  thread_local std::vector<uint8_t> prepared;
  prepared.resize(PreparedPairs<K>::bytes(n));
  PreparedPairs<K>::prepare(n, x, prepared.data());
  float out;
  PairTile<K>::template run<1, 1>(n, static_cast<const uint8_t*>(w), 0, prepared.data(), 0, &out,
                                  0);
  return out;
}

// Tiles of 4 interleaved weight rows times up to 4 activation rows (prefill), or of weight rows
// one at a time times up to 8 activation rows (the small batches of decode steps, see
// small_batch_cols): a row is then streamed once for the whole batch (interleaved rows stream
// from memory at a fraction of the bandwidth), its unpacking and scales shared by eight products.
template <typename K>
void pair_tile(int64_t n, const void* w, size_t w_stride, int n_w, const void* x, size_t x_stride,
               int n_x, float* y, size_t y_stride) {
  using T = PairTile<K>;
  if (n_w == kTileRows && n_x <= 4)
    return tile<T>(n, w, w_stride, n_w, x, x_stride, n_x, y, y_stride);
  const auto* xb = static_cast<const uint8_t*>(x);
  for (int r = 0; r < n_w; ++r) {
    const uint8_t* wr = static_cast<const uint8_t*>(w) + r * w_stride;
    with_cols<kMaxTileCols>(n_x, [&](auto nx) {
      T::template run<1, decltype(nx)::value>(n, wr, w_stride, xb, x_stride, y + r, y_stride);
    });
  }
}

template <typename K, int kMatvecRows>
DotKernel pair_kernel() {
  DotKernel k{pair_dot<K>, pair_tile<K>, kTileRows, 4, kMatvecRows};
  k.small_batch_cols = 8;
  if (kMatvecRows == 1) k.rows = rows_one_by_one<PairTile<K>>;
  k.prepared_bytes = PreparedPairs<K>::bytes;
  k.prepare = PreparedPairs<K>::prepare;
  return k;
}

// BF16 weights times BF16 activations with vdpbf16ps: 32 products per instruction, summed in
// pairs into 16 float lanes (exact products, float sums). One accumulator per (weight row,
// activation row) pair and the same steps in every tile shape; the last n % 32 elements run as
// one zero-padded step.
struct Bf16Tile {
  template <int NW, int NX>
  static void run(int64_t n, const uint8_t* w, size_t w_stride, const uint8_t* x, size_t x_stride,
                  float* y, size_t y_stride) {
    const uint16_t* a[NW];
    const uint16_t* b[NX];
    for (int r = 0; r < NW; ++r) a[r] = reinterpret_cast<const uint16_t*>(w + r * w_stride);
    for (int j = 0; j < NX; ++j) b[j] = reinterpret_cast<const uint16_t*>(x + j * x_stride);
    __m512 acc[NW][NX];
    for (auto& row : acc)
      for (auto& v : row) v = _mm512_setzero_ps();
    auto step = [&](int64_t i, __mmask32 mask) {
      __m512bh xv[NX];
      for (int j = 0; j < NX; ++j) xv[j] = (__m512bh)_mm512_maskz_loadu_epi16(mask, b[j] + i);
      for (int r = 0; r < NW; ++r) {
        const __m512bh wv = (__m512bh)_mm512_maskz_loadu_epi16(mask, a[r] + i);
        for (int j = 0; j < NX; ++j) acc[r][j] = _mm512_dpbf16_ps(acc[r][j], wv, xv[j]);
      }
    };
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) step(i, ~__mmask32(0));
    if (i < n) step(i, (__mmask32(1) << (n - i)) - 1);
    for (int r = 0; r < NW; ++r)
      for (int j = 0; j < NX; ++j) y[j * y_stride + r] = _mm512_reduce_add_ps(acc[r][j]);
  }
};

}  // namespace

DotKernel avx512_dot_kernel(GgmlType weight_type) {
  switch (weight_type) {
    case GgmlType::Q8_0:
      return pair_kernel<Q8_0Pair, 1>();
    case GgmlType::BF16:
      return kernel_of<Bf16Tile, 4, 1>();
    case GgmlType::Q4_0:
      return cpu_features().avx512vbmi ? avx512_quad_kernel(weight_type)
                                       : pair_kernel<Q4_0Pair, 4>();
    case GgmlType::Q5_0:
      return pair_kernel<Q5_0Pair, 4>();
    case GgmlType::IQ4_NL:
      return pair_kernel<Iq4NlPair, 4>();
    default:
      return avx512_vnni256_dot_kernel(weight_type);
  }
}

}  // namespace ruvllm::kernels::detail
