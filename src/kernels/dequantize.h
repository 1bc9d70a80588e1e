// Bit-exact dequantization of ggml tensor types to F32.
#pragma once

#include <cstdint>

#include "core/ggml_type.h"

namespace ruvllm::kernels {

// True when dequantize_row supports `type`.
bool can_dequantize(GgmlType type);

// Converts n elements (a multiple of the type's block size) at src to floats at dst.
// Throws UnsupportedError for types without a dequantizer.
void dequantize_row(GgmlType type, const void* src, float* dst, int64_t n);

}  // namespace ruvllm::kernels
