// Per-type scalar quantizers behind kernels::quantize_row (internal to the kernels module).
//
// Each converts n floats (a multiple of its block size) to blocks laid out as in quant_blocks.h.
#pragma once

#include <cstdint>

#include "kernels/quant_blocks.h"

namespace ruvllm::kernels::detail {

// Activation types of the dot products.
void quantize_q8_0(const float* x, BlockQ8_0* y, int64_t n);
void quantize_q8_1(const float* x, BlockQ8_1* y, int64_t n);
void quantize_q8_k(const float* x, BlockQ8_K* y, int64_t n);

// AVX2 versions of the activation conversions (quantize_activations_avx2.cpp), bit-identical to
// the scalar ones for finite inputs; call only when isa_level() >= IsaLevel::Avx2.
void quantize_q8_0_avx2(const float* x, BlockQ8_0* y, int64_t n);
void quantize_q8_k_avx2(const float* x, BlockQ8_K* y, int64_t n);
void convert_f16_avx2(const float* x, uint16_t* y, int64_t n);

// Weight types with one scale (and min) per 32 elements.
void quantize_q4_0(const float* x, BlockQ4_0* y, int64_t n);
void quantize_q4_1(const float* x, BlockQ4_1* y, int64_t n);
void quantize_q5_0(const float* x, BlockQ5_0* y, int64_t n);
void quantize_q5_1(const float* x, BlockQ5_1* y, int64_t n);

// K-quant weight types (256-element super-blocks).
void quantize_q2_k(const float* x, BlockQ2_K* y, int64_t n);
void quantize_q3_k(const float* x, BlockQ3_K* y, int64_t n);
void quantize_q4_k(const float* x, BlockQ4_K* y, int64_t n);
void quantize_q5_k(const float* x, BlockQ5_K* y, int64_t n);
void quantize_q6_k(const float* x, BlockQ6_K* y, int64_t n);

// Non-linear 4-bit types.
void quantize_iq4_nl(const float* x, BlockIq4Nl* y, int64_t n);
void quantize_iq4_xs(const float* x, BlockIq4Xs* y, int64_t n);

// Round half to even (ggml's nearest_int), for |v| < 2^22.
inline int nearest_int(float v) {
  float shifted = v + 12582912.f;  // 1.5 * 2^23: the mantissa's low bits now hold round(v)
  int32_t bits;
  __builtin_memcpy(&bits, &shifted, 4);
  return (bits & 0x007fffff) - 0x00400000;
}

}  // namespace ruvllm::kernels::detail
