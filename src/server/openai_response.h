// The response objects of OpenAI's HTTP API, built as JSON.
//
// chat.completion, chat.completion.chunk and text_completion objects (with `id`, `created`,
// `model`, `system_fingerprint`, `choices`, `usage`), log-probabilities in OpenAI's shapes (the
// chat `logprobs.content[]` form and the legacy completions form), the model list, embeddings, and
// the Server-Sent-Events framing used by streaming responses.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/openai_request.h"

namespace ruvllm::server {

enum class FinishReason { kStop, kLength, kToolCalls };
const char* finish_reason_name(FinishReason reason);

struct Usage {
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t cached_tokens = 0;  // prompt tokens served from the prefix cache
};
nlohmann::json usage_json(const Usage& usage);

// One generated token's log-probability and the most likely alternatives at its position.
// `token` holds the token's raw bytes (possibly a partial UTF-8 sequence).
struct TokenLogprobInfo {
  struct Alternative {
    std::string token;
    float logprob;
  };
  std::string token;
  float logprob = 0;
  std::vector<Alternative> top;
};

// What every object of one response shares: all chunks of a stream carry the same id.
struct ResponseIdentity {
  std::string id;       // "chatcmpl-..." / "cmpl-..."
  int64_t created = 0;  // Unix seconds
  std::string model;
  std::string system_fingerprint;
};
// A fresh identity with a random id that starts with `id_prefix`.
ResponseIdentity new_response_identity(std::string_view id_prefix, std::string model,
                                       std::string system_fingerprint);

// The outcome of one chat completion.
struct ChatResult {
  std::string content;  // text the assistant wrote (besides tool calls)
  std::vector<ToolCall> tool_calls;
  FinishReason finish_reason = FinishReason::kStop;
  Usage usage;
  bool with_logprobs = false;
  std::vector<TokenLogprobInfo> logprobs;
};

nlohmann::json chat_completion_json(const ResponseIdentity& identity, const ChatResult& result);

// A chat.completion.chunk with one choice; `delta` is the choice's delta object (role, content,
// tool_calls fragments). `logprobs` (may be null) is attached as `logprobs.content`.
nlohmann::json chat_chunk_json(const ResponseIdentity& identity, nlohmann::json delta,
                               std::optional<FinishReason> finish_reason,
                               const std::vector<TokenLogprobInfo>* logprobs = nullptr);
// The closing chunk of a stream with stream_options.include_usage: no choices, only usage.
nlohmann::json usage_chunk_json(const ResponseIdentity& identity, const char* object,
                                const Usage& usage);

// The outcome of one text completion; `text_offset` of legacy logprobs starts at `offset_base`
// (the echoed prompt's length when echo is on).
struct TextResult {
  std::string text;
  FinishReason finish_reason = FinishReason::kStop;
  Usage usage;
  bool with_logprobs = false;
  std::vector<TokenLogprobInfo> logprobs;
  size_t offset_base = 0;
};

nlohmann::json text_completion_json(const ResponseIdentity& identity, const TextResult& result);
// A streamed text_completion object carrying a piece of text.
nlohmann::json text_chunk_json(const ResponseIdentity& identity, const std::string& text,
                               std::optional<FinishReason> finish_reason,
                               const std::vector<TokenLogprobInfo>* logprobs = nullptr,
                               size_t offset_base = 0);

// OpenAI's legacy completions `logprobs` object: tokens, token_logprobs, top_logprobs,
// text_offset.
nlohmann::json legacy_logprobs_json(const std::vector<TokenLogprobInfo>& logprobs,
                                    size_t offset_base);
// The chat `logprobs` object: {"content": [{token, logprob, bytes, top_logprobs}]}.
nlohmann::json chat_logprobs_json(const std::vector<TokenLogprobInfo>& logprobs);

// GET /v1/models with one model.
nlohmann::json model_list_json(const std::string& model_id, int64_t created);

// POST /v1/embeddings: one vector per input, as floats or base64 of little-endian float32.
nlohmann::json embeddings_json(const std::string& model,
                               const std::vector<std::vector<float>>& vectors, bool base64,
                               int64_t prompt_tokens);

// A token's bytes as JSON-safe text: valid UTF-8 is kept, each byte of an incomplete or invalid
// sequence becomes "\xNN" (as OpenAI reports partial tokens).
std::string printable_token(std::string_view bytes);

// Serializes JSON for the wire; invalid UTF-8 in strings is replaced, never thrown on.
std::string dump_json(const nlohmann::json& value);

// One Server-Sent Event carrying `value`: "data: {...}\n\n".
std::string sse_event(const nlohmann::json& value);
inline constexpr std::string_view kSseDone = "data: [DONE]\n\n";

}  // namespace ruvllm::server
