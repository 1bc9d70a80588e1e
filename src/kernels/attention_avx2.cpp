#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "kernels/attention_simd.h"
#include "kernels/simd_math.h"

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

// x rounded to F16 precision, as storing and reloading it would.
inline __m256 round_f16(__m256 x) {
  return _mm256_cvtph_ps(_mm256_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT));
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
  const int64_t dk = g.dim_k, dv = g.dim_v;
  float* kf = g.row;                          // kAttendBlockRows key rows
  float* vf = g.row + kAttendBlockRows * dk;  // kAttendBlockRows value rows
  for (int64_t j0 = 0; j0 < n; j0 += kAttendBlockRows) {
    const int nb = int(std::min<int64_t>(kAttendBlockRows, n - j0));
    for (int j = 0; j < nb; ++j) {
      to_f32(k + (j0 + j) * k_row, kf + j * dk, dk);
      to_f32(v + (j0 + j) * v_row, vf + j * dv, dv);
    }
    for (int h = 0; h < g.heads; ++h) {
      // The block's scores, then the running maximum, rescales, weights and sum in key order:
      // the dot products and exponentials are independent of each other and of the accumulator.
      float old_scale[kAttendBlockRows], weight[kAttendBlockRows];
      bool rescale[kAttendBlockRows];
      float score[kAttendBlockRows];
      for (int j = 0; j < nb; ++j) {
        score[j] = dot<float, load_f32, value_f32>(g.q + h * dk, kf + j * dk, dk) * g.scale;
        if (g.softcap > 0) score[j] = g.softcap * std::tanh(score[j] / g.softcap);
      }
      // The exponent of each key: max_old - score where the score raises the maximum (the
      // accumulator's rescale), else score - max (the key's weight); all eight at once.
      alignas(32) float arg[kAttendBlockRows] = {}, e[kAttendBlockRows];
      float max = g.max[h], sum = g.sum[h];
      for (int j = 0; j < nb; ++j) {
        rescale[j] = score[j] > max;
        arg[j] = rescale[j] ? max - score[j] : score[j] - max;
        if (rescale[j]) max = score[j];
      }
      static_assert(kAttendBlockRows == 8);
      exp_f32(arg, e, kAttendBlockRows);
      for (int j = 0; j < nb; ++j) {
        old_scale[j] = rescale[j] ? e[j] : 1.0f;
        weight[j] = rescale[j] ? 1.0f : e[j];
        // A separate multiply and add, as the portable per-head path computes it: the empty asm
        // keeps the compiler from fusing them into an FMA, which this file's flags would allow.
        float scaled = sum * old_scale[j];
        asm("" : "+x"(scaled));
        sum = scaled + weight[j];
      }
      g.max[h] = max;
      g.sum[h] = sum;
      // The F16 accumulator, eight dimensions at a time held in a register across the block's
      // keys: rounding to F16 after every step gives exactly scale_f16 and mad's stored values.
      uint16_t* acc = g.acc + h * dv;
      int64_t i = 0;
      for (; i + 8 <= dv; i += 8) {
        __m256 a = load_f16(acc + i);
        for (int j = 0; j < nb; ++j) {
          if (rescale[j]) a = round_f16(_mm256_mul_ps(a, _mm256_set1_ps(old_scale[j])));
          a = round_f16(_mm256_fmadd_ps(load_f32(vf + j * dv + i), _mm256_set1_ps(weight[j]), a));
        }
        store_f16(acc + i, a);
      }
      for (; i < dv; ++i)
        for (int j = 0; j < nb; ++j) {
          if (rescale[j]) acc[i] = to_f16(_cvtsh_ss(acc[i]) * old_scale[j]);
          acc[i] = to_f16(vf[j * dv + i] * weight[j] + _cvtsh_ss(acc[i]));
        }
    }
  }
}

}  // namespace ruvllm::kernels::avx2
