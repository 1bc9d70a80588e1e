#include "chat/chat_template.h"

#include "gguf/gguf_file.h"

namespace ruvllm::chat {

const char* const kChatMlTemplate =
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + "
    "message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}"
    "{{ '<|im_start|>assistant\\n' }}{% endif %}";

namespace {

std::string choose_source(const std::optional<std::string>& source) {
  return source && !source->empty() ? *source : std::string(kChatMlTemplate);
}

// The text of a special token named by `<key>` (a token id) in the GGUF vocabulary, or "".
std::string token_text(const gguf::GgufFile& file, const char* id_key) {
  auto id = file.get_int(id_key);
  if (!id || *id < 0) return "";
  auto tokens = file.get_string_array("tokenizer.ggml.tokens");
  if (!tokens || static_cast<size_t>(*id) >= tokens->size()) return "";
  return std::string((*tokens)[static_cast<size_t>(*id)]);
}

}  // namespace

ChatTemplate::ChatTemplate(std::optional<std::string> source, std::string bos_token,
                           std::string eos_token)
    : source_(choose_source(source)),
      bos_token_(std::move(bos_token)),
      eos_token_(std::move(eos_token)),
      template_(Template::parse(source_)) {}

ChatTemplate ChatTemplate::from_gguf(const gguf::GgufFile& file) {
  return ChatTemplate(file.get_string("tokenizer.chat_template"),
                      token_text(file, "tokenizer.ggml.bos_token_id"),
                      token_text(file, "tokenizer.ggml.eos_token_id"));
}

std::string ChatTemplate::apply(const nlohmann::ordered_json& messages,
                                const nlohmann::ordered_json& tools, bool add_generation_prompt,
                                const nlohmann::ordered_json& extra,
                                const RenderOptions& options) const {
  nlohmann::ordered_json context = nlohmann::ordered_json::object();
  context["messages"] = messages.is_null() ? nlohmann::ordered_json::array() : messages;
  context["tools"] = tools;
  context["documents"] = nullptr;
  context["add_generation_prompt"] = add_generation_prompt;
  context["bos_token"] = bos_token_;
  context["eos_token"] = eos_token_;
  if (extra.is_object()) {
    for (auto it = extra.begin(); it != extra.end(); ++it) context[it.key()] = it.value();
  }
  return template_.render(context, options);
}

}  // namespace ruvllm::chat
