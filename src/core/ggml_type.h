// Tensor element types, numbered exactly as ggml / GGUF number them.
//
// Quantized types store elements in blocks: `block_size` elements packed into `type_size` bytes.
// A row of n elements (n a multiple of block_size) takes n / block_size * type_size bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace ruvllm {

enum class GgmlType : uint32_t {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  IQ2_XXS = 16,
  IQ2_XS = 17,
  IQ3_XXS = 18,
  IQ1_S = 19,
  IQ4_NL = 20,
  IQ3_S = 21,
  IQ2_S = 22,
  IQ4_XS = 23,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  IQ1_M = 29,
  BF16 = 30,
  TQ1_0 = 34,
  TQ2_0 = 35,
  MXFP4 = 39,
};

struct GgmlTypeTraits {
  GgmlType type;
  std::string_view name;  // ggml's lower-case name: "f32", "q4_K", ...
  uint32_t block_size;    // elements per block
  uint32_t type_size;     // bytes per block
  bool quantized;
};

// Traits of a type id read from a file; nullopt for ids ggml does not define.
std::optional<GgmlTypeTraits> ggml_type_traits(uint32_t id);

// Traits of a known type (never fails).
const GgmlTypeTraits& ggml_traits(GgmlType type);

std::string_view ggml_type_name(GgmlType type);

// Parses a name such as "q4_K", "Q4_K", "f16" (case-insensitive).
std::optional<GgmlType> ggml_type_from_name(std::string_view name);

// Bytes taken by a row of `n` elements; n must be a multiple of the block size.
inline size_t ggml_row_size(GgmlType type, int64_t n) {
  const auto& t = ggml_traits(type);
  return size_t(n / t.block_size) * t.type_size;
}

}  // namespace ruvllm
