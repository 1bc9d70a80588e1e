// The F16-cache attention of a tile of queries in AVX-512 (declared in attention_simd.h): the
// arithmetic of avx2::attend_rows_f16, operation for operation, so every query gets the same bits
// whichever path, tile or thread computes it.
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "kernels/attention_simd.h"
#include "kernels/exp_polynomial.h"

// GCC 12's AVX-512 intrinsics start from _mm512_undefined_ps(), which -Wmaybe-uninitialized
// reports once inlined (GCC bug 105593).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace ruvllm::kernels::avx512 {

namespace {

namespace E = exp_polynomial;

constexpr int K = kTileKeys;
static_assert(K == 16, "a block of keys fills one 512-bit register of scores");

// x rounded to F16 precision, as storing and reloading it would.
inline __m512 round_f16(__m512 x) {
  return _mm512_cvtph_ps(_mm512_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT));
}

// avx2::exp_f32's e^x (simd_math_avx2.cpp: exp8), the same operations on sixteen lanes.
__m512 exp16(__m512 x) {
  const __mmask16 too_small = _mm512_cmp_ps_mask(x, _mm512_set1_ps(E::kMin), _CMP_LT_OQ);
  x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(E::kMin)), _mm512_set1_ps(E::kMax));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(E::kLog2e)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(E::kLn2High), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(E::kLn2Low), r);
  __m512 p = _mm512_set1_ps(E::kP0);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(E::kP1));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(E::kP2));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(E::kP3));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(E::kP4));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(E::kP5));
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

// The scores of R query heads (dk F16-rounded floats at q[r]) for the block's 16 keys (kt: dk x 16,
// transposed), to out[r]. avx2's dot sums q.k in two 8-lane accumulators over 16-element steps
// (acc0: elements 16m + l and the 8-element tail, acc1: 16m + 8 + l), adds them and sums the 8
// lanes as ((v0 + v4) + (v2 + v6)) + ((v1 + v5) + (v3 + v7)); here every key has its own lane
// and the same chains (acc0's lane l, acc1's lane l) and additions. The heads share the key loads.
template <int R>
inline void scores(const float* const* q, const float* kt, int64_t dk, float scale, __m512* out) {
  static constexpr int kOrder[8] = {0, 4, 2, 6, 1, 5, 3, 7};
  __m512 a[R], b[R], first[R];
  for (int i = 0; i < 8; ++i) {
    const int l = kOrder[i];
    __m512 p0[R], p1[R];
    for (int r = 0; r < R; ++r) p0[r] = p1[r] = _mm512_setzero_ps();
    int64_t d = 0;
    for (; d + 16 <= dk; d += 16) {
      const __m512 k0 = _mm512_load_ps(kt + (d + l) * K);
      const __m512 k1 = _mm512_load_ps(kt + (d + l + 8) * K);
      for (int r = 0; r < R; ++r) {
        p0[r] = _mm512_fmadd_ps(_mm512_set1_ps(q[r][d + l]), k0, p0[r]);
        p1[r] = _mm512_fmadd_ps(_mm512_set1_ps(q[r][d + l + 8]), k1, p1[r]);
      }
    }
    if (d + 8 <= dk) {
      const __m512 k0 = _mm512_load_ps(kt + (d + l) * K);
      for (int r = 0; r < R; ++r) p0[r] = _mm512_fmadd_ps(_mm512_set1_ps(q[r][d + l]), k0, p0[r]);
    }
    for (int r = 0; r < R; ++r) {
      const __m512 v = _mm512_add_ps(p0[r], p1[r]);  // lane l of acc0 + acc1
      if (i % 2 == 0) {
        first[r] = v;
      } else {
        const __m512 pair = _mm512_add_ps(first[r], v);  // v0 + v4, v2 + v6, v1 + v5, v3 + v7
        if (i == 1) a[r] = pair;
        if (i == 3) a[r] = _mm512_add_ps(a[r], pair);
        if (i == 5) b[r] = pair;
        if (i == 7) b[r] = _mm512_add_ps(b[r], pair);
      }
    }
  }
  for (int r = 0; r < R; ++r)
    out[r] = _mm512_mul_ps(_mm512_add_ps(a[r], b[r]), _mm512_set1_ps(scale));
}

