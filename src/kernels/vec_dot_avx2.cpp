// AVX2 + FMA + F16C dot products. Only called after isa_level() reported AVX2.
//
// Every kernel computes a tile of NW weight rows times NX activation rows at once: NW = 4 for
// matrix-vector products (decode), so four independent accumulator chains hide the FMA latency
// and each activation block is loaded once for four rows; NX up to 4 for batches (prefill), so
// each weight block is unpacked once for several activation rows. Integer work follows the scalar
// reference (exact per-block sums); only the order of the float accumulation differs.
//
// A quantized type is described by a "block kernel": the weight and activation block types and
// `block<NX>(w, y, acc)`, which adds one weight block's products with NX activation blocks to NX
// accumulators. The tile driver below runs it over rows and blocks.
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

// Weight rows per tile of the batched kernels, and activation rows (see kMaxTileCols).
constexpr int kTileRows = kMaxTileRows;
// How many tiles ahead the weight stream is prefetched.
constexpr int kPrefetchTiles = 2;

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

// Pairwise sums of 16-bit lanes into 32-bit lanes, as floats.
__m256 widen_to_float(__m256i pairs16) {
  return _mm256_cvtepi32_ps(_mm256_madd_epi16(pairs16, _mm256_set1_epi16(1)));
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

// Two 16-bit scales: `lo` for the first 128-bit lane (elements 0-15), `hi` for the second.
__m256i lane_scales(int lo, int hi) {
  return _mm256_setr_m128i(_mm_set1_epi16(int16_t(lo)), _mm_set1_epi16(int16_t(hi)));
}

// Signed weights times signed activations with maddubs: |q| times sign(y, q), so the pairwise
// sums cannot saturate (|sum| <= 2 * 128 * 127; activations never hold -128).
__m256i signed_pairs(__m256i q, __m256i y) {
  return _mm256_maddubs_epi16(_mm256_sign_epi8(q, q), _mm256_sign_epi8(y, q));
}

// The running sums of one (weight row, activation row) pair: a vector part and a scalar part
// (the min terms of the affine types).
struct Acc {
  __m256 v;
  float extra;
};

// ---- float types: weights and activations share the element type T ----

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

template <typename T, __m256 (*Load)(const T*), float (*Value)(const T*)>
struct FloatTile {
  template <int NW, int NX>
  static void run(int64_t n, const uint8_t* w, size_t w_stride, const uint8_t* x, size_t x_stride,
                  float* y, size_t y_stride) {
    const T* a[NW];
    const T* b[NX];
    for (int r = 0; r < NW; ++r) a[r] = reinterpret_cast<const T*>(w + r * w_stride);
    for (int j = 0; j < NX; ++j) b[j] = reinterpret_cast<const T*>(x + j * x_stride);
    // Every product sums in the same order whatever the tile shape, so a row's result does not
    // depend on how it was batched: per 16 elements t = w0 x0 + w1 x1 (one FMA on a product),
    // then acc += t, which also keeps the dependency chain on acc short.
    __m256 acc[NW][NX];
    for (auto& row : acc)
      for (auto& v : row) v = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
      __m256 x0[NX], x1[NX];
      for (int j = 0; j < NX; ++j) x0[j] = Load(b[j] + i), x1[j] = Load(b[j] + i + 8);
      for (int r = 0; r < NW; ++r) {
        const __m256 w0 = Load(a[r] + i), w1 = Load(a[r] + i + 8);
        for (int j = 0; j < NX; ++j)
          acc[r][j] =
              _mm256_add_ps(acc[r][j], _mm256_fmadd_ps(w1, x1[j], _mm256_mul_ps(w0, x0[j])));
      }
    }
    for (; i + 8 <= n; i += 8)
      for (int r = 0; r < NW; ++r)
        for (int j = 0; j < NX; ++j)
          acc[r][j] = _mm256_fmadd_ps(Load(a[r] + i), Load(b[j] + i), acc[r][j]);
    for (int r = 0; r < NW; ++r)
      for (int j = 0; j < NX; ++j) {
        float sum = hsum(acc[r][j]);
        for (int64_t k = i; k < n; ++k) sum += Value(a[r] + k) * Value(b[j] + k);
        y[j * y_stride + r] = sum;
      }
  }
};

