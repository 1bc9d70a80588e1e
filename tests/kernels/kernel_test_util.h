// Random data for kernel tests: float rows and well-formed random quantized rows.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/ggml_type.h"
#include "kernels/matmul.h"

namespace ruvllm::test {

// n floats drawn from N(0, sigma), with a few large outliers as real activations have.
std::vector<float> random_floats(int64_t n, std::mt19937& rng, float sigma = 1.0f);

// `rows` random rows of `cols` elements of `type`: random quantized bits with finite, moderate
// F16 scales (random bit patterns would include infinities and NaNs).
std::vector<uint8_t> random_rows(GgmlType type, int64_t rows, int64_t cols, std::mt19937& rng);

// n values drawn from N(0, 1) as the bytes of a KV cache of `type` (F16 or F32).
std::vector<uint8_t> random_cache_bytes(GgmlType type, size_t n, std::mt19937& rng);

// Every weight type the kernels support.
const std::vector<GgmlType>& weight_types();

// The weight types of 32-element blocks (Q4_0, Q5_0, Q8_0, IQ4_NL, ...).
std::vector<GgmlType> block32_weight_types();

std::string type_label(GgmlType type);

// What matmul(w, x, n_batch) must give: per-row reference dot products of the file's rows with
// the activations quantized as matmul quantizes them, and per-entry tolerances (relative to the
// sum of the products' magnitudes).
struct MatmulExpected {
  std::vector<float> y, tol;
};
MatmulExpected matmul_reference(const kernels::WeightView& w, const std::vector<float>& x,
                                int64_t n_batch);

}  // namespace ruvllm::test
