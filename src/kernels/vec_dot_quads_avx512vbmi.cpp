// AVX-512 (F, BW, VL, VBMI, VNNI) dot products of Q4_0, four blocks (128 weights) per step.
// Chosen by avx512_dot_kernel only where cpuid reports VBMI. (Q8_0 stays on two-block steps:
// gathering its 34-byte blocks costs more than the float work saved in matrix-vector products,
// and a type must use one kernel for every batch size, or a row's result would depend on it.)
//
// Byte permutations (vpermt2b) gather the values of four blocks into two registers: the first
// 16 values of each block in one, the last 16 in the other, so both registers' products with
// the activations go into the same 32-bit lanes (four lanes per block). A step then costs two
// vpdpbusd and one convert, one scale multiply and one FMA per activation row: half the float
// work of two-block steps. A word permutation gathers the four scales.
//
// vpdpbusd multiplies unsigned by signed bytes: the Q4_0 weights u (q = u - 8) by the activations
// x, starting from -8 sum(x) (once per activation row), gives the exact integer sums of q x.
//
// Activations are prepared once per row (DotKernel::prepare): per step, the four blocks' first
// 16 values, their last 16 values, the Q4_0 start and each block's scale spread over its four
// lanes. Each (weight row, activation row) product has its own accumulator and the same steps
// in every tile shape, so results do not depend on the batching. As in vec_dot_x86.inc,
// everything stays in the unnamed namespace.
#include <immintrin.h>

#include <cstring>
#include <vector>

#include "core/ggml_type.h"
#include "kernels/quant_blocks.h"
#include "kernels/tile_cols.h"
#include "kernels/vec_dot_kernels.h"

namespace ruvllm::kernels::detail {
namespace {

constexpr int kQuadBlocks = 4;
constexpr size_t kQuadBytes = 4 * 64;  // prepared activations per step: lo, hi, start, scales

int64_t quads(int64_t n) {
  return (n / kBlock + kQuadBlocks - 1) / kQuadBlocks;
}

__mmask64 first_bytes(int64_t count) {
  return count >= 64 ? ~__mmask64(0) : count <= 0 ? 0 : (__mmask64(1) << count) - 1;
}

// Four scales (floats in lanes 0-3) spread so that lanes 4b to 4b + 3 hold scale b.
__m512 spread4(__m128 scales) {
  const __m512i lanes = _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
  return _mm512_permutexvar_ps(lanes, _mm512_castps128_ps512(scales));
}

// Four blocks of weights: their first and last 16 values and each block's scale in its four
// lanes.
struct Quad {
  __m512i lo, hi;
  __m512 d;
};

// The first `bytes` bytes at p; the rest zero (nothing past them is read).
__m512i load_bytes(const uint8_t* p, int64_t bytes) {
  return bytes >= 64 ? _mm512_loadu_si512(p) : _mm512_maskz_loadu_epi8(first_bytes(bytes), p);
}

struct Q4_0Quads {
  using W = BlockQ4_0;
  struct Indices {
    __m512i nibbles, scales;
  };
  static Indices indices() {
    alignas(64) int8_t idx[64];
    for (int k = 0; k < 64; ++k) idx[k] = int8_t(18 * (k / 16) + 2 + k % 16);
    return {_mm512_load_si512(idx),
            _mm512_setr_epi32(9 << 16, 27 << 16 | 18, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)};
  }
  // The `count` (1 to 4) blocks at p; missing blocks read as zero.
  static Quad load(const W* p, int count, const Indices& ix) {
    const int64_t bytes = int64_t(count) * int64_t(sizeof(W));
    const auto* b = reinterpret_cast<const uint8_t*>(p);
    const __m512i src0 = load_bytes(b, bytes);
    const __m512i src1 = _mm512_maskz_loadu_epi8(first_bytes(bytes - 64), b + 64);
    const __m512i q = _mm512_permutex2var_epi8(src0, ix.nibbles, src1);
    const __m512i low4 = _mm512_set1_epi8(0x0F);
    const __m128i d16 = _mm512_castsi512_si128(_mm512_permutexvar_epi16(ix.scales, src0));
    return {_mm512_and_si512(q, low4), _mm512_and_si512(_mm512_srli_epi16(q, 4), low4),
            spread4(_mm_cvtph_ps(d16))};
  }
};

size_t prepared_bytes(int64_t n) {
  return size_t(quads(n)) * kQuadBytes;
}

// Prepares a Q8_0 activation row: see the file comment.
template <typename K>
void prepare(int64_t n, const void* x, void* out) {
  const auto* b = static_cast<const BlockQ8_0*>(x);
  auto* o = static_cast<uint8_t*>(out);
  const int64_t blocks = n / kBlock;
  for (int64_t i = 0; i < blocks; i += kQuadBlocks, o += kQuadBytes) {
    alignas(64) int8_t lo[64] = {}, hi[64] = {};
    alignas(16) uint16_t d[8] = {};
    for (int k = 0; k < kQuadBlocks && i + k < blocks; ++k) {
      std::memcpy(lo + 16 * k, b[i + k].qs, 16);
      std::memcpy(hi + 16 * k, b[i + k].qs + 16, 16);
      d[k] = b[i + k].d;
    }
    const __m512i xl = _mm512_load_si512(lo), xh = _mm512_load_si512(hi);
    const __m512i eight = _mm512_set1_epi8(8);
    const __m512i sums =
        _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), eight, xl), eight, xh);
    const __m512i start = _mm512_sub_epi32(_mm512_setzero_si512(), sums);
    _mm512_storeu_si512(o, xl);
    _mm512_storeu_si512(o + 64, xh);
    _mm512_storeu_si512(o + 128, start);
    const __m128 dx = _mm_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(d)));
    _mm512_storeu_ps(o + 192, spread4(dx));
  }
}