// ---- 32-element blocks against Q8_0 / Q8_1 ----

// Unsigned 4-bit weights u of Q4_0 (q = u - 8) and signed values of the other types, 32 bytes
// in element order.
__m256i q4_0_unsigned(const BlockQ4_0& b) {
  return nibbles_32(b.qs);
}
__m256i q5_0_unsigned(const BlockQ5_0& b) {
  const __m256i high = _mm256_and_si256(bits_to_bytes_32(b.qh), _mm256_set1_epi8(0x10));
  return _mm256_or_si256(nibbles_32(b.qs), high);
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

// Symmetric types with signed values: d_w d_x sum(q_w q_x) per block. `products` gives the
// block's integer products with one activation block, summed pairwise into eight 32-bit lanes.
template <typename Block, __m256i (*Values)(const Block&)>
struct SignedBlock {
  using W = Block;
  struct Unpacked {
    __m256i q, q_abs;
  };
  using Act = __m256i;  // an activation block's values
  static Unpacked unpack(const W& a) {
    const __m256i q = Values(a);
    return {q, _mm256_sign_epi8(q, q)};
  }
  static Act activation(__m256i y) { return y; }
  static __m256i products(const Unpacked& u, const Act& y) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u.q_abs, _mm256_sign_epi8(y, u.q)),
                             _mm256_set1_epi16(1));
  }
};

// Symmetric types stored unsigned with an offset (q = u - kOffset): sum(u y) - kOffset sum(y),
// two unsigned-by-signed maddubs without the sign fix-ups (u <= 31, so no saturation).
template <typename Block, __m256i (*Unsigned)(const Block&), int kOffset>
struct OffsetBlock {
  using W = Block;
  struct Unpacked {
    __m256i u;
  };
  // An activation block's values and kOffset times their pairwise sums, computed once per
  // activation block for all the weight rows of a tile.
  struct Act {
    __m256i y, offset_pairs;
  };
  static Unpacked unpack(const W& a) { return {Unsigned(a)}; }
  static Act activation(__m256i y) {
    return {y, _mm256_maddubs_epi16(_mm256_set1_epi8(kOffset), y)};
  }
  static __m256i products(const Unpacked& u, const Act& x) {
    const __m256i p = _mm256_sub_epi16(_mm256_maddubs_epi16(u.u, x.y), x.offset_pairs);
    return _mm256_madd_epi16(p, _mm256_set1_epi16(1));
  }
};

// Four columns' block products in one vector: lane j (0-3) of each 128-bit half holds column j's
// sum over that half's four lanes. Integer sums are exact, so any order gives the same values.
__m256i half_sums_4(__m256i s0, __m256i s1, __m256i s2, __m256i s3) {
  return _mm256_hadd_epi32(_mm256_hadd_epi32(s0, s1), _mm256_hadd_epi32(s2, s3));
}

// One column's half sums (the integers half_sums_4 puts in lanes 0 and 4), in every lane of
// their half.
__m256i half_sums_1(__m256i s) {
  s = _mm256_add_epi32(s, _mm256_shuffle_epi32(s, 0x4E));
  return _mm256_add_epi32(s, _mm256_shuffle_epi32(s, 0xB1));
}

