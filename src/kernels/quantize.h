// Conversion of F32 rows to ggml tensor types (quantization), bit-compatible with ggml.
//
// Used for two things: quantizing activations before a matmul (Q8_0, Q8_1, Q8_K, F16, BF16, as
// llama.cpp does) and quantizing weights when writing a model (kernels for the weight types
// follow ggml's reference quantizers, so llama.cpp reads the output).
#pragma once

#include <cstdint>

#include "core/ggml_type.h"

namespace ruvllm::kernels {

// True when quantize_row supports `type`.
bool can_quantize(GgmlType type);

// Converts n floats (a multiple of the type's block size) to `type` at dst, which must hold
// ggml_row_size(type, n) bytes. Throws UnsupportedError for types without a quantizer and Error
// when n is not a multiple of the block size.
void quantize_row(GgmlType type, const float* src, void* dst, int64_t n);

}  // namespace ruvllm::kernels
