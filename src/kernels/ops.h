// Element-wise and row-wise operations of a transformer forward pass, on F32 activations.
//
// Plain loops written so the compiler vectorises them; reductions keep eight partial sums so the
// result does not depend on vector width more than it has to. Rows are contiguous.
#pragma once

#include <cstdint>

namespace ruvllm::kernels {

// y = x / sqrt(mean(x^2) + eps) * w, for `n_rows` rows of `n` elements. `w` may be null (no
// weight). y may alias x.
void rms_norm(const float* x, const float* w, int64_t n, int64_t n_rows, float eps, float* y);

// y[i] += x[i]
void add_inplace(float* y, const float* x, int64_t n);

// y = x + b for every one of `n_rows` rows of `n` elements (bias add, in place).
void add_bias(float* y, const float* b, int64_t n, int64_t n_rows);

// y *= s
void scale_inplace(float* y, float s, int64_t n);

// SiLU(x) = x / (1 + e^-x).
float silu(float x);
// GELU with the tanh approximation: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
float gelu_tanh(float x);

// Gated linear units: out[i] = act(gate[i]) * up[i].
void swiglu(const float* gate, const float* up, float* out, int64_t n);
void geglu_tanh(const float* gate, const float* up, float* out, int64_t n);

// Soft-capping: x = cap * tanh(x / cap).
void softcap_inplace(float* x, float cap, int64_t n);

// In-place softmax of n values; returns nothing, values sum to 1. -inf entries become 0.
void softmax_inplace(float* x, int64_t n);

// Index of the largest value (the first one on ties).
int64_t argmax(const float* x, int64_t n);

}  // namespace ruvllm::kernels