// NW weight rows times NX <= 4 activation rows of a 32-element symmetric type against Q8_0.
// One float accumulator per weight row holds all NX columns (lane j and lane j + 4), so a 4 x 4
// tile needs 4 accumulators instead of 16 and converts and scales once per row and block instead
// of once per product. A product's float operations are the same in every tile shape (scale
// d_w * d_x, block sum of each half, one FMA per half and block, halves added at the end), so a
// row's result does not depend on the batching.
template <typename K>
struct ScaledBlockTile {
  template <int NW, int NX>
  static void run(int64_t n, const uint8_t* w, size_t w_stride, const uint8_t* x, size_t x_stride,
                  float* y, size_t y_stride) {
    static_assert(NX >= 1 && NX <= 4);
    using W = typename K::W;
    const W* a[NW];
    const BlockQ8_0* b[NX];
    for (int r = 0; r < NW; ++r) a[r] = reinterpret_cast<const W*>(w + r * w_stride);
    for (int j = 0; j < NX; ++j) b[j] = reinterpret_cast<const BlockQ8_0*>(x + j * x_stride);
    __m256 acc[NW];
    for (auto& v : acc) v = _mm256_setzero_ps();
    const int64_t blocks = n / kBlock;
    for (int64_t i = 0; i < blocks; ++i) {
      // The NW rows are NW interleaved streams, which the hardware prefetcher follows poorly:
      // fetch the same place kPrefetchTiles tiles further down (the rows read next).
      if constexpr (NW > 1)
        for (int r = 0; r < NW; ++r)
          _mm_prefetch(reinterpret_cast<const char*>(a[r] + i) + kPrefetchTiles * NW * w_stride,
                       _MM_HINT_T0);
      typename K::Act yv[NX];
      for (int j = 0; j < NX; ++j) yv[j] = K::activation(load256(b[j][i].qs));
      // The activation scales d_x: column j in lanes j and j + 4.
      uint16_t dx[4] = {0, 0, 0, 0};
      for (int j = 0; j < NX; ++j) dx[j] = b[j][i].d;
      const __m128i dx4 = _mm_set1_epi64x(int64_t(uint64_t(dx[0]) | uint64_t(dx[1]) << 16 |
                                                  uint64_t(dx[2]) << 32 | uint64_t(dx[3]) << 48));
      const __m256 d_x = _mm256_cvtph_ps(dx4);
      for (int r = 0; r < NW; ++r) {
        const auto u = K::unpack(a[r][i]);
        __m256i sums;
        if constexpr (NX == 1) {
          sums = half_sums_1(K::products(u, yv[0]));
        } else {
          __m256i s[4];
          for (int j = 0; j < 4; ++j)
            s[j] = j < NX ? K::products(u, yv[j]) : _mm256_setzero_si256();
          sums = half_sums_4(s[0], s[1], s[2], s[3]);
        }
        const __m256 d = _mm256_mul_ps(_mm256_set1_ps(half_to_float(a[r][i].d)), d_x);
        acc[r] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(sums), acc[r]);
      }
    }
    for (int r = 0; r < NW; ++r) {
      alignas(32) float lanes[8];
      _mm256_store_ps(lanes, acc[r]);
      for (int j = 0; j < NX; ++j) y[j * y_stride + r] = lanes[j] + lanes[j + 4];
    }
  }
};

// Types with a min: d_w d_x sum(q_w q_x) + m_w s_x per block (q_w unsigned).
template <typename Block, __m256i (*Values)(const Block&)>
struct AffineBlock {
  using W = Block;
  using X = BlockQ8_1;
  static constexpr int kElems = kBlock;
  template <int NX>
  static void block(const W& a, const X* const* y, Acc* acc) {
    const __m256i q = Values(a);
    const float dw = half_to_float(a.d), mw = half_to_float(a.m);
    for (int j = 0; j < NX; ++j) {
      const __m256i p = _mm256_maddubs_epi16(q, load256(y[j]->qs));
      const __m256 d = _mm256_set1_ps(dw * half_to_float(y[j]->d));
      acc[j].v = _mm256_fmadd_ps(d, widen_to_float(p), acc[j].v);
      acc[j].extra += mw * half_to_float(y[j]->s);
    }
  }
};

// ---- K-quants against Q8_K ----

// Scales and mins of the 8 sub-blocks of a Q4_K / Q5_K block, four at a time in 32-bit words:
// sub-blocks 0-3 keep 6 bits in bytes 0-3 (scales) and 4-7 (mins); 4-7 take their low 4 bits
// from the nibbles of bytes 8-11 and their high 2 bits from the top of bytes 0-3 / 4-7.
void unpack_k4_scales(const uint8_t* packed, uint8_t* scales, uint8_t* mins) {
  uint32_t w[3];
  std::memcpy(w, packed, 12);
  const uint32_t low6 = 0x3f3f3f3f, low4 = 0x0f0f0f0f, top2 = 0x03030303;
  const uint32_t s[2] = {w[0] & low6, (w[2] & low4) | (((w[0] >> 6) & top2) << 4)};
  const uint32_t m[2] = {w[1] & low6, ((w[2] >> 4) & low4) | (((w[1] >> 6) & top2) << 4)};
  std::memcpy(scales, s, 8);
  std::memcpy(mins, m, 8);
}

