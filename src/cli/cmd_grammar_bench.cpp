// ruvllm grammar-bench: speed and correctness of constrained decoding.
//
//   ruvllm grammar-bench --vocab MODEL.gguf (--json-schema FILE | --grammar FILE) [--tokens N]
//       compile time, then per-token mask time while walking random valid outputs;
//   ruvllm grammar-bench --vocab MODEL.gguf --maskbench DIR [--limit N] [--cpu-clock]
//       the MaskBench protocol over DIR/*.json (see structured/maskbench.h).
// Single-threaded. --json prints one JSON object instead of a table.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "cli/command.h"
#include "cli/text_file.h"
#include "core/error.h"
#include "gguf/gguf_file.h"
#include "structured/gbnf_parser.h"
#include "structured/grammar_compiler.h"
#include "structured/grammar_matcher.h"
#include "structured/maskbench.h"
#include "tokenizer/tokenizer.h"

namespace {

using ruvllm::structured::MaskBenchReport;
using Clock = std::chrono::steady_clock;

double micros_since(Clock::time_point start) {
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
}

int run_maskbench(const std::string& dir, size_t limit, bool json, bool verbose, bool cpu_clock,
                  const ruvllm::Tokenizer& tok,
                  const std::shared_ptr<const ruvllm::structured::TokenVocabulary>& vocab,
                  const ruvllm::structured::JsonSchemaGrammarOptions& options) {
  const auto files = ruvllm::structured::maskbench_files(dir, limit);
  if (files.empty()) {
    std::fprintf(stderr, "ruvllm grammar-bench: no *.json files in %s\n", dir.c_str());
    return 2;
  }
  const MaskBenchReport r = ruvllm::structured::run_maskbench(
      files, vocab, [&](const std::string& text) { return tok.encode(text, false, false); },
      options, cpu_clock);
  const double tbm50 = MaskBenchReport::percentile(r.tbm_us, 50);
  const double tbm99 = MaskBenchReport::percentile(r.tbm_us, 99);
  const double tbm_max = MaskBenchReport::percentile(r.tbm_us, 100);
  const double ttfm50 = MaskBenchReport::percentile(r.ttfm_us, 50);
  const double ttfm99 = MaskBenchReport::percentile(r.ttfm_us, 99);
  if (verbose) {
    for (const auto& p : r.problems) std::fprintf(stderr, "%s\n", p.c_str());
  }
  if (json) {
    nlohmann::ordered_json out = {{"schemas", r.schemas},
                                  {"compiled", r.compiled},
                                  {"passing", r.passing},
                                  {"tests", r.tests},
                                  {"valid_rejected", r.valid_rejected},
                                  {"invalid_accepted", r.invalid_accepted},
                                  {"tbm_p50_us", tbm50},
                                  {"tbm_p99_us", tbm99},
                                  {"tbm_max_us", tbm_max},
                                  {"ttfm_p50_us", ttfm50},
                                  {"ttfm_p99_us", ttfm99},
                                  {"masks", r.tbm_us.size()},
                                  {"clock", cpu_clock ? "thread-cpu" : "wall"}};
    std::printf("%s\n", out.dump().c_str());
  } else {
    std::printf("MaskBench over %zu schema files (%zu tests), %s clock\n", r.schemas, r.tests,
                cpu_clock ? "thread CPU" : "wall");
    std::printf("  compiled           %zu (%.1f%%)\n", r.compiled, 100.0 * r.compiled / r.schemas);
    std::printf("  passing            %zu (%.1f%%)\n", r.passing, 100.0 * r.passing / r.schemas);
    std::printf("  valid rejected     %zu\n", r.valid_rejected);
    std::printf("  invalid accepted   %zu\n", r.invalid_accepted);
    std::printf("  TBM  p50 %.2f us  p99 %.1f us  max %.0f us  (%zu masks)\n", tbm50, tbm99,
                tbm_max, r.tbm_us.size());
    std::printf("  TTFM p50 %.1f us  p99 %.1f us\n", ttfm50, ttfm99);
  }
  return 0;
}

int run_walk(const std::shared_ptr<const ruvllm::structured::CompiledGrammar>& compiled,
             double compile_us, size_t n_tokens, bool json) {
  using ruvllm::structured::GrammarMatcher;
  const auto& vocab = compiled->vocab();
  GrammarMatcher matcher(compiled);
  std::vector<uint32_t> mask(vocab.mask_words());
  std::vector<double> times;
  std::mt19937_64 rng(1234);
  std::vector<int32_t> allowed;
  size_t sentences = 0;
  while (times.size() < n_tokens) {
    const auto t0 = Clock::now();
    matcher.fill_next_token_mask(mask.data());
    times.push_back(micros_since(t0));
    allowed.clear();
    bool eog_allowed = false;
    for (size_t id = 0; id < vocab.size(); ++id) {
      if (!((mask[id / 32] >> (id % 32)) & 1u)) continue;
      if (vocab.is_eog(static_cast<int32_t>(id))) {
        eog_allowed = true;
      } else {
        allowed.push_back(static_cast<int32_t>(id));
      }
    }
    // End when the grammar can end and either nothing else fits or a coin says so; a random
    // walk would otherwise rarely close deep structures.
    if (allowed.empty() || (eog_allowed && rng() % 4 == 0)) {
      if (!eog_allowed && allowed.empty()) {
        std::fprintf(stderr, "ruvllm grammar-bench: dead end (no token allowed)\n");
        return 1;
      }
      matcher.reset();
      ++sentences;
      continue;
    }
    const int32_t pick = allowed[rng() % allowed.size()];
    if (!matcher.accept_token(pick)) {
      std::fprintf(stderr, "ruvllm grammar-bench: mask allowed token %d but matcher refused it\n",
                   pick);
      return 1;
    }
  }
  const double p50 = MaskBenchReport::percentile(times, 50);
  const double p99 = MaskBenchReport::percentile(times, 99);
  if (json) {
    nlohmann::ordered_json out = {{"compile_us", compile_us},
                                  {"masks", times.size()},
                                  {"mask_p50_us", p50},
                                  {"mask_p99_us", p99},
                                  {"sentences", sentences}};
    std::printf("%s\n", out.dump().c_str());
  } else {
    std::printf("compile %.1f us; %zu masks: p50 %.2f us, p99 %.1f us (%zu complete outputs)\n",
                compile_us, times.size(), p50, p99, sentences);
  }
  return 0;
}

int run_grammar_bench(int argc, char** argv) {
  CLI::App app{"Benchmark constrained decoding (token masks) on a vocabulary", argv[0]};
  std::string vocab_path, schema_path, grammar_path, maskbench_dir, whitespace = "flexible";
  size_t n_tokens = 1000, limit = 0;
  bool json = false, verbose = false, cpu_clock = false;
  app.add_option("--vocab", vocab_path, "GGUF model or vocabulary-only GGUF")->required();
  auto* schema_opt = app.add_option("--json-schema", schema_path, "JSON Schema file");
  auto* grammar_opt = app.add_option("--grammar", grammar_path, "GBNF grammar file");
  auto* maskbench_opt = app.add_option("--maskbench", maskbench_dir, "MaskBench folder of *.json");
  schema_opt->excludes(grammar_opt)->excludes(maskbench_opt);
  grammar_opt->excludes(maskbench_opt);
  app.add_option("--tokens", n_tokens, "masks to time in a random walk (default 1000)");
  app.add_option("--limit", limit, "MaskBench: use N files spread over the folder (0: all)");
  app.add_option("--whitespace", whitespace, "JSON whitespace: flexible (default) or compact")
      ->check(CLI::IsMember({"flexible", "compact"}));
  app.add_flag("--json", json, "print one JSON object");
  app.add_flag("--verbose", verbose, "MaskBench: list compile failures and misclassified tests");
  app.add_flag("--cpu-clock", cpu_clock,
               "MaskBench: time by the thread's CPU clock (not inflated by other processes)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (schema_path.empty() && grammar_path.empty() && maskbench_dir.empty()) {
    std::fprintf(stderr, "ruvllm grammar-bench: give --json-schema, --grammar or --maskbench\n");
    return 2;
  }
  ruvllm::structured::JsonSchemaGrammarOptions options;
  options.whitespace = whitespace == "compact"
                           ? ruvllm::structured::JsonSchemaGrammarOptions::Whitespace::kCompact
                           : ruvllm::structured::JsonSchemaGrammarOptions::Whitespace::kFlexible;
  std::unique_ptr<ruvllm::Tokenizer> tok;
  std::shared_ptr<const ruvllm::structured::TokenVocabulary> vocab;
  try {
    auto file = ruvllm::gguf::GgufFile::open(vocab_path);
    tok = ruvllm::Tokenizer::from_gguf(*file);
    vocab = ruvllm::structured::TokenVocabulary::from_tokenizer(*tok);
  } catch (const ruvllm::Error& e) {
    std::fprintf(stderr, "ruvllm grammar-bench: %s\n", e.what());
    return 2;
  }
  if (!maskbench_dir.empty()) {
    return run_maskbench(maskbench_dir, limit, json, verbose, cpu_clock, *tok, vocab, options);
  }
  std::shared_ptr<const ruvllm::structured::CompiledGrammar> compiled;
  const auto start = Clock::now();
  try {
    ruvllm::structured::GrammarCompiler compiler(vocab);
    compiled =
        schema_path.empty()
            ? compiler.compile_gbnf(ruvllm::cli::read_text_file(grammar_path))
            : compiler.compile_json_schema(ruvllm::cli::read_text_file(schema_path), options);
  } catch (const ruvllm::Error& e) {
    std::fprintf(stderr, "ruvllm grammar-bench: %s\n", e.what());
    return 2;
  }
  const double compile_us = micros_since(start);
  try {
    return run_walk(compiled, compile_us, n_tokens, json);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ruvllm grammar-bench: %s\n", e.what());
    return 1;
  }
}

const ruvllm::cli::CommandRegistration kRegistration(
    "grammar-bench", "benchmark constrained decoding (token masks, MaskBench)", run_grammar_bench);

}  // namespace
