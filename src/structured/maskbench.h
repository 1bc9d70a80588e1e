// The MaskBench protocol (guidance-ai/jsonschemabench): how well and how fast a constrained
// decoder accepts valid JSON instances and rejects invalid ones, token by token.
//
// For each schema file: compile the schema and compute the first mask (time to first mask,
// TTFM). For each test instance: reset the matcher, tokenize its `text` without BOS, and for
// every token compute the full vocabulary mask (time per mask, TBM) and commit the token. A
// valid instance must have every token allowed and be allowed to end; an invalid one must be
// refused at some token or not be allowed to end. A schema passes when it compiles and all its
// tests are classified right. Used by `ruvllm grammar-bench --maskbench` and the CI sample test.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "structured/json_schema_to_gbnf.h"
#include "structured/token_vocabulary.h"

namespace ruvllm::structured {

struct MaskBenchReport {
  size_t schemas = 0;
  size_t compiled = 0;
  size_t passing = 0;
  size_t tests = 0;
  size_t valid_rejected = 0;
  size_t invalid_accepted = 0;
  std::vector<double> tbm_us;         // every mask computation
  std::vector<double> ttfm_us;        // per compiled schema
  std::vector<std::string> problems;  // one line per compile failure or misclassified test

  // The p-th percentile (0..100) of `values` (0 when empty).
  static double percentile(std::vector<double> values, double p);
};

using TextEncoder = std::function<std::vector<int32_t>(const std::string& text)>;

// *.json files of `dir` in name order; with limit > 0, `limit` files spread evenly over them.
std::vector<std::filesystem::path> maskbench_files(const std::filesystem::path& dir, size_t limit);

// Runs the protocol over `files`. Never throws for a bad schema or file (it is counted and
// described in `problems`). Times are wall-clock, or with `cpu_clock` the thread's CPU time (which
// time slices taken by other processes on a loaded machine do not inflate).
MaskBenchReport run_maskbench(const std::vector<std::filesystem::path>& files,
                              const std::shared_ptr<const TokenVocabulary>& vocab,
                              const TextEncoder& encode, const JsonSchemaGrammarOptions& options,
                              bool cpu_clock = false);

}  // namespace ruvllm::structured