// Q4_K / Q5_K: x = d * sc * q - dmin * m per sub-block of 32; the min part uses the bsums.
template <typename Block, bool kFiveBits>
struct K4Block {
  using W = Block;
  using X = BlockQ8_K;
  static constexpr int kElems = kSuperBlock;
  template <int NX>
  static void block(const W& a, const X* const* y, Acc* acc) {
    const __m256i low_mask = _mm256_set1_epi8(0x0F);
    uint8_t scales[8], mins[8];
    unpack_k4_scales(a.scales, scales, mins);
    __m256i sumi[NX];
    for (int j = 0; j < NX; ++j) sumi[j] = _mm256_setzero_si256();
    __m256i qh = _mm256_setzero_si256();
    if constexpr (kFiveBits) qh = load256(a.qh);
    for (int k = 0; k < 4; ++k) {
      const __m256i q = load256(a.qs + 32 * k);
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
        const __m256i p_lo = _mm256_maddubs_epi16(lo, load256(y[j]->qs + 64 * k));
        const __m256i p_hi = _mm256_maddubs_epi16(hi, load256(y[j]->qs + 64 * k + 32));
        sumi[j] = _mm256_add_epi32(sumi[j], _mm256_add_epi32(_mm256_madd_epi16(p_lo, sc_lo),
                                                             _mm256_madd_epi16(p_hi, sc_hi)));
      }
    }
    const float dw = half_to_float(a.d), mw = half_to_float(a.dmin);
    // The mins times the bsums of each 32-element sub-block: 16-bit products summed pairwise.
    const __m128i mins16 =
        _mm_cvtepu8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(mins)));
    for (int j = 0; j < NX; ++j) {
      const __m256i bs = load256(y[j]->bsums);
      const __m128i bs_pairs =
          _mm_hadd_epi16(_mm256_castsi256_si128(bs), _mm256_extracti128_si256(bs, 1));
      __m128i summs = _mm_madd_epi16(mins16, bs_pairs);
      summs = _mm_add_epi32(summs, _mm_shuffle_epi32(summs, _MM_SHUFFLE(1, 0, 3, 2)));
      summs = _mm_add_epi32(summs, _mm_shuffle_epi32(summs, _MM_SHUFFLE(2, 3, 0, 1)));
      acc[j].v =
          _mm256_fmadd_ps(_mm256_set1_ps(y[j]->d * dw), _mm256_cvtepi32_ps(sumi[j]), acc[j].v);
      acc[j].extra -= y[j]->d * mw * float(_mm_cvtsi128_si32(summs));
    }
  }
};

struct Q6KBlock {
  using W = BlockQ6_K;
  using X = BlockQ8_K;
  static constexpr int kElems = kSuperBlock;
  template <int NX>
  static void block(const W& a, const X* const* y, Acc* acc) {
    const __m256i low_mask = _mm256_set1_epi8(0x0F), two_bits = _mm256_set1_epi8(3);
    const __m256i offset = _mm256_set1_epi8(32);
    __m256i sumi[NX];
    for (int j = 0; j < NX; ++j) sumi[j] = _mm256_setzero_si256();
    for (int h = 0; h < 2; ++h) {
      const __m256i ql0 = load256(a.ql + 64 * h);
      const __m256i ql1 = load256(a.ql + 64 * h + 32);
      const __m256i qh = load256(a.qh + 32 * h);
      auto high = [&](int shift) {
        return _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, shift), two_bits), 4);
      };
      const __m256i q[4] = {
          _mm256_or_si256(_mm256_and_si256(ql0, low_mask), high(0)),
          _mm256_or_si256(_mm256_and_si256(ql1, low_mask), high(2)),
          _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), low_mask), high(4)),
          _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), low_mask), high(6)),
      };
      const int8_t* sc = a.scales + 8 * h;
      for (int k = 0; k < 4; ++k) {
        const __m256i scales = lane_scales(sc[2 * k], sc[2 * k + 1]);
        for (int j = 0; j < NX; ++j) {
          const __m256i yv = load256(y[j]->qs + 128 * h + 32 * k);
          // (q - 32) y = q y - 32 y, both unsigned-by-signed products.
          const __m256i p =
              _mm256_sub_epi16(_mm256_maddubs_epi16(q[k], yv), _mm256_maddubs_epi16(offset, yv));
          sumi[j] = _mm256_add_epi32(sumi[j], _mm256_madd_epi16(p, scales));
        }
      }
    }
    const float dw = half_to_float(a.d);
    for (int j = 0; j < NX; ++j)
      acc[j].v =
          _mm256_fmadd_ps(_mm256_set1_ps(dw * y[j]->d), _mm256_cvtepi32_ps(sumi[j]), acc[j].v);
  }
};

