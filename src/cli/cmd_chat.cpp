// ruvllm chat -m MODEL: a conversation with a model in the terminal, the reply streamed as it is
// generated. Each line read is a user turn (a line ending in '\' continues on the next one);
// "/reset" starts over, "/exit" or end of input quits. Ctrl-C stops the reply being generated.
//
// Standard input need not be a terminal: piped lines are the user's turns, and only the replies
// go to stdout (one per turn, each followed by a newline), so the command can be scripted.
#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>

#include "chat/chat_template.h"
#include "chat/template_error.h"
#include "cli/chat_conversation.h"
#include "cli/command.h"
#include "cli/model_loading.h"
#include "cli/progress_bar.h"
#include "cli/text_file.h"
#include "core/error.h"
#include "core/thread_pool.h"
#include "runtime/generator.h"
#include "runtime/session.h"
#include "tokenizer/tokenizer.h"

namespace ruvllm::cli {
namespace {

std::atomic<bool> g_interrupted{false};

void on_sigint(int) {
  g_interrupted = true;
}

// Ctrl-C stops the reply instead of the program while this is alive.
class InterruptScope {
 public:
  InterruptScope() {
    g_interrupted = false;
    struct sigaction action = {};
    action.sa_handler = &on_sigint;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &previous_);
  }
  ~InterruptScope() { sigaction(SIGINT, &previous_, nullptr); }

