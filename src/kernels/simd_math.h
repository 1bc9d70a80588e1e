// Vector versions of scalar math, in AVX2 + FMA (simd_math_avx2.cpp). Callers check
// isa_level() >= IsaLevel::Avx2 and the FMA feature first.
#pragma once

#include <cstdint>

namespace ruvllm::kernels::avx2 {

// out[i] = e^x[i], within 2 ulp of std::exp (0 below -87.3, where expf turns subnormal); out
// may be x.
void exp_f32(const float* x, float* out, int64_t n);

// out[i] = silu(gate[i]) * up[i] with exp_f32's exponential (ops.h: swiglu).
void swiglu(const float* gate, const float* up, float* out, int64_t n);

}  // namespace ruvllm::kernels::avx2
