#include "server/api_error.h"

namespace ruvllm::server {

ApiError::ApiError(int status, std::string type, std::string message, std::string param,
                   std::string code)
    : Error(message),
      status_(status),
      type_(std::move(type)),
      param_(std::move(param)),
      code_(std::move(code)) {}

nlohmann::json ApiError::to_json() const {
  nlohmann::json error = {{"message", what()}, {"type", type_}};
  error["param"] = param_.empty() ? nlohmann::json(nullptr) : nlohmann::json(param_);
  error["code"] = code_.empty() ? nlohmann::json(nullptr) : nlohmann::json(code_);
  return {{"error", std::move(error)}};
}

ApiError ApiError::invalid_param(const std::string& param, const std::string& message) {
  return ApiError(400, "invalid_request_error", message, param);
}

ApiError ApiError::invalid_request(const std::string& message, std::string code) {
  return ApiError(400, "invalid_request_error", message, {}, std::move(code));
}

ApiError ApiError::context_length_exceeded(const std::string& param, const std::string& subject,
                                           int64_t n_ctx, size_t n_tokens) {
  return ApiError(400, "invalid_request_error",
                  "This model's maximum context length is " + std::to_string(n_ctx) +
                      " tokens. However, " + subject + " has " + std::to_string(n_tokens) +
                      " tokens. Please shorten it.",
                  param, "context_length_exceeded");
}

void ApiError::check_token_ids(std::span<const int32_t> tokens, int32_t n_vocab,
                               const std::string& param) {
  for (int32_t t : tokens)
    if (t < 0 || t >= n_vocab)
      throw invalid_param(param, "token id " + std::to_string(t) +
                                     " is outside the vocabulary of " + std::to_string(n_vocab));
}

ApiError ApiError::unauthorized(const std::string& message) {
  return ApiError(401, "authentication_error", message, {}, "invalid_api_key");
}

ApiError ApiError::not_found(const std::string& message) {
  return ApiError(404, "not_found_error", message);
}

ApiError ApiError::payload_too_large(size_t limit_bytes) {
  return ApiError(
      413, "invalid_request_error",
      "Request body is larger than the server's limit of " + std::to_string(limit_bytes) + " bytes",
      {}, "request_too_large");
}

ApiError ApiError::rate_limited(const std::string& message) {
  return ApiError(429, "rate_limit_error", message, {}, "rate_limit_exceeded");
}

ApiError ApiError::internal(const std::string& message) {
  return ApiError(500, "server_error", message);
}

ApiError ApiError::unavailable(const std::string& message) {
  return ApiError(503, "server_error", message, {}, "service_unavailable");
}

}  // namespace ruvllm::server
