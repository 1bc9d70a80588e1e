// The F16-cache attention of a tile of queries in AVX-512 (declared in attention_simd.h): the
// arithmetic of avx2::attend_rows_f16, operation for operation, so every query gets the same bits
// whichever path, tile or thread computes it.
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "kernels/attention_simd.h"

// GCC 12's AVX-512 intrinsics start from _mm512_undefined_ps(), which -Wmaybe-uninitialized
// reports once inlined (GCC bug 105593).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace ruvllm::kernels::avx512 {

namespace {

constexpr int K = kTileKeys;
static_assert(K == 16, "a block of keys fills one 512-bit register of scores");

// x rounded to F16 precision, as storing and reloading it would.
inline __m512 round_f16(__m512 x) {
  return _mm512_cvtph_ps(_mm512_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT));
}

// avx2::exp_f32's e^x (simd_math_avx2.cpp: exp8), the same operations on sixteen lanes.
__m512 exp16(__m512 x) {
  const __mmask16 too_small = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-87.3f), _CMP_LT_OQ);
  x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.3f)), _mm512_set1_ps(88.0f));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
  const __m512i scale =
      _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
  return _mm512_maskz_mul_ps(__mmask16(~too_small), p, _mm512_castsi512_ps(scale));
}

// Sixteen rows of sixteen floats transposed: out[d] holds element d of every row.
inline void transpose16(__m512 r[16]) {
  __m512 t[16], u[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);      // a0 b0 a1 b1 | a4 b4 a5 b5 | ...
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);  // a2 b2 a3 b3 | ...
  }
  for (int i = 0; i < 16; i += 4) {
    // rows i..i+3, element 4k + c of each 128-bit lane k in u[i + c]
    u[i + 0] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
    u[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
    u[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    u[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  for (int c = 0; c < 4; ++c) {
    // u[c], u[4 + c], u[8 + c], u[12 + c]: element 4k + c of rows 0-3, 4-7, 8-11, 12-15
    const __m512 v0 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0x88);       // lanes 0, 2
    const __m512 v1 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0xDD);       // lanes 1, 3
    const __m512 v2 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0x88);  // lanes 0, 2
    const __m512 v3 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0xDD);  // lanes 1, 3
    r[c] = _mm512_shuffle_f32x4(v0, v2, 0x88);                          // element c
    r[8 + c] = _mm512_shuffle_f32x4(v0, v2, 0xDD);                      // element 8 + c
    r[4 + c] = _mm512_shuffle_f32x4(v1, v3, 0x88);                      // element 4 + c
    r[12 + c] = _mm512_shuffle_f32x4(v1, v3, 0xDD);                     // element 12 + c
  }
}

// The scores of one query head (dk F16-rounded floats at q) for the block's 16 keys (kt: dk x 16,
// transposed). avx2's dot sums q.k in two 8-lane accumulators over 16-element steps (acc0: elements
// 16m + l and the 8-element tail, acc1: 16m + 8 + l), adds them and sums the 8 lanes as
// ((v0 + v4) + (v2 + v6)) + ((v1 + v5) + (v3 + v7)); here every key has its own lane and the same
// sixteen chains P[l] (l < 8: acc0's lane l, else acc1's lane l - 8) and additions.
inline __m512 scores16(const float* q, const float* kt, int64_t dk, float scale) {
  __m512 p[16];
  for (auto& x : p) x = _mm512_setzero_ps();
  int64_t d = 0;
  for (; d + 16 <= dk; d += 16)
    for (int l = 0; l < 16; ++l)
      p[l] = _mm512_fmadd_ps(_mm512_set1_ps(q[d + l]), _mm512_load_ps(kt + (d + l) * K), p[l]);
  if (d + 8 <= dk)
    for (int l = 0; l < 8; ++l)
      p[l] = _mm512_fmadd_ps(_mm512_set1_ps(q[d + l]), _mm512_load_ps(kt + (d + l) * K), p[l]);
  __m512 v[8];
  for (int l = 0; l < 8; ++l) v[l] = _mm512_add_ps(p[l], p[l + 8]);
  const __m512 a = _mm512_add_ps(_mm512_add_ps(v[0], v[4]), _mm512_add_ps(v[2], v[6]));
  const __m512 b = _mm512_add_ps(_mm512_add_ps(v[1], v[5]), _mm512_add_ps(v[3], v[7]));
  return _mm512_mul_ps(_mm512_add_ps(a, b), _mm512_set1_ps(scale));
}