// x shifted up by k lanes, -inf shifted in.
template <int Kshift>
inline __m512 shift_up(__m512 x, __m512 neg_inf) {
  return _mm512_castsi512_ps(
      _mm512_alignr_epi32(_mm512_castps_si512(x), _mm512_castps_si512(neg_inf), 16 - Kshift));
}

// One query head's online-softmax bookkeeping for keys lo..hi-1 of a block, with
// attend_rows_f16's results: key j raises the running maximum (max before the block, then of
// the scores before j) when its score is greater, and then its exponent is max_before - score
// (the accumulator's rescale; the key's weight is 1), else score - max_before (the key's
// weight). e[j] gets the exponential and bit j of the result is set for a rescale.
inline uint32_t softmax_step(__m512 score, float softcap, int lo, int hi, float& max, float* e) {
  if (softcap > 0) {
    alignas(64) float s[K];
    _mm512_store_ps(s, score);
    for (int j = lo; j < hi; ++j) s[j] = softcap * std::tanh(s[j] / softcap);
    score = _mm512_load_ps(s);
  }
  const __mmask16 valid = __mmask16(((1u << hi) - 1) & ~((1u << lo) - 1));
  const __m512 old_max = _mm512_set1_ps(max);
  if (_mm512_mask_cmp_ps_mask(valid, score, old_max, _CMP_GT_OQ) == 0) {
    // No key raises the maximum (most blocks): every exponent is score - max.
    _mm512_store_ps(e, exp16(_mm512_maskz_sub_ps(valid, score, old_max)));
    return 0;
  }
  const __m512 neg_inf = _mm512_set1_ps(-INFINITY);
  // The running maximum through each key (a prefix maximum over the lanes), then before it.
  __m512 through = _mm512_mask_mov_ps(neg_inf, valid, score);
  through = _mm512_max_ps(through, shift_up<1>(through, neg_inf));
  through = _mm512_max_ps(through, shift_up<2>(through, neg_inf));
  through = _mm512_max_ps(through, shift_up<4>(through, neg_inf));
  through = _mm512_max_ps(through, shift_up<8>(through, neg_inf));
  const __m512 before = _mm512_max_ps(old_max, shift_up<1>(through, neg_inf));
  const uint32_t rescale = _mm512_mask_cmp_ps_mask(valid, score, before, _CMP_GT_OQ);
  const __m512 arg = _mm512_mask_sub_ps(_mm512_maskz_sub_ps(valid, score, before),
                                        __mmask16(rescale), before, score);
  _mm512_store_ps(e, exp16(arg));
  if (rescale) {
    // the block's greatest score: the last key that raised the maximum
    alignas(64) float sc[K];
    _mm512_store_ps(sc, score);
    max = sc[31 - __builtin_clz(rescale)];
  }
  return rescale;
}

// The F16 accumulators of H heads (R registers of 16 dimensions each, starting at acc[h]) over
// keys lo..hi-1 of the block's value rows (vf, row stride dv): for each key, a rescale where its
// bit is set, then acc = fp16(fma(v, w, acc)), each step rounded to F16 as scale_f16 and mad_f16
// store it.
template <int H, int R, bool Rescales>
inline void update_values_keys(__m512 (&a)[H][R], const float* vf, int64_t dv, int lo, int hi,
                               const float* const* e, const uint32_t* rescale) {
  for (int j = lo; j < hi; ++j) {
    __m512 v[R];
    for (int r = 0; r < R; ++r) v[r] = _mm512_loadu_ps(vf + j * dv + 16 * r);
    for (int h = 0; h < H; ++h) {
      __m512 w = _mm512_set1_ps(e[h][j]);
      if (Rescales && (rescale[h] >> j & 1)) {
        for (int r = 0; r < R; ++r) a[h][r] = round_f16(_mm512_mul_ps(a[h][r], w));
        w = _mm512_set1_ps(1.0f);
      }
      for (int r = 0; r < R; ++r) a[h][r] = round_f16(_mm512_fmadd_ps(v[r], w, a[h][r]));
    }
  }
}

