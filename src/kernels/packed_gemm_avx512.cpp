// AVX-512 VNNI kernels for Rows16-packed Q8_0, Q4_0, Q5_0 and IQ4_NL weights (layouts:
// packed_weights.h).
//
// Per block of 32 elements, a group's 16 rows are 8 registers of unsigned bytes (four consecutive
// values of each row per 32-bit lane) and one register of scales. An activation row's block is
// eight 32-bit words of signed bytes, each broadcast to every lane by vpdpbusd's memory operand:
// eight vpdpbusd give the 16 rows' integer sums at once, started from the correction -k sum(x)
// that removes the weights' unsigned offset k (128 for Q8_0's biased bytes and IQ4_NL's biased
// table, 8 for Q4_0's nibbles, 16 for Q5_0's five bits). Then one multiply of the two scales, one
// convert and one fused multiply-add into the (row, activation row) accumulators: about 12
// instructions for 512 multiply-adds, against a scale step per row and block in the file's layout.
//
// As in vec_dot_x86.inc, every helper stays in the unnamed namespace (this file is compiled with
// AVX-512 flags) and F16 values are converted with F16C/AVX-512 instructions.
#include <immintrin.h>

#include <array>
#include <cstring>

#include "kernels/packed_kernels.h"
#include "kernels/quant_blocks.h"
#include "kernels/tile_cols.h"

