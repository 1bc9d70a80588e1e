// AVX2 versions of the activation conversions of the dot products (Q8_0, Q8_K, F16), bit-identical
// to the scalar ones in quantize_activations.cpp and quantize.cpp for finite inputs. Only called
// after isa_level() reported AVX2.
//
// As in vec_dot_avx2.cpp, helpers stay in the unnamed namespace and F16 conversions use F16C, so
// no inline function shared with portable files is compiled here with AVX2 enabled.
#include <immintrin.h>

#include <cstring>

#include "kernels/quantize_rows.h"

namespace ruvllm::kernels::detail {
namespace {

__m256 abs_ps(__m256 v) {
  return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v);
}

float hmax(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  return _mm_cvtss_f32(m);
}

uint16_t to_half(float f) {
  return uint16_t(_cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}

// roundf (half away from zero) of 8 values, as the scalar round_half_away: v - trunc(v) is exact
// for |v| < 2^23, and a fraction of at least one half moves the integer one step outwards.
__m256i round_half_away(__m256 v) {
  const __m256i t = _mm256_cvttps_epi32(v);
  const __m256 frac = _mm256_sub_ps(v, _mm256_cvtepi32_ps(t));
  const __m256i up = _mm256_castps_si256(_mm256_cmp_ps(frac, _mm256_set1_ps(0.5f), _CMP_GE_OQ));
  const __m256i down = _mm256_castps_si256(_mm256_cmp_ps(frac, _mm256_set1_ps(-0.5f), _CMP_LE_OQ));
  // The masks are -1 where set: subtracting `up` adds one, adding `down` subtracts one.
  return _mm256_add_epi32(_mm256_sub_epi32(t, up), down);
}

// 32 int32 values (each in [-128, 127]) to 32 int8 in order.
__m256i pack_32(__m256i a, __m256i b, __m256i c, __m256i d) {
  const __m256i ab = _mm256_packs_epi32(a, b);  // a0-3 b0-3 | a4-7 b4-7
  const __m256i cd = _mm256_packs_epi32(c, d);
  const __m256i bytes = _mm256_packs_epi16(ab, cd);  // a0-3 b0-3 c0-3 d0-3 | a4-7 b4-7 ...
  return _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

}  // namespace

void quantize_q8_0_avx2(const float* x, BlockQ8_0* y, int64_t n) {
  for (int64_t b = 0; b < n / kBlock; ++b, x += kBlock) {
    __m256 v[4];
    for (int k = 0; k < 4; ++k) v[k] = _mm256_loadu_ps(x + 8 * k);
    const __m256 m = _mm256_max_ps(_mm256_max_ps(abs_ps(v[0]), abs_ps(v[1])),
                                   _mm256_max_ps(abs_ps(v[2]), abs_ps(v[3])));
    const float d = hmax(m) / 127.f;
    const float id = d != 0.f ? 1.0f / d : 0.0f;
    y[b].d = to_half(d);
    const __m256 scale = _mm256_set1_ps(id);
    __m256i q[4];
    for (int k = 0; k < 4; ++k) q[k] = round_half_away(_mm256_mul_ps(v[k], scale));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y[b].qs), pack_32(q[0], q[1], q[2], q[3]));
  }
}

// The scale maps the element of largest magnitude (the first, on ties) to -127, as ggml does.
void quantize_q8_k_avx2(const float* x, BlockQ8_K* y, int64_t n) {
  for (int64_t b = 0; b < n / kSuperBlock; ++b, x += kSuperBlock) {
    __m256 m = _mm256_setzero_ps();
    for (int k = 0; k < kSuperBlock; k += 8) m = _mm256_max_ps(m, abs_ps(_mm256_loadu_ps(x + k)));
    const float amax = hmax(m);
    if (amax == 0) {
      y[b].d = 0;
      std::memset(y[b].qs, 0, sizeof(y[b].qs));
      std::memset(y[b].bsums, 0, sizeof(y[b].bsums));
      continue;
    }
    float max = 0;
    const __m256 amax_v = _mm256_set1_ps(amax);
    for (int k = 0; k < kSuperBlock; k += 8) {
      const int hits =
          _mm256_movemask_ps(_mm256_cmp_ps(abs_ps(_mm256_loadu_ps(x + k)), amax_v, _CMP_EQ_OQ));
      if (hits) {
        max = x[k + __builtin_ctz(unsigned(hits))];
        break;
      }
    }
    const float iscale = -127.f / max;
    const __m256 scale = _mm256_set1_ps(iscale);
    const __m256i limit = _mm256_set1_epi32(127);
    for (int g = 0; g < kSuperBlock; g += 32) {
      __m256i q[4];
      // Round to nearest even (the default rounding mode), as the scalar nearest_int.
      for (int k = 0; k < 4; ++k)
        q[k] = _mm256_min_epi32(
            _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + g + 8 * k), scale)), limit);
      const __m256i bytes = pack_32(q[0], q[1], q[2], q[3]);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(y[b].qs + g), bytes);
      // Sums of the two 16-element groups: bytes 0-15 sit in the low lane, 16-31 in the high.
      __m256i s =
          _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_set1_epi8(1), bytes), _mm256_set1_epi16(1));
      s = _mm256_hadd_epi32(s, s);
      s = _mm256_hadd_epi32(s, s);
      y[b].bsums[g / 16] = int16_t(_mm256_extract_epi32(s, 0));
      y[b].bsums[g / 16 + 1] = int16_t(_mm256_extract_epi32(s, 4));
    }
    y[b].d = 1 / iscale;
  }
}

void convert_f16_avx2(const float* x, uint16_t* y, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i),
                     _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
  for (; i < n; ++i) y[i] = to_half(x[i]);
}

}  // namespace ruvllm::kernels::detail