struct Q2KBlock {
  using W = BlockQ2_K;
  using X = BlockQ8_K;
  static constexpr int kElems = kSuperBlock;
  template <int NX>
  static void block(const W& a, const X* const* y, Acc* acc) {
    const __m256i two_bits = _mm256_set1_epi8(3);
    __m256i sumi[NX];
    for (int j = 0; j < NX; ++j) sumi[j] = _mm256_setzero_si256();
    for (int h = 0; h < 2; ++h) {
      const __m256i q = load256(a.qs + 32 * h);
      for (int k = 0; k < 4; ++k) {
        const __m256i v = _mm256_and_si256(_mm256_srli_epi16(q, 2 * k), two_bits);
        const uint8_t* sc = a.scales + 8 * h + 2 * k;
        const __m256i scales = lane_scales(sc[0] & 0xF, sc[1] & 0xF);
        for (int j = 0; j < NX; ++j) {
          const __m256i p = _mm256_maddubs_epi16(v, load256(y[j]->qs + 128 * h + 32 * k));
          sumi[j] = _mm256_add_epi32(sumi[j], _mm256_madd_epi16(p, scales));
        }
      }
    }
    const float dw = half_to_float(a.d), mw = half_to_float(a.dmin);
    for (int j = 0; j < NX; ++j) {
      int summs = 0;
      for (int g = 0; g < 16; ++g) summs += (a.scales[g] >> 4) * y[j]->bsums[g];
      acc[j].v =
          _mm256_fmadd_ps(_mm256_set1_ps(y[j]->d * dw), _mm256_cvtepi32_ps(sumi[j]), acc[j].v);
      acc[j].extra -= y[j]->d * mw * float(summs);
    }
  }
};

void unpack_q3_k_scales(const uint8_t* packed, int* scales) {
  for (int j = 0; j < 16; ++j) {
    const int low = j < 8 ? (packed[j] & 0xF) : (packed[j - 8] >> 4);
    const int high = (packed[8 + (j % 4)] >> (2 * (j / 4))) & 3;
    scales[j] = (low | (high << 4)) - 32;
  }
}

struct Q3KBlock {
  using W = BlockQ3_K;
  using X = BlockQ8_K;
  static constexpr int kElems = kSuperBlock;
  template <int NX>
  static void block(const W& a, const X* const* y, Acc* acc) {
    const __m256i two_bits = _mm256_set1_epi8(3), one = _mm256_set1_epi8(1);
    const __m256i four = _mm256_set1_epi8(4);
    int scales[16];
    unpack_q3_k_scales(a.scales, scales);
    const __m256i hmask = load256(a.hmask);
    __m256i sumi[NX];
    for (int j = 0; j < NX; ++j) sumi[j] = _mm256_setzero_si256();
    for (int h = 0; h < 2; ++h) {
      const __m256i q = load256(a.qs + 32 * h);
      for (int k = 0; k < 4; ++k) {
        const int g = 4 * h + k;  // 32-element group: its high bits are bit g of hmask
        const __m256i high = _mm256_and_si256(_mm256_srli_epi16(hmask, g), one);
        // value = low + 4 high - 4, as an unsigned part (0..7) minus 4.
        const __m256i u = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q, 2 * k), two_bits),
                                          _mm256_slli_epi16(high, 2));
        const __m256i sc = lane_scales(scales[2 * g], scales[2 * g + 1]);
        for (int j = 0; j < NX; ++j) {
          const __m256i yv = load256(y[j]->qs + 32 * g);
          const __m256i p =
              _mm256_sub_epi16(_mm256_maddubs_epi16(u, yv), _mm256_maddubs_epi16(four, yv));
          sumi[j] = _mm256_add_epi32(sumi[j], _mm256_madd_epi16(p, sc));
        }
      }
    }
    const float dw = half_to_float(a.d);
    for (int j = 0; j < NX; ++j)
      acc[j].v =
          _mm256_fmadd_ps(_mm256_set1_ps(dw * y[j]->d), _mm256_cvtepi32_ps(sumi[j]), acc[j].v);
  }
};