// GCC 12 reports the `_mm512_undefined_ps()` pass-through operand inside _mm512_cvtph_ps and
// _mm512_cvtepi32_ps as maybe uninitialised once they are inlined here; it is never read.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace ruvllm::kernels::detail {
namespace {

constexpr int kRows = kPackedGroupRows;
// Tiles of several activation rows compute long enough per weight byte that the hardware
// prefetcher falls behind when the weights come from memory (the decode steps of a batch of
// sequences): they fetch 2 KiB ahead themselves (8 rows from a 113 MB Q8_0 matrix, two threads:
// 105-130 -> 150-180 GMAC/s). Matrix-vector products stream faster without it.
constexpr int kPrefetchCols = 4;
constexpr size_t kPrefetchBytes = 2048;

// A prepared activation block: the 32 signed values as they are, the F32 scale, and the
// correction -k * sum(values) for weights stored with unsigned offset k.
struct PreparedBlock {
  int8_t qs[kBlock];
  float d;
  int32_t correction;
};
static_assert(sizeof(PreparedBlock) == 40);

template <int kOffset>
size_t prepared_bytes(int64_t n) {
  return size_t(n / kBlock) * sizeof(PreparedBlock);
}

template <int kOffset>
void prepare(int64_t n, const void* x, void* out) {
  const auto* in = static_cast<const BlockQ8_0*>(x);
  auto* o = static_cast<PreparedBlock*>(out);
  for (int64_t b = 0; b < n / kBlock; ++b) {
    int32_t sum = 0;
    for (int i = 0; i < kBlock; ++i) sum += in[b].qs[i];
    std::memcpy(o[b].qs, in[b].qs, kBlock);
    o[b].d = _cvtsh_ss(in[b].d);
    o[b].correction = -kOffset * sum;
  }
}

int32_t load_i32(const void* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// The first n_rows lanes of each activation row's accumulator to y.
template <int NX>
void store(const __m512 (&acc)[NX], float* y, size_t y_stride, int n_rows) {
  const __mmask16 mask = n_rows >= kRows ? __mmask16(0xFFFF) : __mmask16((1u << n_rows) - 1);
  for (int j = 0; j < NX; ++j) _mm512_mask_storeu_ps(y + j * y_stride, mask, acc[j]);
}

// Q8_0: values stored as q + 128 in 8 registers per block.
struct Q8_0Rows16 {
  static constexpr int kOffset = 128;
  static constexpr size_t kValueBytes = kRows * kBlock;
  static void values(const uint8_t* p, __m512i (&w)[8]) {
    for (int k = 0; k < 8; ++k) w[k] = _mm512_loadu_si512(p + 64 * k);
  }
};

// Q4_0: register k holds the low nibbles (elements 4k .. 4k+3) and the high nibbles (elements
// 16 + 4k ..) of four stored bytes per row: two value registers per load.
struct Q4_0Rows16 {
  static constexpr int kOffset = 8;
  static constexpr size_t kValueBytes = kRows * kBlock / 2;
  static void values(const uint8_t* p, __m512i (&w)[8]) {
    const __m512i low = _mm512_set1_epi8(0x0F);
    for (int k = 0; k < 4; ++k) {
      const __m512i raw = _mm512_loadu_si512(p + 64 * k);
      w[k] = _mm512_and_si512(raw, low);
      w[k + 4] = _mm512_and_si512(_mm512_srli_epi16(raw, 4), low);
    }
  }
};

// Q5_0: the nibbles as for Q4_0 plus the fifth bits, stored as one byte mask per register.
struct Q5_0Rows16 {
  static constexpr int kOffset = 16;
  // p: the block's values, after the scales.
  static constexpr size_t kNibbles = rows16::kQ5_0Nibbles - rows16::kScaleBytes;
  static constexpr size_t kValueBytes = kNibbles + kRows * kBlock / 2;
  static void values(const uint8_t* p, __m512i (&w)[8]) {
    Q4_0Rows16::values(p + kNibbles, w);
    const __m512i fifth = _mm512_set1_epi8(0x10);
    for (int v = 0; v < 8; ++v) {
      uint64_t bits;
      std::memcpy(&bits, p + 8 * v, 8);
      w[v] = _mm512_mask_add_epi8(w[v], _cvtu64_mask64(bits), w[v], fifth);
    }
  }
};

// IQ4_NL: the nibbles as for Q4_0, looked up in the value table biased to unsigned (v + 128).
struct Iq4NlRows16 {
  static constexpr int kOffset = 128;
  static constexpr size_t kValueBytes = kRows * kBlock / 2;
  static void values(const uint8_t* p, __m512i (&w)[8]) {
    alignas(16) static constexpr auto kTable = [] {
      std::array<uint8_t, 16> t{};
      for (int i = 0; i < 16; ++i) t[size_t(i)] = uint8_t(kIq4nlValues[i] + 128);
      return t;
    }();
    const __m512i table =
        _mm512_broadcast_i32x4(_mm_load_si128(reinterpret_cast<const __m128i*>(kTable.data())));
    Q4_0Rows16::values(p, w);
    for (auto& v : w) v = _mm512_shuffle_epi8(table, v);
  }
};

template <typename K>
struct Rows16Tile {
  static constexpr size_t kGroupBlockBytes = rows16::kScaleBytes + K::kValueBytes;

  template <int NX>
  static void run(int64_t n, const uint8_t* g, const uint8_t* x, size_t x_stride, float* y,
                  size_t y_stride, int n_rows) {
    // Small tiles are latency-bound: split each product's eight vpdpbusd into two chains (the
    // integer sum, and so the result, is the same).
    constexpr bool kTwoChains = NX <= 2;
    __m512 acc[NX];
    for (auto& a : acc) a = _mm512_setzero_ps();
    const int64_t blocks = n / kBlock;
    for (int64_t b = 0; b < blocks; ++b, g += kGroupBlockBytes) {
      if constexpr (NX >= kPrefetchCols)
        for (size_t i = 0; i < kGroupBlockBytes; i += 64)
          _mm_prefetch(reinterpret_cast<const char*>(g + kPrefetchBytes + i), _MM_HINT_T0);
      const __m512 dw = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(g)));
      __m512i w[8];
      K::values(g + rows16::kScaleBytes, w);
      for (int j = 0; j < NX; ++j) {
        const auto* xb = reinterpret_cast<const PreparedBlock*>(x + j * x_stride) + b;
        __m512i s0 = _mm512_set1_epi32(xb->correction);
        __m512i s1 = _mm512_setzero_si512();
        for (int k = 0; k < 8; k += 2) {
          s0 = _mm512_dpbusd_epi32(s0, w[k], _mm512_set1_epi32(load_i32(xb->qs + 4 * k)));
          __m512i& second = kTwoChains ? s1 : s0;
          second = _mm512_dpbusd_epi32(second, w[k + 1],
                                       _mm512_set1_epi32(load_i32(xb->qs + 4 * k + 4)));
        }
        if constexpr (kTwoChains) s0 = _mm512_add_epi32(s0, s1);
        const __m512 d = _mm512_mul_ps(dw, _mm512_set1_ps(xb->d));
        acc[j] = _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(s0), acc[j]);
      }
    }
    store(acc, y, y_stride, n_rows);
  }
};

