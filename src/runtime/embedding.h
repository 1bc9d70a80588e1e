// Sentence embeddings from a model's hidden states: the final-normed hidden state of every token
// of an input, pooled into one vector and L2-normalised (the OpenAI embeddings convention).
//
// The pooling comes from the GGUF (`<arch>.pooling_type`: 1 mean, 2 first token (CLS), 3 last
// token); models without it, generative chat models among them, are mean-pooled.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "model/model.h"
#include "runtime/session.h"

namespace ruvllm {

enum class Pooling { Mean, First, Last };

// The pooling a model declares, Mean when it declares none. Throws FormatError for a value that
// is not a pooling (e.g. 4, rank).
Pooling model_pooling(const Model& model);

// Evaluates `tokens` from an empty state in `session` (which is cleared first and holds the
// tokens afterwards) and returns their pooled, L2-normalised embedding (n_embd floats). Throws
// ContextFullError when the input does not fit the session's context.
std::vector<float> embed_tokens(Session& session, std::span<const int32_t> tokens, Pooling pooling);

}  // namespace ruvllm
