// A conversation with a model held in one Session, for `ruvllm chat`.
//
// Every turn renders the whole history with the model's chat template, as a server would for a
// stateless request, but evaluates only what the KV cache does not already hold: the rendered
// tokens are compared with the session's tokens and the session is cut back to their common
// prefix (usually everything up to the new user message). The reply is generated after it and
// joins the history as the assistant's message.
//
// When the history no longer fits the context with room for a reply, the oldest exchanges are
// dropped (a system message is kept).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "chat/chat_template.h"
#include "runtime/generator.h"
#include "runtime/session.h"
#include "tokenizer/tokenizer.h"

namespace ruvllm::cli {

struct ChatTurnStats {
  int64_t reused_tokens = 0;     // prompt tokens the KV cache already held
  int64_t evaluated_tokens = 0;  // prompt tokens evaluated for this turn
  int dropped_messages = 0;      // old messages dropped to make room
};

class ChatConversation {
 public:
  // `system` (optional) becomes the first message. `reuse_cache` false re-evaluates the whole
  // history every turn (a check on the reuse, and a way around a model whose state cannot be
  // rewound).
  ChatConversation(Session& session, const Tokenizer& tokenizer,
                   const chat::ChatTemplate& chat_template, std::optional<std::string> system,
                   bool reuse_cache = true);

  // Adds a user message and generates the reply, streaming its text to `on_text`. Throws Error
  // when the message alone does not fit the context (it is not kept) and TemplateError when the
  // template rejects the conversation (the message is not kept either).
  GenerationResult reply(const std::string& user_text, const GenerationParams& params,
                         const TextCallback& on_text, ChatTurnStats* stats = nullptr);

  // Forgets the history (the system message stays). The KV cache is kept: the next turn reuses
  // whatever prefix still matches, such as the system prompt.
  void reset();

  const nlohmann::ordered_json& messages() const { return messages_; }

 private:
  std::vector<int32_t> render_prompt() const;
  // Drops the oldest exchange after the system message; returns how many messages went (0 when
  // only the newest message is left).
  int drop_oldest_exchange();

  Session& session_;
  const Tokenizer& tokenizer_;
  const chat::ChatTemplate& template_;
  std::optional<std::string> system_;
  bool reuse_cache_;
  nlohmann::ordered_json messages_ = nlohmann::ordered_json::array();
};

}  // namespace ruvllm::cli