struct Iq4XsBlock {
  using W = BlockIq4Xs;
  using X = BlockQ8_K;
  static constexpr int kElems = kSuperBlock;
  template <int NX>
  static void block(const W& a, const X* const* y, Acc* acc) {
    const __m256i table = _mm256_broadcastsi128_si256(
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(kIq4nlValues)));
    __m256i sumi[NX];
    for (int j = 0; j < NX; ++j) sumi[j] = _mm256_setzero_si256();
    for (int ib = 0; ib < 8; ++ib) {
      const int ls =
          ((a.scales_l[ib / 2] >> 4 * (ib % 2)) & 0xF) | (((a.scales_h >> 2 * ib) & 3) << 4);
      const __m256i q = _mm256_shuffle_epi8(table, nibbles_32(a.qs + 16 * ib));
      const __m256i sc = _mm256_set1_epi16(int16_t(ls - 32));
      for (int j = 0; j < NX; ++j)
        sumi[j] = _mm256_add_epi32(
            sumi[j], _mm256_madd_epi16(signed_pairs(q, load256(y[j]->qs + 32 * ib)), sc));
    }
    const float dw = half_to_float(a.d);
    for (int j = 0; j < NX; ++j)
      acc[j].v =
          _mm256_fmadd_ps(_mm256_set1_ps(dw * y[j]->d), _mm256_cvtepi32_ps(sumi[j]), acc[j].v);
  }
};

// ---- the tile driver ----

// NW weight rows times NX activation rows of a quantized type: blocks in the outer loop, so the
// NW * NX accumulator chains are independent and each activation block is read while hot.
template <typename K>
struct QuantTile {
  template <int NW, int NX>
  static void run(int64_t n, const uint8_t* w, size_t w_stride, const uint8_t* x, size_t x_stride,
                  float* y, size_t y_stride) {
    using W = typename K::W;
    using X = typename K::X;
    const W* a[NW];
    const X* b[NX];
    for (int r = 0; r < NW; ++r) a[r] = reinterpret_cast<const W*>(w + r * w_stride);
    for (int j = 0; j < NX; ++j) b[j] = reinterpret_cast<const X*>(x + j * x_stride);
    Acc acc[NW][NX];
    for (auto& row : acc)
      for (auto& c : row) c = {_mm256_setzero_ps(), 0.f};
    const int64_t blocks = n / K::kElems;
    // One chain per product in every tile shape: results do not depend on the batching.
    for (int64_t i = 0; i < blocks; ++i) {
      // The NW rows are NW interleaved streams, which the hardware prefetcher follows poorly:
      // fetch the same place kPrefetchTiles tiles further down (the rows read next).
      if constexpr (NW > 1)
        for (int r = 0; r < NW; ++r)
          _mm_prefetch(reinterpret_cast<const char*>(a[r] + i) + kPrefetchTiles * NW * w_stride,
                       _MM_HINT_T0);
      const X* yb[NX];
      for (int j = 0; j < NX; ++j) yb[j] = b[j] + i;
      for (int r = 0; r < NW; ++r) K::template block<NX>(a[r][i], yb, acc[r]);
    }
    for (int r = 0; r < NW; ++r)
      for (int j = 0; j < NX; ++j) y[j * y_stride + r] = hsum(acc[r][j].v) + acc[r][j].extra;
  }
};

// ---- adapters to the kernel table's signatures ----

template <typename T, int NW>
void run_cols(int n_x, int64_t n, const uint8_t* w, size_t w_stride, const uint8_t* x,
              size_t x_stride, float* y, size_t y_stride) {
  static_assert(kMaxTileCols == 4);
  switch (n_x) {
    case 1:
      return T::template run<NW, 1>(n, w, w_stride, x, x_stride, y, y_stride);
    case 2:
      return T::template run<NW, 2>(n, w, w_stride, x, x_stride, y, y_stride);
    case 3:
      return T::template run<NW, 3>(n, w, w_stride, x, x_stride, y, y_stride);
    default:
      return T::template run<NW, 4>(n, w, w_stride, x, x_stride, y, y_stride);
  }
}

