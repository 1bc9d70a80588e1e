#include "server/openai_request.h"

#include <limits>

#include "server/api_error.h"
#include "server/json_fields.h"

namespace ruvllm::server {

namespace {

using nlohmann::json;

constexpr size_t kMaxStopSequences = 4;
constexpr int64_t kMaxTopLogprobs = 20;

std::string index_path(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

[[noreturn]] void fail_at(const std::string& path, const std::string& message) {
  throw ApiError::invalid_param(path, "'" + path + "' " + message);
}

const json& require_object(const json& value, const std::string& path) {
  if (!value.is_object()) fail_at(path, "must be an object");
  return value;
}

std::string required_string(const FieldReader& fields, std::string_view key) {
  std::optional<std::string> value = fields.string(key);
  if (!value) fields.fail(key, "is required");
  return *value;
}

Role parse_role(const FieldReader& fields) {
  const std::string role = required_string(fields, "role");
  if (role == "system") return Role::kSystem;
  if (role == "developer") return Role::kDeveloper;
  if (role == "user") return Role::kUser;
  if (role == "assistant") return Role::kAssistant;
  if (role == "tool") return Role::kTool;
  fields.fail("role", "must be one of 'system', 'developer', 'user', 'assistant', 'tool' (got '" +
                          role + "')");
}

// A message's `content`: a string, or an array of content parts of which only text is supported.
std::optional<std::string> parse_content(const FieldReader& fields) {
  const json* content = fields.any("content");
  if (!content) return std::nullopt;
  const std::string path = fields.path_of("content");
  if (content->is_string()) return content->get<std::string>();
  if (!content->is_array()) fail_at(path, "must be a string or an array of content parts");
  std::string text;
  for (size_t i = 0; i < content->size(); ++i) {
    const std::string part_path = index_path(path, i);
    FieldReader part(require_object((*content)[i], part_path), part_path);
    const std::string type = required_string(part, "type");
    if (type == "text" || type == "refusal") {
      std::optional<std::string> part_text = part.string(type == "text" ? "text" : "refusal");
      if (!part_text) part.fail(type == "text" ? "text" : "refusal", "is required");
      if (!text.empty()) text += "\n";
      text += *part_text;
    } else {
      part.fail("type", "'" + type + "' is not supported (this server accepts text content only)");
    }
  }
  return text;
}

ToolCall parse_tool_call(const json& value, const std::string& path) {
  FieldReader fields(require_object(value, path), path);
  ToolCall call;
  call.id = fields.string("id").value_or("");
  const std::string type = fields.string("type").value_or("function");
  if (type != "function") fields.fail("type", "must be 'function'");
  const json* function = fields.object("function");
  if (!function) fields.fail("function", "is required");
  FieldReader fn(*function, fields.path_of("function"));
  call.name = required_string(fn, "name");
  const json* arguments = fn.any("arguments");
  if (!arguments) {
    call.arguments = "{}";
  } else if (arguments->is_string()) {
    call.arguments = arguments->get<std::string>();
  } else if (arguments->is_object()) {
    // Some clients send the arguments as an object rather than its JSON text.
    call.arguments = arguments->dump();
  } else {
    fn.fail("arguments", "must be a string");
  }
  return call;
}

ChatMessage parse_message(const json& value, const std::string& path) {
  FieldReader fields(require_object(value, path), path);
  ChatMessage message;
  message.role = parse_role(fields);
  message.content = parse_content(fields);
  message.name = fields.string("name").value_or("");
  if (const json* calls = fields.array("tool_calls")) {
    if (message.role != Role::kAssistant)
      fields.fail("tool_calls", "is only allowed on assistant messages");
    for (size_t i = 0; i < calls->size(); ++i)
      message.tool_calls.push_back(
          parse_tool_call((*calls)[i], index_path(fields.path_of("tool_calls"), i)));
  }
  if (message.role == Role::kTool) message.tool_call_id = required_string(fields, "tool_call_id");
  const bool may_omit_content = message.role == Role::kAssistant;
  if (!message.content && !may_omit_content) fields.fail("content", "is required");
  if (message.role == Role::kAssistant && !message.content && message.tool_calls.empty())
    fields.fail("content", "is required unless the message has tool_calls");
  return message;
}

ToolDefinition parse_tool(const json& value, const std::string& path) {
  FieldReader fields(require_object(value, path), path);
  const std::string type = required_string(fields, "type");
  if (type != "function") fields.fail("type", "must be 'function'");
  const json* function = fields.object("function");
  if (!function) fields.fail("function", "is required");
  FieldReader fn(*function, fields.path_of("function"));
  ToolDefinition tool;
  tool.name = required_string(fn, "name");
  if (tool.name.empty() || tool.name.size() > 64) fn.fail("name", "must be 1 to 64 characters");
  for (char c : tool.name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) fn.fail("name", "may contain only a-z, A-Z, 0-9, '_' and '-'");
  }
  tool.description = fn.string("description").value_or("");
  if (const json* parameters = fn.object("parameters")) tool.parameters = *parameters;
  tool.strict = fn.boolean("strict").value_or(false);
  return tool;
}

ToolChoice parse_tool_choice(const FieldReader& fields, const std::vector<ToolDefinition>& tools) {
  ToolChoice choice;
  choice.mode = tools.empty() ? ToolChoice::Mode::kNone : ToolChoice::Mode::kAuto;
  const json* value = fields.any("tool_choice");
  if (!value) return choice;
  if (value->is_string()) {
    const std::string mode = value->get<std::string>();
    if (mode == "auto") {
      choice.mode = ToolChoice::Mode::kAuto;
    } else if (mode == "none") {
      choice.mode = ToolChoice::Mode::kNone;
    } else if (mode == "required") {
      choice.mode = ToolChoice::Mode::kRequired;
    } else {
      fields.fail("tool_choice", "must be 'auto', 'none', 'required' or a function object");
    }
  } else if (value->is_object()) {
    FieldReader object(*value, fields.path_of("tool_choice"));
    if (required_string(object, "type") != "function") object.fail("type", "must be 'function'");
    const json* function = object.object("function");
    if (!function) object.fail("function", "is required");
    FieldReader fn(*function, object.path_of("function"));
    choice.mode = ToolChoice::Mode::kNamed;
    choice.function_name = required_string(fn, "name");
    bool known = false;
    for (const ToolDefinition& tool : tools) known = known || tool.name == choice.function_name;
    if (!known) fn.fail("name", "names no tool in 'tools' ('" + choice.function_name + "')");
  } else {
    fields.fail("tool_choice", "must be a string or an object");
  }
  if (tools.empty() && choice.mode != ToolChoice::Mode::kNone &&
      choice.mode != ToolChoice::Mode::kAuto)
    fields.fail("tool_choice", "requires 'tools'");
  if (tools.empty()) choice.mode = ToolChoice::Mode::kNone;
  return choice;
}

ResponseFormat parse_response_format(const FieldReader& fields) {
  ResponseFormat format;
  const json* value = fields.object("response_format");
  if (!value) return format;
  FieldReader object(*value, fields.path_of("response_format"));
  const std::string type = required_string(object, "type");
  if (type == "text") {
    format.kind = ResponseFormat::Kind::kText;
  } else if (type == "json_object") {
    format.kind = ResponseFormat::Kind::kJsonObject;
  } else if (type == "json_schema") {
    format.kind = ResponseFormat::Kind::kJsonSchema;
    const json* spec = object.object("json_schema");
    if (!spec) object.fail("json_schema", "is required when type is 'json_schema'");
    FieldReader schema(*spec, object.path_of("json_schema"));
    format.schema_name = required_string(schema, "name");
    if (const json* s = schema.any("schema")) {
      if (!s->is_object() && !s->is_boolean()) schema.fail("schema", "must be an object");
      format.schema = *s;
    }
    format.strict = schema.boolean("strict").value_or(false);
  } else {
    object.fail("type", "must be 'text', 'json_object' or 'json_schema'");
  }
  return format;
}

std::vector<std::string> parse_stop(const FieldReader& fields) {
  std::vector<std::string> stop;
  const json* value = fields.any("stop");
  if (!value) return stop;
  if (value->is_string()) {
    if (!value->get_ref<const std::string&>().empty()) stop.push_back(value->get<std::string>());
    return stop;
  }
  if (!value->is_array()) fields.fail("stop", "must be a string or an array of strings");
  if (value->size() > kMaxStopSequences)
    fields.fail("stop", "may hold at most " + std::to_string(kMaxStopSequences) + " sequences");
  for (size_t i = 0; i < value->size(); ++i) {
    const json& s = (*value)[i];
    if (!s.is_string()) fail_at(index_path(fields.path_of("stop"), i), "must be a string");
    if (!s.get_ref<const std::string&>().empty()) stop.push_back(s.get<std::string>());
  }
  return stop;
}

std::vector<std::pair<int32_t, float>> parse_logit_bias(const FieldReader& fields) {
  std::vector<std::pair<int32_t, float>> bias;
  const json* value = fields.object("logit_bias");
  if (!value) return bias;
  for (const auto& [key, v] : value->items()) {
    const std::string path = fields.path_of("logit_bias") + "." + key;
    int64_t id = 0;
    bool digits = !key.empty() && key.size() <= 10;
    for (char c : key) {
      digits = digits && c >= '0' && c <= '9';
      if (digits) id = id * 10 + (c - '0');
    }
    if (!digits || id > std::numeric_limits<int32_t>::max())
      throw ApiError::invalid_param(fields.path_of("logit_bias"),
                                    "'logit_bias' keys must be token ids (got '" + key + "')");
    if (!v.is_number()) fail_at(path, "must be a number");
    const double b = v.get<double>();
    if (!(b >= -100.0 && b <= 100.0)) fail_at(path, "must be between -100 and 100");
    bias.emplace_back(static_cast<int32_t>(id), static_cast<float>(b));
  }
  return bias;
}

// The fields common to chat and text completions. `legacy_logprobs`: /v1/completions, where
// `logprobs` is the number of alternatives rather than a boolean.
GenerationOptions parse_generation_options(const FieldReader& fields, bool legacy_logprobs) {
  GenerationOptions o;
  o.model = fields.string("model").value_or("");
  o.user = fields.string("user").value_or("");
  constexpr int64_t kMaxInt32 = std::numeric_limits<int32_t>::max();
  // -1 is llama.cpp's "no limit"; max_completion_tokens is the newer name and wins.
  if (auto v = fields.integer("max_tokens", -1, kMaxInt32)) o.max_tokens = static_cast<int32_t>(*v);
  if (auto v = fields.integer("max_completion_tokens", -1, kMaxInt32))
    o.max_tokens = static_cast<int32_t>(*v);
  if (o.max_tokens && *o.max_tokens < 0) o.max_tokens.reset();
  if (auto v = fields.number("temperature", 0.0, 2.0)) o.temperature = static_cast<float>(*v);
  if (auto v = fields.number("top_p", 0.0, 1.0)) o.top_p = static_cast<float>(*v);
  if (auto v = fields.integer("top_k", -1, kMaxInt32)) o.top_k = static_cast<int32_t>(*v);
  if (auto v = fields.number("min_p", 0.0, 1.0)) o.min_p = static_cast<float>(*v);
  if (auto v = fields.integer("seed", std::numeric_limits<int64_t>::min(),
                              std::numeric_limits<int64_t>::max())) {
    if (*v != -1) o.seed = static_cast<uint64_t>(*v);  // -1: llama.cpp's "random seed"
  }
  o.stop = parse_stop(fields);
  if (auto v = fields.number("presence_penalty", -2.0, 2.0))
    o.presence_penalty = static_cast<float>(*v);
  if (auto v = fields.number("frequency_penalty", -2.0, 2.0))
    o.frequency_penalty = static_cast<float>(*v);
  o.logit_bias = parse_logit_bias(fields);
  if (legacy_logprobs) {
    if (auto v = fields.integer("logprobs", 0, kMaxTopLogprobs)) {
      o.logprobs = true;
      o.top_logprobs = static_cast<int32_t>(*v);
    }
  } else {
    o.logprobs = fields.boolean("logprobs").value_or(false);
    if (auto v = fields.integer("top_logprobs", 0, kMaxTopLogprobs)) {
      if (!o.logprobs) fields.fail("top_logprobs", "requires 'logprobs' to be true");
      o.top_logprobs = static_cast<int32_t>(*v);
    }
  }
  if (auto n = fields.integer("n", std::numeric_limits<int64_t>::min(),
                              std::numeric_limits<int64_t>::max())) {
    if (*n != 1) fields.fail("n", "must be 1 (this server returns one choice per request)");
  }
  o.stream = fields.boolean("stream").value_or(false);
  if (const json* stream_options = fields.object("stream_options")) {
    FieldReader so(*stream_options, fields.path_of("stream_options"));
    o.include_usage = so.boolean("include_usage").value_or(false);
  }
  o.grammar = fields.string("grammar").value_or("");
  o.response_format = parse_response_format(fields);
  if (!o.grammar.empty() && o.response_format.kind != ResponseFormat::Kind::kText)
    fields.fail("grammar", "cannot be combined with a JSON 'response_format'");
  if (const json* cache_prefix = fields.object("cache_prefix")) {
    FieldReader cp(*cache_prefix, fields.path_of("cache_prefix"));
    o.cache_prefix.enable = cp.boolean("enable").value_or(true);
    o.cache_prefix.key = cp.string("key").value_or("");
    if (auto v = cp.integer("ttl_seconds", 0, 30 * 24 * 3600)) o.cache_prefix.ttl_seconds = *v;
    if (o.cache_prefix.ttl_seconds > 0 && o.cache_prefix.key.empty())
      cp.fail("key", "is required with 'ttl_seconds'");
  }
  return o;
}

const json& require_body_object(const json& body) {
  if (!body.is_object()) throw ApiError::invalid_request("Request body must be a JSON object");
  return body;
}

std::vector<int32_t> parse_token_array(const json& value, const std::string& path) {
  std::vector<int32_t> tokens;
  tokens.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    const json& t = value[i];
    if (!t.is_number_integer() || t.get<int64_t>() < 0 ||
        t.get<int64_t>() > std::numeric_limits<int32_t>::max())
      fail_at(index_path(path, i), "must be a token id (a non-negative integer)");
    tokens.push_back(static_cast<int32_t>(t.get<int64_t>()));
  }
  return tokens;
}

bool is_token_array(const json& value) {
  return value.is_array() && !value.empty() && value[0].is_number();
}

}  // namespace

