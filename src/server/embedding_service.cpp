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
    ApiError::check_token_ids(tokens, tokenizer_.n_vocab(), param);
  }
  if (tokens.empty()) throw ApiError::invalid_param(param, "the input has no tokens");
  if (int64_t(tokens.size()) > session_.n_ctx())
    throw ApiError::context_length_exceeded(param, param, session_.n_ctx(), tokens.size());
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
