// End-to-end decode speed with and without a JSON Schema: the same prompt and sampler, N tokens
// decoded unconstrained and N tokens under the schema's grammar (mask computed before every
// sample, token accepted after), alternating over several rounds. Prints tok/s of both, the
// overhead in percent, and the time spent in the grammar (mask + accept) per token.
//
//   bench_structured_decode [--model /tmp/smol-q8.gguf] [-n 256] [--rounds 3] [--threads 0]
//                           [--schema FILE] [--temp 1] [--json]
//
// The default schema is an array of at least 60 small objects (strings, bounded integers,
// booleans), so the grammar never ends before N tokens and both runs decode at the same
// positions.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/thread_pool.h"
#include "model/model.h"
#include "runtime/generator.h"
#include "runtime/session.h"
#include "structured/grammar_compiler.h"
#include "structured/grammar_matcher.h"
#include "tokenizer/tokenizer.h"

namespace {

using namespace ruvllm;
using Clock = std::chrono::steady_clock;

const char* kDefaultSchema = R"({
  "type": "array", "minItems": 60,
  "items": {
    "type": "object",
    "properties": {
      "name": {"type": "string", "maxLength": 12},
      "qty": {"type": "integer", "minimum": 0, "maximum": 1000},
      "ok": {"type": "boolean"},
      "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3}
    },
    "required": ["name", "qty", "ok"],
    "additionalProperties": false
  }
})";

struct RunResult {
  size_t tokens = 0;
  double decode_seconds = 0;
  double grammar_seconds = 0;  // mask + accept, inside decode_seconds
  int restarts = 0;            // constrained generations that ended before N tokens
};

// Decodes `n` tokens after `prompt`; with a grammar, restarts when the grammar ends early.
RunResult decode(const std::shared_ptr<const Model>& model, const Tokenizer& tokenizer,
                 ThreadPool& pool, const std::vector<int32_t>& prompt, int n, float temp,
                 uint32_t seed, const std::shared_ptr<const structured::CompiledGrammar>& grammar) {
  RunResult out;
  while (out.tokens < size_t(n)) {
    SessionParams sp;
    sp.n_ctx = int64_t(prompt.size()) + n + 8;
    Session session(model, sp, &pool);
    Generator generator(session, tokenizer);
    GenerationParams gen;
    gen.max_tokens = n - int(out.tokens);
    gen.sampling.temperature = temp;
    gen.sampling.seed = seed++;
    std::optional<structured::GrammarMatcher> matcher;
    std::vector<uint32_t> mask(size_t(tokenizer.n_vocab() + 31) / 32);
    double grammar_seconds = 0;
    if (grammar) {
      matcher.emplace(grammar);
      gen.allowed_tokens = [&] {
        const auto t0 = Clock::now();
        matcher->fill_next_token_mask(mask.data());
        grammar_seconds += std::chrono::duration<double>(Clock::now() - t0).count();
        return mask.data();
      };
    } else {
      gen.ignore_eog = true;
    }
    auto on_token = [&](int32_t token) {
      if (!matcher) return true;
      const auto t0 = Clock::now();
      const bool ok = matcher->accept_token(token);
      grammar_seconds += std::chrono::duration<double>(Clock::now() - t0).count();
      if (!ok) throw Error("the grammar rejected a token its mask allowed");
      return true;
    };
    const GenerationResult r = generator.generate(prompt, gen, {}, on_token);
    out.tokens += r.tokens.size();
    out.decode_seconds += r.decode_seconds;
    out.grammar_seconds += grammar_seconds;
    if (out.tokens < size_t(n)) ++out.restarts;
  }
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Decode speed with and without a JSON Schema"};
  std::string model_path = "/tmp/smol-q8.gguf", schema_path;
  int n = 256, rounds = 3, threads = 0;
  float temp = 1.0f;
  bool as_json = false;
  app.add_option("--model", model_path, "GGUF model")->capture_default_str();
  app.add_option("-n", n, "tokens decoded per run")->capture_default_str();
  app.add_option("--rounds", rounds, "alternating rounds of both runs")->capture_default_str();
  app.add_option("--threads", threads, "threads (0: hardware threads)")->capture_default_str();
  app.add_option("--schema", schema_path, "JSON Schema file (default: built-in)");
  app.add_option("--temp", temp, "temperature (0: greedy)")->capture_default_str();
  app.add_flag("--json", as_json, "print one JSON object");
  CLI11_PARSE(app, argc, argv);

  try {
    const auto model = Model::load(model_path);
    const auto tokenizer = Tokenizer::from_gguf(model->file());
    ThreadPool pool(threads);
    structured::GrammarCompiler compiler(structured::TokenVocabulary::from_tokenizer(*tokenizer));
    const std::string schema = schema_path.empty() ? kDefaultSchema : read_file(schema_path);
    const auto t0 = Clock::now();
    const auto grammar = compiler.compile_json_schema(schema);
    const double compile_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    const std::vector<int32_t> prompt =
        tokenizer->encode("List the items of the order as JSON:", true, false);

    // Warm-up: page in the weights and the grammar's position masks.
    decode(model, *tokenizer, pool, prompt, 16, temp, 1, nullptr);
    decode(model, *tokenizer, pool, prompt, 16, temp, 1, grammar);

    RunResult plain, constrained;
    for (int r = 0; r < rounds; ++r) {
      const RunResult a = decode(model, *tokenizer, pool, prompt, n, temp, 1000 + r, nullptr);
      const RunResult b = decode(model, *tokenizer, pool, prompt, n, temp, 1000 + r, grammar);
      plain.tokens += a.tokens;
      plain.decode_seconds += a.decode_seconds;
      constrained.tokens += b.tokens;
      constrained.decode_seconds += b.decode_seconds;
      constrained.grammar_seconds += b.grammar_seconds;
      constrained.restarts += b.restarts;
    }
    const double plain_tps = double(plain.tokens) / plain.decode_seconds;
    const double constrained_tps = double(constrained.tokens) / constrained.decode_seconds;
    const double overhead = (plain_tps / constrained_tps - 1.0) * 100.0;
    const double grammar_us = constrained.grammar_seconds * 1e6 / double(constrained.tokens);
    const double grammar_share = constrained.grammar_seconds / constrained.decode_seconds * 100.0;
    if (as_json) {
      nlohmann::json j = {{"model", model_path},
                          {"tokens_per_run", n},
                          {"rounds", rounds},
                          {"threads", pool.size()},
                          {"compile_ms", compile_ms},
                          {"plain_tok_s", plain_tps},
                          {"schema_tok_s", constrained_tps},
                          {"overhead_percent", overhead},
                          {"grammar_us_per_token", grammar_us},
                          {"grammar_share_percent", grammar_share},
                          {"restarts", constrained.restarts}};
      std::printf("%s\n", j.dump().c_str());
    } else {
      std::printf("model %s, %d tokens x %d rounds, %d threads, schema compiled in %.2f ms\n",
                  model_path.c_str(), n, rounds, pool.size(), compile_ms);
      std::printf("without schema: %8.2f tok/s\n", plain_tps);
      std::printf("with schema:    %8.2f tok/s  (restarts: %d)\n", constrained_tps,
                  constrained.restarts);
      std::printf("overhead:       %8.2f %%\n", overhead);
      std::printf("grammar (mask + accept): %.1f us/token, %.2f %% of decode time\n", grammar_us,
                  grammar_share);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_structured_decode: %s\n", e.what());
    return 1;
  }
  return 0;
}
