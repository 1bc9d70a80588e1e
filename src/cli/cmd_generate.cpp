// ruvllm generate -m MODEL -p PROMPT: streams a sampled continuation of the prompt to stdout and
// prints prompt and decode speeds to stderr. With --json-schema or --grammar, every sampled token
// is constrained by the grammar (src/structured), and the finished JSON is checked against the
// schema for the keywords a grammar cannot enforce.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/text_file.h"
#include "core/error.h"
#include "core/thread_pool.h"
#include "model/model.h"
#include "runtime/generator.h"
#include "runtime/session.h"
#include "structured/grammar_compiler.h"
#include "structured/grammar_matcher.h"
#include "structured/json_validator.h"
#include "tokenizer/tokenizer.h"

namespace ruvllm::cli {
namespace {

// The grammar that constrains a generation, its matcher and, for a schema, the validator of the
// finished output.
struct OutputConstraint {
  std::shared_ptr<const structured::CompiledGrammar> grammar;
  std::optional<structured::GrammarMatcher> matcher;
  std::optional<structured::JsonSchemaValidator> validator;
  std::vector<uint32_t> mask;
};

std::unique_ptr<OutputConstraint> make_constraint(const Tokenizer& tokenizer,
                                                  const std::string& schema_file,
                                                  const std::string& grammar_file, bool strict) {
  if (schema_file.empty() && grammar_file.empty()) return nullptr;
  auto c = std::make_unique<OutputConstraint>();
  structured::GrammarCompiler compiler(structured::TokenVocabulary::from_tokenizer(tokenizer));
  if (!schema_file.empty()) {
    const std::string schema_text = read_text_file(schema_file);
    nlohmann::json schema;
    try {
      schema = nlohmann::json::parse(schema_text);
    } catch (const nlohmann::json::exception& e) {
      throw FormatError(schema_file + " is not JSON: " + e.what());
    }
    structured::JsonSchemaGrammarOptions options;
    options.strict = strict;
    options.ordered_large_objects = true;  // every "required" enforced, as the server does
    c->grammar = compiler.compile_json_schema(schema_text, options);
    c->validator = structured::JsonSchemaValidator::compile(schema);
    for (const std::string& keyword : c->grammar->unenforced)
      std::fprintf(stderr, "ruvllm generate: not enforced while decoding (checked after): %s\n",
                   keyword.c_str());
  } else {
    c->grammar = compiler.compile_gbnf(read_text_file(grammar_file));
  }
  c->matcher.emplace(c->grammar);
  c->mask.assign(size_t(tokenizer.n_vocab() + 31) / 32, 0);
  return c;
}

// A constrained output must be complete (the grammar ended it) and, for a schema, valid.
int check_constrained_output(const OutputConstraint& c, const GenerationResult& result) {
  if (!c.matcher->is_terminated() && !c.matcher->can_terminate()) {
    std::fprintf(stderr,
                 "ruvllm generate: the output is incomplete (%s before the grammar ended); "
                 "raise -n or --ctx\n",
                 std::string(finish_reason_name(result.finish)).c_str());
    return 1;
  }
  if (!c.validator) return 0;
  nlohmann::json value;
  try {
    value = nlohmann::json::parse(result.text);
  } catch (const nlohmann::json::exception& e) {
    std::fprintf(stderr, "ruvllm generate: the output is not JSON: %s\n", e.what());
    return 1;
  }
  const structured::ValidationResult verdict = c.validator->validate(value);
  if (verdict) return 0;
  std::fprintf(stderr, "ruvllm generate: the output does not validate:\n%s\n",
               verdict.to_string().c_str());
  return 1;
}

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
  std::string schema_file, grammar_file;
  bool strict = false;
  auto* schema_opt =
      app.add_option("--json-schema", schema_file, "constrain the output to this JSON Schema");
  app.add_option("--grammar", grammar_file, "constrain the output to this GBNF grammar")
      ->excludes(schema_opt);
  app.add_flag("--strict", strict,
               "with --json-schema: refuse schemas with keywords decoding cannot enforce");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (gen.ignore_eog && (!schema_file.empty() || !grammar_file.empty())) {
    std::fprintf(stderr, "ruvllm generate: --ignore-eos cannot be used with a grammar\n");
    return 2;
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
  std::unique_ptr<OutputConstraint> constraint;
  try {
    constraint = make_constraint(*tokenizer, schema_file, grammar_file, strict);
  } catch (const Error& e) {
    std::fprintf(stderr, "ruvllm generate: %s\n", e.what());
    return 2;
  }
  if (constraint) {
    gen.allowed_tokens = [c = constraint.get()] {
      c->matcher->fill_next_token_mask(c->mask.data());
      return c->mask.data();
    };
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
  auto on_text = [](std::string_view piece) {
    std::fwrite(piece.data(), 1, piece.size(), stdout);
    std::fflush(stdout);
    return true;
  };
  auto on_token = [c = constraint.get()](int32_t token) {
    if (c && !c->matcher->accept_token(token))
      throw Error("the grammar rejected a token its mask allowed");
    return true;
  };
  GenerationResult result;
  try {
    result = generator.generate(tokens, gen, on_text, on_token);
  } catch (const Error& e) {
    std::fprintf(stderr, "\nruvllm generate: %s\n", e.what());
    return 1;
  }
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
  if (constraint) return check_constrained_output(*constraint, result);
  return 0;
}

CommandRegistration reg("generate", "generate text from a prompt (streams to stdout)",
                        run_generate);

}  // namespace
}  // namespace ruvllm::cli
