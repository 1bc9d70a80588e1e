// The model's side of POST /v1/embeddings: inputs (text or token arrays) turned into pooled,
// L2-normalised hidden states (runtime/embedding.h).
//
// Embeddings run on their own session, one request at a time, on the HTTP thread that asked
// and single-threaded, so they never touch the scheduler's slots or its thread pool. Each input
// may be as long as a slot's context; longer ones are a 400 naming the input.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "model/model.h"
#include "runtime/embedding.h"
#include "runtime/session.h"
#include "server/openai_request.h"
#include "tokenizer/tokenizer.h"

namespace ruvllm::server {

struct Embeddings {
  std::vector<std::vector<float>> vectors;  // one per input, in order
  int64_t prompt_tokens = 0;
};

class EmbeddingService {
 public:
  // Throws FormatError when the model declares a pooling RuvLLM does not support.
  EmbeddingService(std::shared_ptr<const Model> model, const Tokenizer& tokenizer, int64_t n_ctx);

  // Throws ApiError 400 for an empty input, token ids outside the vocabulary or an input longer
  // than the context.
  Embeddings embed(const EmbeddingRequest& request);

 private:
  std::vector<int32_t> tokens_of(const EmbeddingRequest& request, size_t index) const;

  std::shared_ptr<const Model> model_;
  const Tokenizer& tokenizer_;
  Pooling pooling_;
  std::mutex mutex_;  // guards session_
  Session session_;
};

}  // namespace ruvllm::server