template <int H, int R>
inline void update_values(float* const* acc, const float* vf, int64_t dv, int lo, int hi,
                          const float* const* e, const uint32_t* rescale) {
  __m512 a[H][R];
  for (int h = 0; h < H; ++h)
    for (int r = 0; r < R; ++r) a[h][r] = _mm512_loadu_ps(acc[h] + 16 * r);
  uint32_t any = 0;
  for (int h = 0; h < H; ++h) any |= rescale[h];
  // Most blocks raise no head's maximum: their keys need no per-key test.
  if (any)
    update_values_keys<H, R, true>(a, vf, dv, lo, hi, e, rescale);
  else
    update_values_keys<H, R, false>(a, vf, dv, lo, hi, e, rescale);
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

void round_to_f16(const float* src, float* dst, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(dst + i, round_f16(_mm512_loadu_ps(src + i)));
  if (i < n) {
    const __mmask16 m = __mmask16((1u << (n - i)) - 1);
    _mm512_mask_storeu_ps(dst + i, m, round_f16(_mm512_maskz_loadu_ps(m, src + i)));
  }
}

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
    // The queries that see the block: a contiguous range, as both ends of the visible rows grow
    // with the position (a causal tile's last queries see more rows than its first).
    int qa = 0, qb = t.queries;
    while (qa < qb && t.end[qa] <= b0) ++qa;
    while (qb > qa && t.begin[qb - 1] >= b0 + nb) --qb;
    if (qa == qb) continue;
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
    // The scores of those queries' heads, four heads at a time.
    const int64_t h_end = int64_t(qb) * t.heads;
    for (int64_t qh = int64_t(qa) * t.heads; qh < h_end;) {
      const int rn = int(std::min<int64_t>(4, h_end - qh));
      const float* q[4];
      for (int r = 0; r < rn; ++r) q[r] = t.q + (qh + r) * dk;
      __m512* out = reinterpret_cast<__m512*>(t.scores) + qh;
      switch (rn) {
        case 4:
          scores<4>(q, t.kt, dk, t.scale, out);
          break;
        case 3:
          scores<3>(q, t.kt, dk, t.scale, out);
          break;
        case 2:
          scores<2>(q, t.kt, dk, t.scale, out);
          break;
        default:
          scores<1>(q, t.kt, dk, t.scale, out);
          break;
      }
      qh += rn;
    }
    for (int qi = qa; qi < qb; ++qi) {
      const int lo = int(std::clamp<int64_t>(t.begin[qi] - b0, 0, nb));
      const int hi = int(std::clamp<int64_t>(t.end[qi] - b0, 0, nb));
      if (lo >= hi) continue;
      // The heads three at a time: their softmax steps, then their accumulators (independent
      // chains of F16 roundings) over the block's keys.
      const int64_t first = int64_t(qi) * t.heads;
      for (int h0 = 0; h0 < t.heads; h0 += 3) {
        const int hn = std::min(3, t.heads - h0);
        alignas(64) float e[3][K];
        uint32_t rescale[3];
        float* acc[3];
        const float* eh[3];
        for (int x = 0; x < hn; ++x) {
          const int64_t qh = first + h0 + x;
          rescale[x] =
              softmax_step(_mm512_load_ps(t.scores + qh * K), t.softcap, lo, hi, t.max[qh], e[x]);
          acc[x] = t.acc + qh * dv;
          eh[x] = e[x];
        }
        // The sums of weights in key order: sum * old_scale + weight, that is sum * e + 1 (a
        // separate multiply and add: the empty asm keeps the compiler from fusing them) for a
        // rescale, else sum + e (sum * 1 is sum). The heads' chains interleaved.
        float* sum = t.sum + first + h0;
        if ((rescale[0] | (hn > 1 ? rescale[1] : 0) | (hn > 2 ? rescale[2] : 0)) == 0) {
          if (hn == 3) {
            float s0 = sum[0], s1 = sum[1], s2 = sum[2];
            for (int j = lo; j < hi; ++j) {
              s0 += e[0][j];
              s1 += e[1][j];
              s2 += e[2][j];
            }
            sum[0] = s0;
            sum[1] = s1;
            sum[2] = s2;
          } else {
            for (int x = 0; x < hn; ++x) {
              float sm = sum[x];
              for (int j = lo; j < hi; ++j) sm += e[x][j];
              sum[x] = sm;
            }
          }
        } else {
          for (int x = 0; x < hn; ++x) {
            float sm = sum[x];
            for (int j = lo; j < hi; ++j) {
              if (rescale[x] >> j & 1) {
                float scaled = sm * e[x][j];
                asm("" : "+x"(scaled));
                sm = scaled + 1.0f;
              } else {
                sm = sm + e[x][j];
              }
            }
            sum[x] = sm;
          }
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
