#include "server/embedding_service.h"

#include <string>
#include <variant>

#include "server/api_error.h"

namespace ruvllm::server {

EmbeddingService::EmbeddingService(std::shared_ptr<const Model> model, const Tokenizer& tokenizer,
                                   int64_t n_ctx)
    : model_(model),
      tokenizer_(tokenizer),
      pooling_(model_pooling(*model)),
      session_(model, SessionParams{.n_ctx = n_ctx}, nullptr) {}

std::vector<int32_t> EmbeddingService::tokens_of(const EmbeddingRequest& request,
                                                 size_t index) const {
  const std::string param = "input[" + std::to_string(index) + "]";
  std::vector<int32_t> tokens;
  if (const auto* text = std::get_if<std::string>(&request.inputs[index])) {
    tokens = tokenizer_.encode(*text, true, false);
  } else {
    tokens = std::get<std::vector<int32_t>>(request.inputs[index]);
    const int32_t n_vocab = tokenizer_.n_vocab();
    for (int32_t t : tokens)
      if (t < 0 || t >= n_vocab)
        throw ApiError::invalid_param(param, "token id " + std::to_string(t) +
                                                 " is outside the vocabulary of " +
                                                 std::to_string(n_vocab));
  }
  if (tokens.empty()) throw ApiError::invalid_param(param, "the input has no tokens");
  if (int64_t(tokens.size()) > session_.n_ctx())
    throw ApiError(400, "invalid_request_error",
                   "This model's maximum context length is " + std::to_string(session_.n_ctx()) +
                       " tokens, however " + param + " has " + std::to_string(tokens.size()) +
                       " tokens. Please shorten it.",
                   param, "context_length_exceeded");
  return tokens;
}

Embeddings EmbeddingService::embed(const EmbeddingRequest& request) {
  if (request.inputs.empty()) throw ApiError::invalid_param("input", "the input list is empty");
  std::vector<std::vector<int32_t>> inputs;
  inputs.reserve(request.inputs.size());
  for (size_t i = 0; i < request.inputs.size(); ++i) inputs.push_back(tokens_of(request, i));
  Embeddings out;
  std::lock_guard lock(mutex_);
  for (const std::vector<int32_t>& tokens : inputs) {
    out.vectors.push_back(embed_tokens(session_, tokens, pooling_));
    out.prompt_tokens += int64_t(tokens.size());
  }
  return out;
}

}  // namespace ruvllm::server
