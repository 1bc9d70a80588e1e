// Vector helpers of the F16-cache attention path, in AVX2 + F16C (attention_avx2.cpp). Callers
// check isa_level() >= IsaLevel::Avx2 first. Results equal the scalar helpers' up to the order
// of additions in the dot product and fused rounding of multiply-adds.
#pragma once

#include <cstdint>

namespace ruvllm::kernels::avx2 {

// sum_i a[i] * b[i] of two F16 vectors.
float dot_f16_f16(const uint16_t* a, const uint16_t* b, int64_t n);
// acc[i] = fp16(acc[i] * s)
void scale_f16(uint16_t* acc, float s, int64_t n);
// acc[i] = fp16(fma(v[i], w, acc[i]))
void mad_f16(uint16_t* acc, const uint16_t* v, float w, int64_t n);

}  // namespace ruvllm::kernels::avx2
