// Dot products of one weight row with one activation row, the inner step of matmul.
//
// As in llama.cpp, each weight type is paired with an activation type ("vec_dot_type"): the
// activations are converted to it once (kernels/quantize.h) and the dot product then works on
// integers block by block. The pairs are: Q4_0, Q5_0, Q8_0, IQ4_NL with Q8_0; Q4_1, Q5_1 with
// Q8_1; Q2_K ... Q6_K and IQ4_XS with Q8_K; F16 with F16; BF16 with BF16; F32 with F32.
#pragma once

#include <cstdint>

#include "core/ggml_type.h"

namespace ruvllm::kernels {

// True when `weight_type` has a dot product (and so a matmul).
bool can_vec_dot(GgmlType weight_type);

// The activation type the weight type's dot product expects; throws UnsupportedError.
GgmlType vec_dot_type(GgmlType weight_type);

// sum_i w[i] * x[i] over n elements (a multiple of both block sizes) of a weight row `w` of
// `weight_type` and an activation row `x` of vec_dot_type(weight_type). Uses the best
// instruction set of this CPU (core/cpu_features.h).
float vec_dot(GgmlType weight_type, int64_t n, const void* w, const void* x);

// The portable scalar version, the reference the SIMD versions are tested against.
float vec_dot_reference(GgmlType weight_type, int64_t n, const void* w, const void* x);

}  // namespace ruvllm::kernels
