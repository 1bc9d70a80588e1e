// ruvllm generate -m MODEL -p PROMPT: streams a sampled continuation of the prompt to stdout and
// prints prompt and decode speeds to stderr.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "cli/command.h"
#include "core/error.h"
#include "core/thread_pool.h"
#include "model/model.h"
#include "runtime/generator.h"
#include "runtime/session.h"
#include "tokenizer/tokenizer.h"

namespace ruvllm::cli {
namespace {

int run_generate(int argc, char** argv) {
  CLI::App app{"Generate a continuation of a prompt", argv[0]};
  std::string model_path, prompt, kv_type = "f16";
  GenerationParams gen;
  gen.max_tokens = 128;
  int threads = 0;
  int64_t n_ctx = 0;
  app.add_option("-m,--model", model_path, "GGUF model file")->required();
  app.add_option("-p,--prompt", prompt, "prompt text")->required();
  app.add_option("-n,--n-predict", gen.max_tokens,
                 "tokens to generate (-1: until the context ends)");
  app.add_option("--temp", gen.sampling.temperature, "temperature (0: greedy)");
  app.add_option("--top-k", gen.sampling.top_k, "top-k (0: off)");
  app.add_option("--top-p", gen.sampling.top_p, "top-p (1: off)");
  app.add_option("--min-p", gen.sampling.min_p, "min-p (0: off)");
  app.add_option("--repeat-penalty", gen.sampling.repeat_penalty, "repetition penalty (1: off)");
  app.add_option("--seed", gen.sampling.seed, "random seed (default: random)");
  app.add_option("-t,--threads", threads, "threads (0: all hardware threads)");
  app.add_option("-c,--ctx", n_ctx, "context size (0: min(model context, 4096))");
  app.add_option("--stop", gen.stop, "stop string (repeatable)");
  app.add_option("--kv-type", kv_type, "KV cache type: f16 or f32")
      ->check(CLI::IsMember({"f16", "f32"}));
  app.add_flag("--ignore-eos", gen.ignore_eog, "keep generating past end-of-generation tokens");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (threads < 0 || n_ctx < 0) {
    std::fprintf(stderr, "ruvllm generate: --threads and --ctx must not be negative\n");
    return 2;
  }

  std::shared_ptr<const Model> model;
  std::unique_ptr<Tokenizer> tokenizer;
  try {
    model = Model::load(model_path);
    tokenizer = Tokenizer::from_gguf(model->file());
  } catch (const Error& e) {
    std::fprintf(stderr, "ruvllm generate: %s\n", e.what());
    return 2;
  }
  const std::vector<int32_t> tokens = tokenizer->encode(prompt, true, true);
  if (tokens.empty()) {
    std::fprintf(stderr, "ruvllm generate: the prompt has no tokens\n");
    return 2;
  }
  ThreadPool pool(threads);
  SessionParams sp;
  sp.n_ctx = n_ctx;
  sp.kv_type = kv_type == "f32" ? GgmlType::F32 : GgmlType::F16;
  Session session(model, sp, &pool);
  if (int64_t(tokens.size()) >= session.n_ctx()) {
    std::fprintf(stderr,
                 "ruvllm generate: the prompt (%zu tokens) does not fit the context (%lld)\n",
                 tokens.size(), (long long)session.n_ctx());
    return 2;
  }
  Generator generator(session, *tokenizer);
  auto result = generator.generate(tokens, gen, [](std::string_view piece) {
    std::fwrite(piece.data(), 1, piece.size(), stdout);
    std::fflush(stdout);
    return true;
  });
  std::fputc('\n', stdout);
  const double pt = result.prompt_seconds, dt = result.decode_seconds;
  const size_t n_gen = result.tokens.size();
  std::fprintf(stderr,
               "\nprompt: %lld tokens in %.3f s (%.1f tok/s)\n"
               "decode: %zu tokens in %.3f s (%.1f tok/s)\n"
               "finish: %s, threads %d, context %lld\n",
               (long long)result.n_prompt, pt, pt > 0 ? double(result.n_prompt) / pt : 0.0, n_gen,
               dt, dt > 0 ? double(n_gen) / dt : 0.0,
               std::string(finish_reason_name(result.finish)).c_str(), pool.size(),
               (long long)session.n_ctx());
  return 0;
}

CommandRegistration reg("generate", "generate text from a prompt (streams to stdout)",
                        run_generate);

}  // namespace
}  // namespace ruvllm::cli
