#include "cli/chat_conversation.h"

#include <algorithm>

#include "core/error.h"

namespace ruvllm::cli {

using nlohmann::ordered_json;

ChatConversation::ChatConversation(Session& session, const Tokenizer& tokenizer,
                                   const chat::ChatTemplate& chat_template,
                                   std::optional<std::string> system, bool reuse_cache)
    : session_(session),
      tokenizer_(tokenizer),
      template_(chat_template),
      system_(std::move(system)),
      reuse_cache_(reuse_cache) {
  reset();
}

void ChatConversation::reset() {
  messages_ = ordered_json::array();
  if (system_) messages_.push_back({{"role", "system"}, {"content", *system_}});
}

std::vector<int32_t> ChatConversation::render_prompt() const {
  const std::string text = template_.apply(messages_, ordered_json(), true);
  // Templates usually write the BOS token themselves; the tokenizer adds one too when the
  // vocabulary asks for it, so the template's copy is dropped rather than doubled.
  std::string_view body = text;
  const std::string& bos = template_.bos_token();
  if (tokenizer_.add_bos() && !bos.empty() && body.substr(0, bos.size()) == bos)
    body.remove_prefix(bos.size());
  return tokenizer_.encode(body, /*add_special=*/true, /*parse_special=*/true);
}

int ChatConversation::drop_oldest_exchange() {
  const size_t first = system_ ? 1 : 0;
  // Keep the newest message (the user's question being answered).
  if (messages_.size() <= first + 1) return 0;
  // Drop the oldest user message and the assistant reply that followed it.
  size_t end = first + 1;
  while (end < messages_.size() - 1 && messages_[end]["role"] != "user") ++end;
  messages_.erase(messages_.begin() + std::ptrdiff_t(first),
                  messages_.begin() + std::ptrdiff_t(end));
  return int(end - first);
}

GenerationResult ChatConversation::reply(const std::string& user_text,
                                         const GenerationParams& params,
                                         const TextCallback& on_text, ChatTurnStats* stats) {
  ChatTurnStats local;
  ChatTurnStats& s = stats ? *stats : local;
  s = ChatTurnStats{};
  const ordered_json before = messages_;
  messages_.push_back({{"role", "user"}, {"content", user_text}});

  // Room for the reply: what --max-tokens asks for, and at least a quarter of the context (at
  // most 512 tokens) when the reply length is open.
  const int64_t n_ctx = session_.n_ctx();
  const int64_t room = params.max_tokens >= 0 ? std::min<int64_t>(params.max_tokens, n_ctx / 2)
                                              : std::min<int64_t>(512, n_ctx / 4);
  std::vector<int32_t> prompt;
  try {
    for (;;) {
      prompt = render_prompt();
      if (prompt.empty()) throw Error("the chat template rendered an empty prompt");
      if (int64_t(prompt.size()) + room <= n_ctx) break;
      const int dropped = drop_oldest_exchange();
      if (dropped == 0) {
        throw Error("the message (" + std::to_string(prompt.size()) +
                    " prompt tokens) does not fit the context of " + std::to_string(n_ctx) +
                    " tokens with room for a reply");
      }
      s.dropped_messages += dropped;
    }
  } catch (...) {
    messages_ = before;  // a turn that cannot be answered leaves the history as it was
    throw;
  }

  // Keep the longest prefix the cache already holds; at least one token must be evaluated so
  // the session has fresh logits for the first reply token.
  const std::vector<int32_t>& cached = session_.tokens();
  size_t common = 0;
  if (reuse_cache_) {
    const auto mismatch = std::mismatch(cached.begin(), cached.end(), prompt.begin(), prompt.end());
    common = size_t(mismatch.first - cached.begin());
    common = std::min(common, prompt.size() - 1);
  }
  try {
    session_.truncate(int64_t(common));
  } catch (const Error&) {
    // Some models' state (LFM2's convolution) cannot be rewound to an arbitrary position.
    session_.clear();
    common = 0;
  }
  s.reused_tokens = int64_t(common);
  s.evaluated_tokens = int64_t(prompt.size() - common);

  Generator generator(session_, tokenizer_);
  GenerationResult result =
      generator.generate(std::span<const int32_t>(prompt).subspan(common), params, on_text);
  messages_.push_back({{"role", "assistant"}, {"content", result.text}});
  return result;
}

}  // namespace ruvllm::cli
