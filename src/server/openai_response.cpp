#include "server/openai_response.h"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>

namespace ruvllm::server {

using nlohmann::json;

const char* finish_reason_name(FinishReason reason) {
  switch (reason) {
    case FinishReason::kStop:
      return "stop";
    case FinishReason::kLength:
      return "length";
    case FinishReason::kToolCalls:
      return "tool_calls";
  }
  return "stop";
}

json usage_json(const Usage& usage) {
  return {{"prompt_tokens", usage.prompt_tokens},
          {"completion_tokens", usage.completion_tokens},
          {"total_tokens", usage.prompt_tokens + usage.completion_tokens},
          {"prompt_tokens_details", {{"cached_tokens", usage.cached_tokens}}}};
}

ResponseIdentity new_response_identity(std::string_view id_prefix, std::string model,
                                       std::string system_fingerprint) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  ResponseIdentity identity;
  identity.id = std::string(id_prefix);
  for (int i = 0; i < 24; ++i) identity.id += kAlphabet[rng() % (sizeof kAlphabet - 1)];
  identity.created = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  identity.model = std::move(model);
  identity.system_fingerprint = std::move(system_fingerprint);
  return identity;
}

namespace {

json base_object(const ResponseIdentity& identity, const char* object) {
  return {{"id", identity.id},
          {"object", object},
          {"created", identity.created},
          {"model", identity.model},
          {"system_fingerprint", identity.system_fingerprint}};
}

json tool_calls_json(const std::vector<ToolCall>& calls) {
  json out = json::array();
  for (const ToolCall& call : calls)
    out.push_back({{"id", call.id},
                   {"type", "function"},
                   {"function", {{"name", call.name}, {"arguments", call.arguments}}}});
  return out;
}

json bytes_json(std::string_view bytes) {
  json out = json::array();
  for (unsigned char c : bytes) out.push_back(static_cast<int>(c));
  return out;
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is invalid or incomplete.
size_t utf8_sequence_length(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  size_t n;
  uint32_t cp;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  const bool overlong = (n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
  if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

}  // namespace

std::string printable_token(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (size_t i = 0; i < bytes.size();) {
    const size_t n = utf8_sequence_length(bytes, i);
    if (n > 0) {
      out.append(bytes.substr(i, n));
      i += n;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(bytes[i]));
      out += buf;
      ++i;
    }
  }
  return out;
}

json chat_logprobs_json(const std::vector<TokenLogprobInfo>& logprobs) {
  json content = json::array();
  for (const TokenLogprobInfo& info : logprobs) {
    json top = json::array();
    for (const auto& alt : info.top)
      top.push_back({{"token", printable_token(alt.token)},
                     {"logprob", alt.logprob},
                     {"bytes", bytes_json(alt.token)}});
    content.push_back({{"token", printable_token(info.token)},
                       {"logprob", info.logprob},
                       {"bytes", bytes_json(info.token)},
                       {"top_logprobs", std::move(top)}});
  }
  return {{"content", std::move(content)}};
}

json legacy_logprobs_json(const std::vector<TokenLogprobInfo>& logprobs, size_t offset_base) {
  json tokens = json::array(), token_logprobs = json::array(), top = json::array(),
       offsets = json::array();
  size_t offset = offset_base;
  for (const TokenLogprobInfo& info : logprobs) {
    tokens.push_back(printable_token(info.token));
    token_logprobs.push_back(info.logprob);
    json alternatives = json::object();
    for (const auto& alt : info.top) alternatives[printable_token(alt.token)] = alt.logprob;
    top.push_back(std::move(alternatives));
    offsets.push_back(offset);
    offset += info.token.size();
  }
  return {{"tokens", std::move(tokens)},
          {"token_logprobs", std::move(token_logprobs)},
          {"top_logprobs", std::move(top)},
          {"text_offset", std::move(offsets)}};
}

json chat_completion_json(const ResponseIdentity& identity, const ChatResult& result) {
  json message = {{"role", "assistant"}};
  // OpenAI sends null content for a turn that only calls tools.
  message["content"] =
      result.content.empty() && !result.tool_calls.empty() ? json(nullptr) : json(result.content);
  if (!result.tool_calls.empty()) message["tool_calls"] = tool_calls_json(result.tool_calls);
  json choice = {{"index", 0},
                 {"message", std::move(message)},
                 {"finish_reason", finish_reason_name(result.finish_reason)}};
  choice["logprobs"] = result.with_logprobs ? chat_logprobs_json(result.logprobs) : json(nullptr);
  json out = base_object(identity, "chat.completion");
  out["choices"] = json::array({std::move(choice)});
  out["usage"] = usage_json(result.usage);
  return out;
}

json chat_chunk_json(const ResponseIdentity& identity, json delta,
                     std::optional<FinishReason> finish_reason,
                     const std::vector<TokenLogprobInfo>* logprobs) {
  json choice = {{"index", 0}, {"delta", std::move(delta)}};
  choice["logprobs"] = logprobs ? chat_logprobs_json(*logprobs) : json(nullptr);
  choice["finish_reason"] =
      finish_reason ? json(finish_reason_name(*finish_reason)) : json(nullptr);
  json out = base_object(identity, "chat.completion.chunk");
  out["choices"] = json::array({std::move(choice)});
  return out;
}

json usage_chunk_json(const ResponseIdentity& identity, const char* object, const Usage& usage) {
  json out = base_object(identity, object);
  out["choices"] = json::array();
  out["usage"] = usage_json(usage);
  return out;
}

json text_completion_json(const ResponseIdentity& identity, const TextResult& result) {
  json choice = {{"index", 0},
                 {"text", result.text},
                 {"finish_reason", finish_reason_name(result.finish_reason)}};
  choice["logprobs"] = result.with_logprobs
                           ? legacy_logprobs_json(result.logprobs, result.offset_base)
                           : json(nullptr);
  json out = base_object(identity, "text_completion");
  out["choices"] = json::array({std::move(choice)});
  out["usage"] = usage_json(result.usage);
  return out;
}

json text_chunk_json(const ResponseIdentity& identity, const std::string& text,
                     std::optional<FinishReason> finish_reason,
                     const std::vector<TokenLogprobInfo>* logprobs, size_t offset_base) {
  json choice = {{"index", 0}, {"text", text}};
  choice["logprobs"] = logprobs ? legacy_logprobs_json(*logprobs, offset_base) : json(nullptr);
  choice["finish_reason"] =
      finish_reason ? json(finish_reason_name(*finish_reason)) : json(nullptr);
  json out = base_object(identity, "text_completion");
  out["choices"] = json::array({std::move(choice)});
  return out;
}

json model_list_json(const std::string& model_id, int64_t created) {
  json model = {
      {"id", model_id}, {"object", "model"}, {"created", created}, {"owned_by", "ruvllm"}};
  return {{"object", "list"}, {"data", json::array({std::move(model)})}};
}

namespace {

std::string base64_encode(const unsigned char* data, size_t n) {
  static constexpr char kTable[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((n + 2) / 3 * 4);
  for (size_t i = 0; i < n; i += 3) {
    const uint32_t b0 = data[i];
    const uint32_t b1 = i + 1 < n ? data[i + 1] : 0;
    const uint32_t b2 = i + 2 < n ? data[i + 2] : 0;
    const uint32_t triple = (b0 << 16) | (b1 << 8) | b2;
    out += kTable[(triple >> 18) & 63];
    out += kTable[(triple >> 12) & 63];
    out += i + 1 < n ? kTable[(triple >> 6) & 63] : '=';
    out += i + 2 < n ? kTable[triple & 63] : '=';
  }
  return out;
}

}  // namespace

json embeddings_json(const std::string& model, const std::vector<std::vector<float>>& vectors,
                     bool base64, int64_t prompt_tokens) {
  json data = json::array();
  for (size_t i = 0; i < vectors.size(); ++i) {
    json embedding;
    if (base64) {
      // float32 little-endian, as OpenAI encodes it (x86-64 is little-endian).
      std::vector<unsigned char> raw(vectors[i].size() * sizeof(float));
      if (!raw.empty()) std::memcpy(raw.data(), vectors[i].data(), raw.size());
      embedding = base64_encode(raw.data(), raw.size());
    } else {
      embedding = vectors[i];
    }
    data.push_back({{"object", "embedding"}, {"index", i}, {"embedding", std::move(embedding)}});
  }
  return {{"object", "list"},
          {"data", std::move(data)},
          {"model", model},
          {"usage", {{"prompt_tokens", prompt_tokens}, {"total_tokens", prompt_tokens}}}};
}

std::string dump_json(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string sse_event(const json& value) {
  return "data: " + dump_json(value) + "\n\n";
}

}  // namespace ruvllm::server