// One query head's online-softmax bookkeeping for keys lo..hi-1 of a block, in key order as
// attend_rows_f16 does it: e[j] is the key's exponential, the accumulator's rescale where bit j of
// the result is set (the key raised the maximum; its weight is then 1), else the key's weight.
inline uint32_t softmax_step(__m512 score, float softcap, int lo, int hi, float& max, float& sum,
                             float* e) {
  alignas(64) float s[K], arg[K];
  _mm512_store_ps(s, score);
  _mm512_store_ps(arg, _mm512_setzero_ps());
  if (softcap > 0)
    for (int j = lo; j < hi; ++j) s[j] = softcap * std::tanh(s[j] / softcap);
  uint32_t rescale = 0;
  float m = max;
  for (int j = lo; j < hi; ++j) {
    if (s[j] > m) {
      rescale |= 1u << j;
      arg[j] = m - s[j];
      m = s[j];
    } else {
      arg[j] = s[j] - m;
    }
  }
  max = m;
  _mm512_store_ps(e, exp16(_mm512_load_ps(arg)));
  float sm = sum;
  for (int j = lo; j < hi; ++j) {
    if (rescale >> j & 1) {
      // sum * old_scale + 1 as a separate multiply and add (the empty asm keeps the compiler from
      // fusing them); without a rescale, sum * 1 is sum.
      float scaled = sm * e[j];
      asm("" : "+x"(scaled));
      sm = scaled + 1.0f;
    } else {
      sm = sm + e[j];
    }
  }
  sum = sm;
  return rescale;
}

// The F16 accumulators of H heads (R registers of 16 dimensions each, starting at acc[h]) over
// keys lo..hi-1 of the block's value rows (vf, row stride dv): for each key, a rescale where its
// bit is set, then acc = fp16(fma(v, w, acc)), each step rounded to F16 as scale_f16 and mad_f16
// store it.
template <int H, int R>
inline void update_values(float* const* acc, const float* vf, int64_t dv, int lo, int hi,
                          const float* const* e, const uint32_t* rescale) {
  __m512 a[H][R];
  for (int h = 0; h < H; ++h)
    for (int r = 0; r < R; ++r) a[h][r] = _mm512_loadu_ps(acc[h] + 16 * r);
  for (int j = lo; j < hi; ++j) {
    __m512 v[R];
    for (int r = 0; r < R; ++r) v[r] = _mm512_loadu_ps(vf + j * dv + 16 * r);
    for (int h = 0; h < H; ++h) {
      __m512 w;
      if (rescale[h] >> j & 1) {
        const __m512 s = _mm512_set1_ps(e[h][j]);
        for (int r = 0; r < R; ++r) a[h][r] = round_f16(_mm512_mul_ps(a[h][r], s));
        w = _mm512_set1_ps(1.0f);
      } else {
        w = _mm512_set1_ps(e[h][j]);
      }
      for (int r = 0; r < R; ++r) a[h][r] = round_f16(_mm512_fmadd_ps(v[r], w, a[h][r]));
    }
  }
  for (int h = 0; h < H; ++h)
    for (int r = 0; r < R; ++r) _mm512_storeu_ps(acc[h] + 16 * r, a[h][r]);
}