const char* role_name(Role role) {
  switch (role) {
    case Role::kSystem:
      return "system";
    case Role::kDeveloper:
      return "developer";
    case Role::kUser:
      return "user";
    case Role::kAssistant:
      return "assistant";
    case Role::kTool:
      return "tool";
  }
  return "user";
}

ChatCompletionRequest parse_chat_completion_request(const json& body) {
  FieldReader fields(require_body_object(body), "");
  ChatCompletionRequest request;
  const json* messages = fields.array("messages");
  if (!messages) fields.fail("messages", "is required");
  if (messages->empty()) fields.fail("messages", "must contain at least one message");
  for (size_t i = 0; i < messages->size(); ++i)
    request.messages.push_back(parse_message((*messages)[i], index_path("messages", i)));
  if (const json* tools = fields.array("tools")) {
    for (size_t i = 0; i < tools->size(); ++i)
      request.tools.push_back(parse_tool((*tools)[i], index_path("tools", i)));
  }
  request.tool_choice = parse_tool_choice(fields, request.tools);
  request.parallel_tool_calls = fields.boolean("parallel_tool_calls").value_or(true);
  request.options = parse_generation_options(fields, /*legacy_logprobs=*/false);
  return request;
}

CompletionRequest parse_completion_request(const json& body) {
  FieldReader fields(require_body_object(body), "");
  CompletionRequest request;
  const json* prompt = fields.any("prompt");
  if (!prompt) fields.fail("prompt", "is required");
  if (prompt->is_string()) {
    request.prompt = prompt->get<std::string>();
  } else if (is_token_array(*prompt)) {
    request.prompt = parse_token_array(*prompt, "prompt");
  } else if (prompt->is_array()) {
    if (prompt->size() != 1)
      fields.fail("prompt", "must hold exactly one prompt (send one request per prompt)");
    const json& only = (*prompt)[0];
    if (only.is_string()) {
      request.prompt = only.get<std::string>();
    } else if (only.is_array()) {
      request.prompt = parse_token_array(only, "prompt[0]");
    } else {
      fail_at("prompt[0]", "must be a string or an array of token ids");
    }
  } else {
    fields.fail("prompt", "must be a string, an array of strings or an array of token ids");
  }
  request.echo = fields.boolean("echo").value_or(false);
  if (auto suffix = fields.string("suffix"); suffix && !suffix->empty())
    fields.fail("suffix", "is not supported");
  if (auto best_of = fields.integer("best_of", 1, std::numeric_limits<int64_t>::max());
      best_of && *best_of != 1)
    fields.fail("best_of", "must be 1");
  request.options = parse_generation_options(fields, /*legacy_logprobs=*/true);
  return request;
}

