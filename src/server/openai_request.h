// The requests of OpenAI's HTTP API, parsed from JSON with strict type checking.
//
// Covered: POST /v1/chat/completions, POST /v1/completions and POST /v1/embeddings, with the
// llama.cpp extensions `top_k`, `min_p` and `grammar` (GBNF). Parsing follows the OpenAI API:
// unknown fields are ignored, `null` means "not given", and a field of the wrong type or out of
// range is a 400 ApiError naming the field ("'temperature' must be a number"). Checks that need
// the model (token ids in `logit_bias`, prompt length against the context) happen later, in the
// server, against the loaded model.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace ruvllm::server {

enum class Role { kSystem, kDeveloper, kUser, kAssistant, kTool };
const char* role_name(Role role);

// One call the assistant made (`messages[i].tool_calls[j]`). `arguments` is the JSON text the
// API carries, kept verbatim.
struct ToolCall {
  std::string id;
  std::string name;
  std::string arguments;
};

struct ChatMessage {
  Role role = Role::kUser;
  // Text content; content-part arrays are joined (text parts only). nullopt when the message has
  // no content (an assistant message that only calls tools).
  std::optional<std::string> content;
  std::string name;                  // optional participant or tool name
  std::vector<ToolCall> tool_calls;  // assistant only
  std::string tool_call_id;          // tool only: the call this message answers
};

// A function the model may call (`tools[i]`, type "function").
struct ToolDefinition {
  std::string name;
  std::string description;
  nlohmann::json parameters = nlohmann::json::object();  // JSON Schema of the arguments
  bool strict = false;
};

struct ToolChoice {
  enum class Mode { kAuto, kNone, kRequired, kNamed };
  Mode mode = Mode::kAuto;
  std::string function_name;  // kNamed only
};

struct ResponseFormat {
  enum class Kind { kText, kJsonObject, kJsonSchema };
  Kind kind = Kind::kText;
  std::string schema_name;  // json_schema.name
  nlohmann::json schema;    // json_schema.schema (null: any JSON)
  bool strict = false;      // json_schema.strict
};

// Settings shared by chat and text completions. Defaults follow llama.cpp's server (temperature
// 0.8, top-k 40, top-p 0.95, min-p 0.05) so clients that send nothing get the same behaviour.
struct GenerationOptions {
  std::optional<int32_t> max_tokens;  // nullopt: until end of generation or context full
  float temperature = 0.8f;
  float top_p = 0.95f;
  int32_t top_k = 40;
  float min_p = 0.05f;
  std::optional<uint64_t> seed;   // nullopt: random
  std::vector<std::string> stop;  // at most 4, none empty
  float presence_penalty = 0.0f;
  float frequency_penalty = 0.0f;
  std::vector<std::pair<int32_t, float>> logit_bias;  // token id -> bias in [-100, 100]
  bool logprobs = false;
  int32_t top_logprobs = 0;  // 0..20 alternatives per token
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  std::string grammar;         // GBNF (llama.cpp extension); empty: none
  ResponseFormat response_format;
  std::string model;  // as the client named it (informational; one model is served)
  std::string user;
  // RuvLLM extension `cache_prefix`: {"enable": bool, "key": string, "ttl_seconds": integer}.
  // enable false keeps the request out of the prefix cache; a key with a ttl pins the prompt's
  // cached prefix against eviction for that many seconds.
  struct CachePrefix {
    bool enable = true;
    std::string key;
    int64_t ttl_seconds = 0;
  } cache_prefix;
};

struct ChatCompletionRequest {
  std::vector<ChatMessage> messages;
  std::vector<ToolDefinition> tools;
  ToolChoice tool_choice;  // default: auto when tools are given, none otherwise
  bool parallel_tool_calls = true;
  GenerationOptions options;
};

// `prompt` is text, or token ids given directly.
struct CompletionRequest {
  std::variant<std::string, std::vector<int32_t>> prompt;
  bool echo = false;
  GenerationOptions options;
};

// Each input is text or token ids.
struct EmbeddingRequest {
  std::vector<std::variant<std::string, std::vector<int32_t>>> inputs;
  bool base64 = false;  // encoding_format "base64" instead of "float"
  std::string model;
};

// Parse a request body; every error is an ApiError (400) naming the field at fault.
ChatCompletionRequest parse_chat_completion_request(const nlohmann::json& body);
CompletionRequest parse_completion_request(const nlohmann::json& body);
EmbeddingRequest parse_embedding_request(const nlohmann::json& body);

// Parses raw body text as JSON; a syntax error or a non-object is an ApiError (400).
nlohmann::json parse_json_body(const std::string& text);

}  // namespace ruvllm::server