// Full tiles of kTileRows weight rows run interleaved; a short tile runs row by row.
template <typename T>
void tile(int64_t n, const void* w, size_t w_stride, int n_w, const void* x, size_t x_stride,
          int n_x, float* y, size_t y_stride) {
  const auto* wb = static_cast<const uint8_t*>(w);
  const auto* xb = static_cast<const uint8_t*>(x);
  if (n_w == kTileRows)
    return run_cols<T, kTileRows>(n_x, n, wb, w_stride, xb, x_stride, y, y_stride);
  for (int r = 0; r < n_w; ++r)
    run_cols<T, 1>(n_x, n, wb + r * w_stride, w_stride, xb, x_stride, y + r, y_stride);
}

template <typename T>
float dot_one(int64_t n, const void* w, const void* x) {
  float out;
  T::template run<1, 1>(n, static_cast<const uint8_t*>(w), 0, static_cast<const uint8_t*>(x), 0,
                        &out, 0);
  return out;
}

// Tile shapes, measured per type (CPU time, 60 MB matrix-vector products and 32-row batches on
// a Zen CPU): batches run best as 4 weight rows x kCols activation rows (wider tiles spill the
// accumulators). Matrix-vector products interleave kMatvecRows rows only for the 4/5-bit legacy
// types, whose unpacking dominates (4 rows: +45%); types with long rows (Q8_0, F16, K-quants)
// stream faster one row at a time, as interleaved rows defeat the hardware prefetcher (-25%).
template <typename T, int kCols, int kMatvecRows>
DotKernel kernel_of() {
  return {dot_one<T>, tile<T>, kTileRows, kCols, kMatvecRows};
}

template <typename K, int kCols = 4, int kMatvecRows = 1>
DotKernel quant_kernel() {
  return kernel_of<QuantTile<K>, kCols, kMatvecRows>();
}

template <typename K, int kMatvecRows = 1>
DotKernel scaled_block_kernel() {
  return kernel_of<ScaledBlockTile<K>, 4, kMatvecRows>();
}

template <typename T>
DotKernel float_kernel() {
  return kernel_of<T, 3, 1>();
}

}  // namespace

DotKernel avx2_dot_kernel(GgmlType weight_type) {
  switch (weight_type) {
    case GgmlType::F32:
      return float_kernel<FloatTile<float, load_f32x8, f32_value>>();
    case GgmlType::F16:
      return float_kernel<FloatTile<uint16_t, load_f16x8, f16_value>>();
    case GgmlType::BF16:
      return float_kernel<FloatTile<uint16_t, load_bf16x8, bf16_value>>();
    case GgmlType::Q4_0:
      return scaled_block_kernel<OffsetBlock<BlockQ4_0, q4_0_unsigned, 8>, 4>();
    case GgmlType::Q5_0:
      return scaled_block_kernel<OffsetBlock<BlockQ5_0, q5_0_unsigned, 16>, 4>();
    case GgmlType::Q8_0:
      return scaled_block_kernel<SignedBlock<BlockQ8_0, q8_0_values>>();
    case GgmlType::IQ4_NL:
      return scaled_block_kernel<SignedBlock<BlockIq4Nl, iq4_nl_values>, 4>();
    case GgmlType::Q4_1:
      return quant_kernel<AffineBlock<BlockQ4_1, q4_1_values>, 4, 4>();
    case GgmlType::Q5_1:
      return quant_kernel<AffineBlock<BlockQ5_1, q5_1_values>, 4, 4>();
    case GgmlType::Q2_K:
      return quant_kernel<Q2KBlock>();
    case GgmlType::Q3_K:
      return quant_kernel<Q3KBlock>();
    case GgmlType::Q4_K:
      return quant_kernel<K4Block<BlockQ4_K, false>>();
    case GgmlType::Q5_K:
      return quant_kernel<K4Block<BlockQ5_K, true>>();
    case GgmlType::Q6_K:
      return quant_kernel<Q6KBlock, 3>();
    case GgmlType::IQ4_XS:
      return quant_kernel<Iq4XsBlock>();
    default:
      return {};
  }
}

}  // namespace ruvllm::kernels::detail