template <int H>
void update_values_h(float* const* acc, const float* vf, int64_t dv, int lo, int hi,
                     const float* const* e, const uint32_t* rescale) {
  int64_t i = 0;
  float* part[H];
  for (; i < dv; i += 64) {
    for (int h = 0; h < H; ++h) part[h] = acc[h] + i;
    switch (std::min<int64_t>(4, (dv - i) / 16)) {
      case 4:
        update_values<H, 4>(part, vf + i, dv, lo, hi, e, rescale);
        break;
      case 3:
        update_values<H, 3>(part, vf + i, dv, lo, hi, e, rescale);
        break;
      case 2:
        update_values<H, 2>(part, vf + i, dv, lo, hi, e, rescale);
        break;
      default:
        update_values<H, 1>(part, vf + i, dv, lo, hi, e, rescale);
        break;
    }
  }
}

}  // namespace

bool tile_supported(int64_t dim_k, int64_t dim_v) {
  return dim_k > 0 && dim_v > 0 && dim_k % 8 == 0 && dim_v % 16 == 0;
}

void attend_tile_f16(F16Tile& t, const uint16_t* k, const uint16_t* v, int64_t row0, int64_t n,
                     int64_t k_row, int64_t v_row) {
  const int64_t dk = t.dim_k, dv = t.dim_v;
  const int64_t dk16 = (dk + 15) / 16 * 16;
  for (int64_t j0 = 0; j0 < n; j0 += K) {
    const int nb = int(std::min<int64_t>(K, n - j0));
    const int64_t b0 = row0 + j0;  // cache row of the block's first key
    // Only blocks some query of the tile sees (a causal tile's last queries see more rows).
    bool seen = false;
    for (int qi = 0; qi < t.queries; ++qi) seen |= t.begin[qi] < b0 + nb && t.end[qi] > b0;
    if (!seen) continue;
    // Keys transposed to kt (dimension d of the 16 keys at kt + 16 d; missing keys are 0), values
    // to floats.
    for (int64_t c = 0; c < dk16; c += 16) {
      __m512 r[K];
      const __mmask16 m = dk - c >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (dk - c)) - 1);
      for (int j = 0; j < K; ++j)
        r[j] = j < nb ? _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, k + (j0 + j) * k_row + c))
                      : _mm512_setzero_ps();
      transpose16(r);
      for (int d = 0; d < 16; ++d) _mm512_store_ps(t.kt + (c + d) * K, r[d]);
    }
    for (int j = 0; j < nb; ++j)
      for (int64_t i = 0; i < dv; i += 16)
        _mm512_storeu_ps(t.vf + j * dv + i,
                         _mm512_cvtph_ps(_mm256_loadu_si256(
                             reinterpret_cast<const __m256i*>(v + (j0 + j) * v_row + i))));
    for (int qi = 0; qi < t.queries; ++qi) {
      const int lo = int(std::clamp<int64_t>(t.begin[qi] - b0, 0, nb));
      const int hi = int(std::clamp<int64_t>(t.end[qi] - b0, 0, nb));
      if (lo >= hi) continue;
      // The heads three at a time: their scores and softmax steps, then their accumulators
      // (independent chains of F16 roundings) over the block's keys.
      const int64_t first = int64_t(qi) * t.heads;
      for (int h0 = 0; h0 < t.heads; h0 += 3) {
        const int hn = std::min(3, t.heads - h0);
        alignas(64) float e[3][K];
        uint32_t rescale[3];
        float* acc[3];
        const float* eh[3];
        for (int x = 0; x < hn; ++x) {
          const int64_t qh = first + h0 + x;
          const __m512 s = scores16(t.q + qh * dk, t.kt, dk, t.scale);
          rescale[x] = softmax_step(s, t.softcap, lo, hi, t.max[qh], t.sum[qh], e[x]);
          acc[x] = t.acc + qh * dv;
          eh[x] = e[x];
        }
        if (hn == 3)
          update_values_h<3>(acc, t.vf, dv, lo, hi, eh, rescale);
        else if (hn == 2)
          update_values_h<2>(acc, t.vf, dv, lo, hi, eh, rescale);
        else
          update_values_h<1>(acc, t.vf, dv, lo, hi, eh, rescale);
      }
    }
  }
}

}  // namespace ruvllm::kernels::avx512
