#include <immintrin.h>

#include <cmath>

#include "kernels/attention_simd.h"

namespace ruvllm::kernels::avx2 {

namespace {

inline __m256 load_f16(const uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
inline __m256 load_f32(const float* p) {
  return _mm256_loadu_ps(p);
}
inline float value_f16(const uint16_t* p) {
  return _cvtsh_ss(*p);
}
inline float value_f32(const float* p) {
  return *p;
}

inline void store_f16(uint16_t* p, __m256 v) {
  _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
}

inline uint16_t to_f16(float x) {
  return uint16_t(_cvtss_sh(x, _MM_FROUND_TO_NEAREST_INT));
}

inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// sum_i a[i] * b[i] with F16 or F32 elements: the same products in the same order for both, so
// rows converted to floats beforehand give the same sum.
template <typename T, __m256 (*Load)(const T*), float (*Value)(const T*)>
float dot(const T* a, const T* b, int64_t n) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    acc0 = _mm256_fmadd_ps(Load(a + i), Load(b + i), acc0);
    acc1 = _mm256_fmadd_ps(Load(a + i + 8), Load(b + i + 8), acc1);
  }
  for (; i + 8 <= n; i += 8) acc0 = _mm256_fmadd_ps(Load(a + i), Load(b + i), acc0);
  float sum = hsum(_mm256_add_ps(acc0, acc1));
  for (; i < n; ++i) sum += Value(a + i) * Value(b + i);
  return sum;
}

// acc = fp16(fma(v, w, acc)) with F16 or F32 values v.
template <typename T, __m256 (*Load)(const T*), float (*Value)(const T*)>
void mad(uint16_t* acc, const T* v, float w, int64_t n) {
  const __m256 vw = _mm256_set1_ps(w);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    store_f16(acc + i, _mm256_fmadd_ps(Load(v + i), vw, load_f16(acc + i)));
  for (; i < n; ++i) acc[i] = to_f16(Value(v + i) * w + _cvtsh_ss(acc[i]));
}

void to_f32(const uint16_t* src, float* dst, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, load_f16(src + i));
  for (; i < n; ++i) dst[i] = _cvtsh_ss(src[i]);
}

}  // namespace

float dot_f16_f16(const uint16_t* a, const uint16_t* b, int64_t n) {
  return dot<uint16_t, load_f16, value_f16>(a, b, n);
}

void scale_f16(uint16_t* acc, float s, int64_t n) {
  const __m256 vs = _mm256_set1_ps(s);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) store_f16(acc + i, _mm256_mul_ps(load_f16(acc + i), vs));
  for (; i < n; ++i) acc[i] = to_f16(_cvtsh_ss(acc[i]) * s);
}

void mad_f16(uint16_t* acc, const uint16_t* v, float w, int64_t n) {
  mad<uint16_t, load_f16, value_f16>(acc, v, w, n);
}

void attend_rows_f16(F16HeadGroup& g, const uint16_t* k, const uint16_t* v, int64_t n,
                     int64_t k_row, int64_t v_row) {
  float* kf = g.row;
  float* vf = g.row + g.dim_k;
  for (int64_t j = 0; j < n; ++j) {
    to_f32(k + j * k_row, kf, g.dim_k);
    to_f32(v + j * v_row, vf, g.dim_v);
    for (int h = 0; h < g.heads; ++h) {
      uint16_t* acc = g.acc + h * g.dim_v;
      float score = dot<float, load_f32, value_f32>(g.q + h * g.dim_k, kf, g.dim_k) * g.scale;
      if (g.softcap > 0) score = g.softcap * std::tanh(score / g.softcap);
      float old_scale = 1.0f, weight = 1.0f;
      if (score > g.max[h]) {
        old_scale = std::exp(g.max[h] - score);
        g.max[h] = score;
        scale_f16(acc, old_scale, g.dim_v);
      } else {
        weight = std::exp(score - g.max[h]);
      }
      mad<float, load_f32, value_f32>(acc, vf, weight, g.dim_v);
      // A separate multiply and add, as the portable per-head path computes it: the empty asm
      // keeps the compiler from fusing them into an FMA, which this file's flags would allow.
      float scaled = g.sum[h] * old_scale;
      asm("" : "+x"(scaled));
      g.sum[h] = scaled + weight;
    }
  }
}

}  // namespace ruvllm::kernels::avx2
