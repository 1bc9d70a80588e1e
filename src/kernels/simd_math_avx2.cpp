// Vector math in AVX2 + FMA (declared in simd_math.h).
#include <immintrin.h>

#include <algorithm>

#include "kernels/exp_polynomial.h"
#include "kernels/simd_math.h"

namespace ruvllm::kernels::avx2 {
namespace {

namespace E = exp_polynomial;

// e^x for eight floats (exp_polynomial.h): within 2 ulp of std::exp; 0 below -87.3 (where expf
// turns subnormal), as softmax needs.
__m256 exp8(__m256 x) {
  const __m256 too_small = _mm256_cmp_ps(x, _mm256_set1_ps(E::kMin), _CMP_LT_OQ);
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(E::kMin)), _mm256_set1_ps(E::kMax));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(E::kLog2e)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(E::kLn2High), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(E::kLn2Low), r);
  __m256 p = _mm256_set1_ps(E::kP0);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(E::kP1));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(E::kP2));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(E::kP3));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(E::kP4));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(E::kP5));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  const __m256i scale =
      _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_andnot_ps(too_small, _mm256_mul_ps(p, _mm256_castsi256_ps(scale)));
}

}  // namespace

void exp_f32(const float* x, float* out, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, exp8(_mm256_loadu_ps(x + i)));
  if (i < n) {
    alignas(32) float t[8] = {};
    for (int64_t k = i; k < n; ++k) t[k - i] = x[k];
    _mm256_store_ps(t, exp8(_mm256_load_ps(t)));
    for (int64_t k = i; k < n; ++k) out[k] = t[k - i];
  }
}

void swiglu(const float* gate, const float* up, float* out, int64_t n) {
  constexpr int64_t kChunk = 256;
  alignas(32) float e[kChunk];
  for (int64_t i0 = 0; i0 < n; i0 += kChunk) {
    const int64_t m = std::min(kChunk, n - i0);
    for (int64_t i = 0; i < m; ++i) e[i] = -gate[i0 + i];
    exp_f32(e, e, m);
    int64_t i = 0;
    const __m256 one = _mm256_set1_ps(1.0f);
    for (; i + 8 <= m; i += 8) {
      const __m256 g = _mm256_loadu_ps(gate + i0 + i);
      const __m256 silu = _mm256_div_ps(g, _mm256_add_ps(one, _mm256_load_ps(e + i)));
      _mm256_storeu_ps(out + i0 + i, _mm256_mul_ps(silu, _mm256_loadu_ps(up + i0 + i)));
    }
    for (; i < m; ++i) out[i0 + i] = gate[i0 + i] / (1.0f + e[i]) * up[i0 + i];
  }
}

}  // namespace ruvllm::kernels::avx2
