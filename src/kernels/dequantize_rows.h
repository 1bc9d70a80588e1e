// Per-type scalar dequantizers behind kernels::dequantize_row (internal to the kernels module).
//
// Each converts n elements (a multiple of its block size) and follows ggml's reference
// arithmetic operation for operation, so results are bit-identical to ggml's.
#pragma once

#include <cstdint>

#include "kernels/quant_blocks.h"

namespace ruvllm::kernels::detail {

void dequantize_q4_0(const BlockQ4_0* x, float* y, int64_t n);
void dequantize_q4_1(const BlockQ4_1* x, float* y, int64_t n);
void dequantize_q5_0(const BlockQ5_0* x, float* y, int64_t n);
void dequantize_q5_1(const BlockQ5_1* x, float* y, int64_t n);
void dequantize_q8_0(const BlockQ8_0* x, float* y, int64_t n);
void dequantize_q8_1(const BlockQ8_1* x, float* y, int64_t n);
void dequantize_iq4_nl(const BlockIq4Nl* x, float* y, int64_t n);

void dequantize_q2_k(const BlockQ2_K* x, float* y, int64_t n);
void dequantize_q3_k(const BlockQ3_K* x, float* y, int64_t n);
void dequantize_q4_k(const BlockQ4_K* x, float* y, int64_t n);
void dequantize_q5_k(const BlockQ5_K* x, float* y, int64_t n);
void dequantize_q6_k(const BlockQ6_K* x, float* y, int64_t n);
void dequantize_q8_k(const BlockQ8_K* x, float* y, int64_t n);
void dequantize_iq4_xs(const BlockIq4Xs* x, float* y, int64_t n);

}  // namespace ruvllm::kernels::detail
