// Sampled generations under JSON Schemas through the server's scheduler (the production decode
// path: grammar masks, the closing of unfinished grammars near the token budget, continuous
// batching), each output parsed and validated with JsonSchemaValidator. Shared by the test
// (tests/server/schema_generation_test.cpp, hundreds of generations) and the benchmark
// (bench/bench_schema_generation.cpp, thousands).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/model.h"
#include "server/scheduler.h"
#include "structured/grammar_compiler.h"
#include "structured/json_validator.h"
#include "tokenizer/tokenizer.h"

namespace ruvllm::server::test {

struct SchemaGenerationStats {
  size_t schemas = 0;
  size_t generations = 0;
  size_t valid = 0;       // finished, parsed and validated
  size_t invalid = 0;     // finished but not JSON or not valid: must stay 0
  size_t incomplete = 0;  // ended by the token budget before the grammar (finish "length")
  size_t errors = 0;      // the scheduler failed the request
  size_t tokens = 0;
  std::vector<std::string> failures;  // the first few invalid outputs and errors, explained

  void add(const SchemaGenerationStats& o) {
    schemas += o.schemas;
    generations += o.generations;
    valid += o.valid;
    invalid += o.invalid;
    incomplete += o.incomplete;
    errors += o.errors;
    tokens += o.tokens;
    for (const auto& f : o.failures)
      if (failures.size() < 20) failures.push_back(f);
  }
};

// Generates `per_schema` answers for each schema with `model_path` at temperature 1 (seeds
// `seed`, `seed + 1`...), `max_tokens` each, `n_slots` at a time.
inline SchemaGenerationStats run_schema_generations(
    const std::string& model_path, const std::vector<nlohmann::ordered_json>& schemas,
    int per_schema, int max_tokens, uint32_t seed, int n_slots = 4) {
  using namespace std::chrono_literals;
  const std::shared_ptr<const Model> model = Model::load(model_path);
  const std::unique_ptr<Tokenizer> tokenizer = Tokenizer::from_gguf(model->file());
  SchedulerParams params;
  params.n_slots = n_slots;
  params.n_ctx = 1024;
  params.prefix_cache = false;
  Scheduler scheduler(model, *tokenizer, params, nullptr, nullptr);
  structured::GrammarCompiler compiler(structured::TokenVocabulary::from_tokenizer(*tokenizer));
  const std::vector<int32_t> prompt =
      tokenizer->encode("Answer with JSON that matches the schema:", true, false);

  SchemaGenerationStats stats;
  for (size_t i = 0; i < schemas.size(); ++i) {
    const nlohmann::ordered_json& schema = schemas[i];
    ++stats.schemas;
    structured::JsonSchemaGrammarOptions options;
    options.ordered_large_objects = true;  // as the server compiles response formats
    if (i % 3 == 2)
      options.whitespace = structured::JsonSchemaGrammarOptions::Whitespace::kFlexible;
    const auto grammar = compiler.compile_json_schema(schema.dump(), options);
    const auto validator =
        structured::JsonSchemaValidator::compile(nlohmann::json::parse(schema.dump()));
    std::vector<std::shared_ptr<RequestChannel>> channels;
    for (int k = 0; k < per_schema; ++k) {
      GenerationJob job;
      job.prompt = prompt;
      job.max_tokens = max_tokens;
      job.grammar = grammar;
      job.sampling.temperature = 1.0f;
      job.sampling.seed = seed++;
      job.cache_enable = false;
      channels.push_back(scheduler.submit(std::move(job)));
    }
    for (const auto& channel : channels) {
      std::string text;
      GeneratedPiece piece;
      bool timed_out = false;
      // A wait that times out leaves `piece` as it was: only pieces read are text.
      while (channel->next(piece, 1000ms, &timed_out) || timed_out)
        if (!timed_out) text += piece.text;
      const GenerationOutcome& outcome = channel->outcome();
      ++stats.generations;
      stats.tokens += size_t(outcome.usage.completion_tokens);
      auto explain = [&](const std::string& why) {
        if (stats.failures.size() < 20)
          stats.failures.push_back(model_path + ": " + why + "\n  schema: " + schema.dump() +
                                   "\n  output: " + text);
      };
      if (outcome.error) {
        ++stats.errors;
        explain(std::string("error: ") + outcome.error->what());
        continue;
      }
      if (outcome.finish_reason == FinishReason::kLength) {
        ++stats.incomplete;
        continue;
      }
      const nlohmann::json value = nlohmann::json::parse(text, nullptr, false);
      if (value.is_discarded()) {
        ++stats.invalid;
        explain("not JSON");
        continue;
      }
      const structured::ValidationResult verdict = validator.validate(value);
      if (!verdict) {
        ++stats.invalid;
        explain("invalid: " + verdict.to_string());
        continue;
      }
      ++stats.valid;
    }
  }
  scheduler.stop();
  return stats;
}

}  // namespace ruvllm::server::test