EmbeddingRequest parse_embedding_request(const json& body) {
  FieldReader fields(require_body_object(body), "");
  EmbeddingRequest request;
  request.model = fields.string("model").value_or("");
  const json* input = fields.any("input");
  if (!input) fields.fail("input", "is required");
  auto add_text = [&](const json& text, const std::string& path) {
    if (text.get_ref<const std::string&>().empty()) fail_at(path, "must not be empty");
    request.inputs.emplace_back(text.get<std::string>());
  };
  if (input->is_string()) {
    add_text(*input, "input");
  } else if (is_token_array(*input)) {
    request.inputs.emplace_back(parse_token_array(*input, "input"));
  } else if (input->is_array() && !input->empty()) {
    for (size_t i = 0; i < input->size(); ++i) {
      const json& item = (*input)[i];
      const std::string path = index_path("input", i);
      if (item.is_string()) {
        add_text(item, path);
      } else if (item.is_array() && !item.empty()) {
        request.inputs.emplace_back(parse_token_array(item, path));
      } else {
        fail_at(path, "must be a non-empty string or array of token ids");
      }
    }
  } else {
    fields.fail("input", "must be a string, an array of strings or an array of token ids");
  }
  const std::string format = fields.string("encoding_format").value_or("float");
  if (format != "float" && format != "base64")
    fields.fail("encoding_format", "must be 'float' or 'base64'");
  request.base64 = format == "base64";
  return request;
}

json parse_json_body(const std::string& text) {
  json body = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded())
    throw ApiError::invalid_request(
        "Request body is not valid JSON. We could not parse the JSON body of your request.");
  if (!body.is_object()) throw ApiError::invalid_request("Request body must be a JSON object");
  return body;
}

}  // namespace ruvllm::server
