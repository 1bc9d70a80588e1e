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
  static constexpr size_t kMaskBytes = 8 * sizeof(uint64_t);
  static constexpr size_t kValueBytes = kMaskBytes + kRows * kBlock / 2;
  static void values(const uint8_t* p, __m512i (&w)[8]) {
    Q4_0Rows16::values(p + kMaskBytes, w);
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
  static constexpr size_t kGroupBlockBytes = 2 * kRows + K::kValueBytes;

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
      const __m512 dw = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(g)));
      __m512i w[8];
      K::values(g + 2 * kRows, w);
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
    const __mmask16 mask = n_rows >= kRows ? __mmask16(0xFFFF) : __mmask16((1u << n_rows) - 1);
    for (int j = 0; j < NX; ++j) _mm512_mask_storeu_ps(y + j * y_stride, mask, acc[j]);
  }
};

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
  return {group<K>, prepared_bytes<K::kOffset>, prepare<K::kOffset>};
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
    default:
      return {};
  }
}

}  // namespace ruvllm::kernels::detail