// K-quant activations (Q8_K rows), prepared with what the kernels add per sub-block.
// Q4_K: the sums of each 32 values (bsums in pairs), as 16-bit pairs for vpdpwssd with the
// rows' mins.
struct PreparedQ4K {
  int8_t qs[kSuperBlock];
  float d;
  int16_t sums[8];
};

// Q6_K: per 16 values, -32 times their sum (the correction of the weights' offset 32).
struct PreparedQ6K {
  int8_t qs[kSuperBlock];
  float d;
  int32_t corrections[16];
};

size_t prepared_q4_k_bytes(int64_t n) {
  return size_t(n / kSuperBlock) * sizeof(PreparedQ4K);
}

void prepare_q4_k(int64_t n, const void* x, void* out) {
  const auto* in = static_cast<const BlockQ8_K*>(x);
  auto* o = static_cast<PreparedQ4K*>(out);
  for (int64_t b = 0; b < n / kSuperBlock; ++b) {
    std::memcpy(o[b].qs, in[b].qs, kSuperBlock);
    o[b].d = in[b].d;
    for (int k = 0; k < 8; ++k) o[b].sums[k] = int16_t(in[b].bsums[2 * k] + in[b].bsums[2 * k + 1]);
  }
}

size_t prepared_q6_k_bytes(int64_t n) {
  return size_t(n / kSuperBlock) * sizeof(PreparedQ6K);
}

void prepare_q6_k(int64_t n, const void* x, void* out) {
  const auto* in = static_cast<const BlockQ8_K*>(x);
  auto* o = static_cast<PreparedQ6K*>(out);
  for (int64_t b = 0; b < n / kSuperBlock; ++b) {
    std::memcpy(o[b].qs, in[b].qs, kSuperBlock);
    o[b].d = in[b].d;
    for (int k = 0; k < 16; ++k) o[b].corrections[k] = -32 * in[b].bsums[k];
  }
}

__m512i broadcast_word(const void* p) {
  return _mm512_set1_epi32(load_i32(p));
}

// Q4_K: per 64 values, 8 registers of nibble bytes give sub-blocks 2p (low) and 2p + 1 (high);
// each sub-block's integer sum times its scale is added to the super-block's integer total,
// and the mins times the activations' sums of 32 (vpdpwssd) to a second one. Per super-block:
// total * d * dx - mins * dmin * dx, in that order. At most four activation rows (registers).
struct Q4KRows16 {
  static constexpr size_t kBlockBytes = rows16::kQ4KBytes;
  static constexpr int kMaxCols = 4;

