// Errors returned to HTTP clients as OpenAI error objects.
//
// Every failure a client can cause or observe is an `ApiError`: it carries the HTTP status and the
// fields of OpenAI's error object, `{"error": {"message", "type", "param", "code"}}`, so the HTTP
// layer turns any of them into the response the `openai` SDKs expect (they raise
// BadRequestError, AuthenticationError, RateLimitError... from the status and read `message`).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>

#include "core/error.h"

namespace ruvllm::server {

class ApiError : public Error {
 public:
  // `type` is OpenAI's error type ("invalid_request_error", "authentication_error",
  // "rate_limit_error", "server_error", ...); `param` names the offending request field (empty
  // when no single field is at fault); `code` is a machine-readable code (empty for null).
  ApiError(int status, std::string type, std::string message, std::string param = {},
           std::string code = {});

  int status() const { return status_; }
  const std::string& type() const { return type_; }
  const std::string& param() const { return param_; }
  const std::string& code() const { return code_; }

  // The error object as OpenAI sends it.
  nlohmann::json to_json() const;

  // 400: a field has the wrong type or value; `param` is its path, e.g. "messages[1].content".
  static ApiError invalid_param(const std::string& param, const std::string& message);
  // 400: the request as a whole is wrong (bad JSON, unsupported combination).
  static ApiError invalid_request(const std::string& message, std::string code = {});
  // 400 context_length_exceeded: `subject` (e.g. "your prompt", "input[2]") has n_tokens, more
  // than the context of n_ctx allows; `param` names the field.
  static ApiError context_length_exceeded(const std::string& param, const std::string& subject,
                                          int64_t n_ctx, size_t n_tokens);
  // Throws invalid_param(param) for the first token id outside [0, n_vocab).
  static void check_token_ids(std::span<const int32_t> tokens, int32_t n_vocab,
                              const std::string& param);
  static ApiError unauthorized(const std::string& message);  // 401
  static ApiError not_found(const std::string& message);     // 404
  static ApiError payload_too_large(size_t limit_bytes);     // 413
  static ApiError rate_limited(const std::string& message);  // 429: queue full
  static ApiError internal(const std::string& message);      // 500
  static ApiError unavailable(const std::string& message);   // 503: loading or shutting down

 private:
  int status_;
  std::string type_;
  std::string param_;
  std::string code_;
};

}  // namespace ruvllm::server