 private:
  struct sigaction previous_ = {};
};

// Reads one user turn: a line, joined with the following ones while it ends in '\'.
bool read_turn(bool interactive, std::string* text) {
  text->clear();
  if (interactive) {
    std::fputs("\n> ", stdout);
    std::fflush(stdout);
  }
  std::string line;
  while (std::getline(std::cin, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty() && line.back() == '\\') {
      line.pop_back();
      *text += line + "\n";
      if (interactive) {
        std::fputs(". ", stdout);
        std::fflush(stdout);
      }
      continue;
    }
    *text += line;
    return true;
  }
  return !text->empty();
}

int run_chat(int argc, char** argv) {
  CLI::App app{"Chat with a model in the terminal", argv[0]};
  std::string model_path, template_file, kv_type = "f16";
  std::optional<std::string> system;
  GenerationParams gen;
  gen.max_tokens = -1;
  int threads = 0;
  int64_t n_ctx = 0;
  bool verbose = false, no_reuse = false;
  app.add_option("-m,--model", model_path, "GGUF model file")->required();
  app.add_option("--system", system, "system message");
  app.add_option("--chat-template", template_file,
                 "Jinja chat template file overriding the model's");
  app.add_option("-t,--threads", threads, "threads (0: all hardware threads)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("-c,--ctx", n_ctx, "context size (0: min(model context, 4096))")
      ->check(CLI::NonNegativeNumber);
  app.add_option("-n,--max-tokens", gen.max_tokens, "longest reply in tokens (-1: no limit)");
  app.add_option("--temp", gen.sampling.temperature, "temperature (0: greedy)")
      ->capture_default_str();
  app.add_option("--top-k", gen.sampling.top_k, "top-k (0: off)")->capture_default_str();
  app.add_option("--top-p", gen.sampling.top_p, "top-p (1: off)")->capture_default_str();
  app.add_option("--min-p", gen.sampling.min_p, "min-p (0: off)")->capture_default_str();
  app.add_option("--repeat-penalty", gen.sampling.repeat_penalty, "repetition penalty (1: off)")
      ->capture_default_str();
  app.add_option("--seed", gen.sampling.seed, "random seed (default: random)");
  app.add_option("--kv-type", kv_type, "KV cache type: f16 or f32")
      ->check(CLI::IsMember({"f16", "f32"}));
  app.add_flag("-v,--verbose", verbose, "print token counts and speeds after each reply");
  app.add_flag("--no-reuse", no_reuse,
               "evaluate the whole conversation every turn instead of reusing the KV cache");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  std::shared_ptr<const Model> model;
  std::unique_ptr<Tokenizer> tokenizer;
  std::unique_ptr<chat::ChatTemplate> chat_template;
  try {
    model = load_model_with_progress(model_path);
    tokenizer = Tokenizer::from_gguf(model->file());
    chat::ChatTemplate from_model = chat::ChatTemplate::from_gguf(model->file());
    chat_template =
        template_file.empty()
            ? std::make_unique<chat::ChatTemplate>(std::move(from_model))
            : std::make_unique<chat::ChatTemplate>(read_text_file(template_file),
                                                   from_model.bos_token(), from_model.eos_token());
  } catch (const Error& e) {
    std::fprintf(stderr, "ruvllm chat: %s\n", e.what());
    return 2;
  }

  ThreadPool pool(threads);
  SessionParams sp;
  sp.n_ctx = n_ctx;
  sp.kv_type = kv_type == "f32" ? GgmlType::F32 : GgmlType::F16;
  Session session(model, sp, &pool);
  ChatConversation conversation(session, *tokenizer, *chat_template, system, !no_reuse);

  const bool interactive = is_terminal(stdin);
  if (interactive)
    std::fprintf(stderr,
                 "ruvllm chat: %s, context %lld. Type a message; '\\' at the end of a line "
                 "continues it, /reset starts over, /exit or Ctrl-D quits, Ctrl-C stops a "
                 "reply.\n",
                 model_path.c_str(), static_cast<long long>(session.n_ctx()));

  std::string text;
  while (read_turn(interactive, &text)) {
    if (text == "/exit" || text == "/quit") break;
    if (text == "/reset") {
      conversation.reset();
      if (interactive) std::fprintf(stderr, "(conversation reset)\n");
      continue;
    }
    if (interactive && text.empty()) continue;
    ChatTurnStats stats;
    GenerationResult result;
    try {
      InterruptScope interrupt;
      result = conversation.reply(
          text, gen,
          [](std::string_view piece) {
            std::fwrite(piece.data(), 1, piece.size(), stdout);
            std::fflush(stdout);
            return !g_interrupted.load();
          },
          &stats);
    } catch (const chat::TemplateError& e) {
      std::fprintf(stderr, "ruvllm chat: the chat template rejected the conversation: %s\n",
                   e.what());
      if (!interactive) return 1;
      continue;
    } catch (const Error& e) {
      std::fprintf(stderr, "ruvllm chat: %s\n", e.what());
      if (!interactive) return 1;
      continue;
    }
    std::fputc('\n', stdout);
    std::fflush(stdout);
    if (stats.dropped_messages > 0)
      std::fprintf(stderr, "(dropped the %d oldest message%s to fit the context)\n",
                   stats.dropped_messages, stats.dropped_messages == 1 ? "" : "s");
    if (result.finish == FinishReason::Cancelled && interactive)
      std::fprintf(stderr, "(stopped)\n");
    if (result.finish == FinishReason::ContextFull)
      std::fprintf(stderr, "(the context is full; older messages will be dropped)\n");
    if (verbose) {
      const double pt = result.prompt_seconds, dt = result.decode_seconds;
      std::fprintf(stderr,
                   "[prompt: %lld reused + %lld new tokens in %.3f s; reply: %zu tokens in "
                   "%.3f s (%.1f tok/s); %s]\n",
                   static_cast<long long>(stats.reused_tokens),
                   static_cast<long long>(stats.evaluated_tokens), pt, result.tokens.size(), dt,
                   dt > 0 ? double(result.tokens.size()) / dt : 0.0,
                   std::string(finish_reason_name(result.finish)).c_str());
    }
  }
  return 0;
}

CommandRegistration reg("chat", "chat with a model in the terminal (streams replies)", run_chat);

}  // namespace
}  // namespace ruvllm::cli