  template <int NX>
  static void run(int64_t n, const uint8_t* g, const uint8_t* x, size_t x_stride, float* y,
                  size_t y_stride, int n_rows) {
    const __m512i low = _mm512_set1_epi8(0x0F);
    __m512 acc[NX];
    for (auto& a : acc) a = _mm512_setzero_ps();
    for (int64_t b = 0; b < n / kSuperBlock; ++b, g += kBlockBytes) {
      const PreparedQ4K* xb[NX];
      for (int j = 0; j < NX; ++j)
        xb[j] = reinterpret_cast<const PreparedQ4K*>(x + j * x_stride) + b;
      __m512i total[NX];
      for (auto& t : total) t = _mm512_setzero_si512();
      for (int p = 0; p < 4; ++p) {
        const __m512i sa = _mm512_cvtepu8_epi32(
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(g + rows16::kQ4KScales + 32 * p)));
        const __m512i sb = _mm512_cvtepu8_epi32(_mm_loadu_si128(
            reinterpret_cast<const __m128i*>(g + rows16::kQ4KScales + 32 * p + 16)));
        __m512i ia[NX], ib[NX];
        for (int j = 0; j < NX; ++j) ia[j] = ib[j] = _mm512_setzero_si512();
        for (int k = 0; k < 8; ++k) {
          const __m512i raw = _mm512_loadu_si512(g + rows16::kQ4KValues + 512 * p + 64 * k);
          const __m512i lo = _mm512_and_si512(raw, low);
          const __m512i hi = _mm512_and_si512(_mm512_srli_epi16(raw, 4), low);
          for (int j = 0; j < NX; ++j) {
            ia[j] = _mm512_dpbusd_epi32(ia[j], lo, broadcast_word(xb[j]->qs + 64 * p + 4 * k));
            ib[j] = _mm512_dpbusd_epi32(ib[j], hi, broadcast_word(xb[j]->qs + 64 * p + 32 + 4 * k));
          }
        }
        for (int j = 0; j < NX; ++j)
          total[j] = _mm512_add_epi32(total[j], _mm512_add_epi32(_mm512_mullo_epi32(ia[j], sa),
                                                                 _mm512_mullo_epi32(ib[j], sb)));
      }
      __m512i mins[4];
      for (int k = 0; k < 4; ++k)
        mins[k] = _mm512_cvtepu8_epi16(
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(g + rows16::kQ4KMins + 32 * k)));
      const __m512 dw = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(g)));
      const __m512 dmin = _mm512_cvtph_ps(
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(g + rows16::kQ4KDmin)));
      for (int j = 0; j < NX; ++j) {
        __m512i m = _mm512_setzero_si512();
        for (int k = 0; k < 4; ++k)
          m = _mm512_dpwssd_epi32(m, mins[k], broadcast_word(xb[j]->sums + 2 * k));
        const __m512 dx = _mm512_set1_ps(xb[j]->d);
        acc[j] = _mm512_fmadd_ps(_mm512_mul_ps(dw, dx), _mm512_cvtepi32_ps(total[j]), acc[j]);
        acc[j] = _mm512_fnmadd_ps(_mm512_mul_ps(dmin, dx), _mm512_cvtepi32_ps(m), acc[j]);
      }
    }
    store(acc, y, y_stride, n_rows);
  }
};

// Q6_K: per sub-block of 16 values, three registers (two of low nibbles, one of high bit pairs)
// give four registers of 6-bit values; the sum starts from the activations' correction -32 sum(x),
// is multiplied by the sub-block's scale and added to the super-block's integer total, which is
// scaled by d * dx once.
struct Q6KRows16 {
  static constexpr size_t kBlockBytes = rows16::kQ6KBytes;
  static constexpr int kMaxCols = 8;

