// Turning a conversation into a model's prompt with the model's own chat template.
//
// ChatTemplate wraps a parsed Template with the variables transformers' apply_chat_template
// passes: messages, tools (None when there are none), documents (None), add_generation_prompt,
// bos_token and eos_token, plus any extra variables (e.g. a request's chat_template_kwargs).
// Models whose GGUF has no `tokenizer.chat_template` get ChatML.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "chat/template.h"

namespace ruvllm::gguf {
class GgufFile;
}

namespace ruvllm::chat {

// ChatML, transformers' historical default template.
extern const char* const kChatMlTemplate;

class ChatTemplate {
 public:
  // `source` absent or empty selects ChatML. Throws TemplateSyntaxError for a bad template.
  ChatTemplate(std::optional<std::string> source, std::string bos_token, std::string eos_token);

  // The template of a GGUF model (`tokenizer.chat_template`) with its BOS/EOS token texts.
  static ChatTemplate from_gguf(const gguf::GgufFile& file);

  // Renders the prompt. `messages` is an array of {role, content, ...} objects; `tools` is null
  // or an array of tool definitions; `extra` (null or an object) adds or overrides variables.
  // Throws TemplateError when the template raises (e.g. it rejects a system message).
  std::string apply(const nlohmann::ordered_json& messages, const nlohmann::ordered_json& tools,
                    bool add_generation_prompt,
                    const nlohmann::ordered_json& extra = nlohmann::ordered_json(),
                    const RenderOptions& options = {}) const;

  const std::string& source() const { return source_; }
  const std::string& bos_token() const { return bos_token_; }
  const std::string& eos_token() const { return eos_token_; }

 private:
  std::string source_;
  std::string bos_token_;
  std::string eos_token_;
  Template template_;
};

}  // namespace ruvllm::chat
