// Random-weight GGUF models of real shapes (see model_shapes.h), loadable by RuvLLM and llama.cpp.
//
// Weights are drawn from a seeded generator (matrices ~ N(0, 0.02), norms 1, biases small) and
// quantized to the requested type tensor by tensor while the file is written, so even a
// billion-parameter model never sits in memory whole. The vocabulary is either copied from a
// vocab GGUF (`vocab_path`, e.g. ../shared/golden/tokenizer/ggml-vocab-llama-bpe.gguf) or
// synthesised: a byte-level BPE vocabulary of exactly the shape's size with consistent merges.
#pragma once

#include <cstdint>
#include <string>

#include "core/ggml_type.h"
#include "model/model_shapes.h"

namespace ruvllm {

struct RandomModelOptions {
  GgmlType type = GgmlType::Q8_0;  // type of the 2-D weight matrices
  uint64_t seed = 1;
  std::string vocab_path;  // optional GGUF to take tokenizer.* metadata from
};

// Writes the model; throws Error (I/O, unsupported type, vocab of the wrong size).
void write_random_model(const ModelShape& shape, const RandomModelOptions& options,
                        const std::string& path);

}  // namespace ruvllm