  template <int NX>
  static void run(int64_t n, const uint8_t* g, const uint8_t* x, size_t x_stride, float* y,
                  size_t y_stride, int n_rows) {
    const __m512i low = _mm512_set1_epi8(0x0F), high = _mm512_set1_epi8(0x30);
    // a | (b & c)
    constexpr int kOrAnd = 0xF8;
    __m512 acc[NX];
    for (auto& a : acc) a = _mm512_setzero_ps();
    for (int64_t b = 0; b < n / kSuperBlock; ++b, g += kBlockBytes) {
      const PreparedQ6K* xb[NX];
      for (int j = 0; j < NX; ++j)
        xb[j] = reinterpret_cast<const PreparedQ6K*>(x + j * x_stride) + b;
      __m512i total[NX];
      for (auto& t : total) t = _mm512_setzero_si512();
      for (int s = 0; s < 16; ++s) {
        const __m512i scale = _mm512_cvtepi8_epi32(
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(g + rows16::kQ6KScales + 16 * s)));
        const uint8_t* v = g + rows16::kQ6KValues + rows16::kQ6KSubBlockBytes * s;
        const __m512i raw0 = _mm512_loadu_si512(v), raw1 = _mm512_loadu_si512(v + 64);
        const __m512i hb = _mm512_loadu_si512(v + 128);
        const __m512i w0 = _mm512_ternarylogic_epi32(_mm512_and_si512(raw0, low),
                                                     _mm512_slli_epi16(hb, 4), high, kOrAnd);
        const __m512i w1 = _mm512_ternarylogic_epi32(_mm512_and_si512(raw1, low),
                                                     _mm512_slli_epi16(hb, 2), high, kOrAnd);
        const __m512i w2 = _mm512_ternarylogic_epi32(
            _mm512_and_si512(_mm512_srli_epi16(raw0, 4), low), hb, high, kOrAnd);
        const __m512i w3 =
            _mm512_ternarylogic_epi32(_mm512_and_si512(_mm512_srli_epi16(raw1, 4), low),
                                      _mm512_srli_epi16(hb, 2), high, kOrAnd);
        for (int j = 0; j < NX; ++j) {
          const int8_t* q = xb[j]->qs + 16 * s;
          __m512i sum = _mm512_set1_epi32(xb[j]->corrections[s]);
          sum = _mm512_dpbusd_epi32(sum, w0, broadcast_word(q));
          sum = _mm512_dpbusd_epi32(sum, w1, broadcast_word(q + 4));
          sum = _mm512_dpbusd_epi32(sum, w2, broadcast_word(q + 8));
          sum = _mm512_dpbusd_epi32(sum, w3, broadcast_word(q + 12));
          total[j] = _mm512_add_epi32(total[j], _mm512_mullo_epi32(sum, scale));
        }
      }
      const __m512 dw = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(g)));
      for (int j = 0; j < NX; ++j)
        acc[j] = _mm512_fmadd_ps(_mm512_mul_ps(dw, _mm512_set1_ps(xb[j]->d)),
                                 _mm512_cvtepi32_ps(total[j]), acc[j]);
    }
    store(acc, y, y_stride, n_rows);
  }
};

template <typename T>
void superblock_group(int64_t n, const void* g, const void* x, size_t x_stride, int n_x, float* y,
                      size_t y_stride, int n_rows) {
  with_cols<T::kMaxCols>(n_x, [&](auto nx) {
    T::template run<decltype(nx)::value>(n, static_cast<const uint8_t*>(g),
                                         static_cast<const uint8_t*>(x), x_stride, y, y_stride,
                                         n_rows);
  });
}

template <typename K>
void group(int64_t n, const void* g, const void* x, size_t x_stride, int n_x, float* y,
           size_t y_stride, int n_rows) {
  with_cols<kPackedMaxCols>(n_x, [&](auto nx) {
    Rows16Tile<K>::template run<decltype(nx)::value>(n, static_cast<const uint8_t*>(g),
                                                     static_cast<const uint8_t*>(x), x_stride, y,
                                                     y_stride, n_rows);
  });
}

template <typename K>
PackedKernel rows16_kernel() {
  return {group<K>, kPackedMaxCols, prepared_bytes<K::kOffset>, prepare<K::kOffset>};
}

}  // namespace

PackedKernel avx512_packed_kernel(GgmlType type, WeightPacking packing) {
  if (packing != WeightPacking::Rows16) return {};
  switch (type) {
    case GgmlType::Q8_0:
      return rows16_kernel<Q8_0Rows16>();
    case GgmlType::Q4_0:
      return rows16_kernel<Q4_0Rows16>();
    case GgmlType::Q5_0:
      return rows16_kernel<Q5_0Rows16>();
    case GgmlType::IQ4_NL:
      return rows16_kernel<Iq4NlRows16>();
    case GgmlType::Q4_K:
      return {superblock_group<Q4KRows16>, Q4KRows16::kMaxCols, prepared_q4_k_bytes, prepare_q4_k};
    case GgmlType::Q6_K:
      return {superblock_group<Q6KRows16>, Q6KRows16::kMaxCols, prepared_q6_k_bytes, prepare_q6_k};
    default:
      return {};
  }
}

}  // namespace ruvllm::kernels::detail
