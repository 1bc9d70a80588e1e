// Re-quantizing a GGUF model to another type, choosing per-tensor types as llama.cpp does.
//
// A quantization target ("mix") is a base type plus llama.cpp's rules for tensors that need more
// bits: the output matrix gets Q6_K, and in the _M mixes attn_v / ffn_down of the first and last
// eighth of the layers and every third layer in between get Q6_K. Only 2-D (and 3-D) weight
// matrices are quantized; norms, biases and other small tensors are copied. Rows whose length is
// not a multiple of the chosen type's block size fall back to a compatible type (Q4_K -> Q5_0,
// Q5_K -> Q5_1, Q6_K -> Q8_0, then F16), as llama.cpp does. Inputs may be F32, F16, BF16 or any
// quantized type the kernels can dequantize; quantized weights are dequantized and re-quantized.
// The output is byte-compatible with llama.cpp's quantizer (same tensor types, same bytes, same
// general.file_type) when both start from the same F32 weights.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ggml_type.h"
#include "core/thread_pool.h"
#include "gguf/gguf_file.h"

namespace ruvllm::model {

enum class QuantMix {
  F32,
  F16,
  BF16,
  Q8_0,
  Q4_0,
  Q4_1,
  Q5_0,
  Q5_1,
  Q2_K,
  Q3_K_S,
  Q3_K_M,
  Q3_K_L,
  Q4_K_S,
  Q4_K_M,
  Q5_K_S,
  Q5_K_M,
  Q6_K,
  IQ4_NL,
  IQ4_XS,
};

// Parses a mix name, case-insensitive: "q4_k_m", "Q8_0", "f16"... As in llama.cpp, "q3_k",
// "q4_k" and "q5_k" mean the _M mixes.
std::optional<QuantMix> parse_quant_mix(std::string_view name);

// The canonical lower-case name ("q4_k_m").
std::string_view quant_mix_name(QuantMix mix);

// Every accepted name, for usage messages.
std::vector<std::string> quant_mix_names();

// llama.cpp's LLAMA_FTYPE number, stored as general.file_type.
uint32_t llama_file_type(QuantMix mix);

// The type most weight matrices of the mix get.
GgmlType mix_base_type(QuantMix mix);

struct QuantizeOptions {
  QuantMix mix = QuantMix::Q8_0;
  // Every quantized matrix gets the base type (llama.cpp's --pure); fallbacks still apply.
  bool pure = false;
};

// The decision for one tensor.
struct TensorPlan {
  std::string name;
  GgmlType from = GgmlType::F32;
  GgmlType to = GgmlType::F32;
  bool fallback = false;  // `to` replaced a type whose block size does not divide the rows
};

// Output types of every tensor of `in`, in file order. Throws UnsupportedError when a tensor
// would need a conversion the kernels cannot do.
std::vector<TensorPlan> plan_quantization(const gguf::GgufFile& in, const QuantizeOptions& options);

struct QuantizeSummary {
  std::vector<TensorPlan> tensors;
  uint64_t bytes_in = 0;   // tensor data of the input
  uint64_t bytes_out = 0;  // tensor data of the output
};

// Called after each tensor is written: its plan, its index and the tensor count.
using QuantizeProgress = std::function<void(const TensorPlan&, size_t index, size_t count)>;

// Reads `in_path`, writes the quantized model to `out_path` (tensors are converted one at a
// time while the file is written). `pool` may be null. Throws Error / FormatError /
// UnsupportedError with a message naming the file or tensor.
QuantizeSummary quantize_model(const std::string& in_path, const std::string& out_path,
                               const QuantizeOptions& options, ThreadPool* pool = nullptr,
                               const QuantizeProgress& progress = {});

}  // namespace ruvllm::model