// NW weight rows times NX prepared activation rows.
template <typename K, int NW, int NX>
void run(int64_t n, const uint8_t* w, size_t w_stride, const uint8_t* x, size_t x_stride, float* y,
         size_t y_stride) {
  using W = typename K::W;
  const W* a[NW];
  for (int r = 0; r < NW; ++r) a[r] = reinterpret_cast<const W*>(w + r * w_stride);
  const typename K::Indices ix = K::indices();
  __m512 acc[NW][NX];
  for (auto& row : acc)
    for (auto& v : row) v = _mm512_setzero_ps();
  const int64_t blocks = n / kBlock;
  for (int64_t i = 0; i < blocks; i += kQuadBlocks, x += kQuadBytes) {
    const int count = int(blocks - i < kQuadBlocks ? blocks - i : kQuadBlocks);
    for (int r = 0; r < NW; ++r) {
      const Quad q = K::load(a[r] + i, count, ix);
      for (int j = 0; j < NX; ++j) {
        const uint8_t* xj = x + j * x_stride;
        const __m512i xl = _mm512_loadu_si512(xj), xh = _mm512_loadu_si512(xj + 64);
        const __m512i s = _mm512_dpbusd_epi32(
            _mm512_dpbusd_epi32(_mm512_loadu_si512(xj + 128), q.lo, xl), q.hi, xh);
        const __m512 d = _mm512_mul_ps(q.d, _mm512_loadu_ps(xj + 192));
        acc[r][j] = _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(s), acc[r][j]);
      }
    }
  }
  for (int r = 0; r < NW; ++r)
    for (int j = 0; j < NX; ++j) y[j * y_stride + r] = _mm512_reduce_add_ps(acc[r][j]);
}

template <typename K, int NW>
void run_cols(int n_x, int64_t n, const uint8_t* w, size_t w_stride, const uint8_t* x,
              size_t x_stride, float* y, size_t y_stride) {
  with_cols<kMaxTileCols>(n_x, [&](auto nx) {
    run<K, NW, decltype(nx)::value>(n, w, w_stride, x, x_stride, y, y_stride);
  });
}

// 4 interleaved weight rows times up to 4 activation rows (prefill), else weight rows one at a
// time times up to 8 activation rows (decode steps: each row streams once for the batch).
template <typename K>
void tile(int64_t n, const void* w, size_t w_stride, int n_w, const void* x, size_t x_stride,
          int n_x, float* y, size_t y_stride) {
  const auto* wb = static_cast<const uint8_t*>(w);
  const auto* xb = static_cast<const uint8_t*>(x);
  if (n_w == kMaxTileRows && n_x <= 4)
    return run_cols<K, kMaxTileRows>(n_x, n, wb, w_stride, xb, x_stride, y, y_stride);
  for (int r = 0; r < n_w; ++r)
    run_cols<K, 1>(n_x, n, wb + r * w_stride, w_stride, xb, x_stride, y + r, y_stride);
}

template <typename K>
void rows(int64_t n, const void* w, size_t w_stride, int64_t n_w, const void* x, float* y) {
  const auto* wb = static_cast<const uint8_t*>(w);
  for (int64_t r = 0; r < n_w; ++r)
    run<K, 1, 1>(n, wb + r * w_stride, 0, static_cast<const uint8_t*>(x), 0, y + r, 0);
}

template <typename K>
float dot(int64_t n, const void* w, const void* x) {
  thread_local std::vector<uint8_t> prepared;
  prepared.resize(prepared_bytes(n));
  prepare<K>(n, x, prepared.data());
  float out;
  run<K, 1, 1>(n, static_cast<const uint8_t*>(w), 0, prepared.data(), 0, &out, 0);
  return out;
}

template <typename K>
DotKernel quad_kernel() {
  DotKernel k{dot<K>, tile<K>, kMaxTileRows, 4, 1};
  k.rows = rows<K>;
  k.small_batch_cols = 8;
  k.prepared_bytes = prepared_bytes;
  k.prepare = prepare<K>;
  return k;
}

}  // namespace

DotKernel avx512_quad_kernel(GgmlType weight_type) {
  switch (weight_type) {
    case GgmlType::Q4_0:
      return quad_kernel<Q4_0Quads>();
    default:
      return {};
  }
}

}  // namespace ruvllm::kernels::detail
