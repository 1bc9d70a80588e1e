// Property tests of schema-constrained decoding: rapidcheck generates JSON Schemas over every
// keyword the converter enforces (types, enum up to 1,000 values, const, properties, required,
// additionalProperties, items, prefixItems, item and length bounds, patterns, formats, integer
// and number bounds, anyOf, oneOf of disjoint types, allOf of objects, $ref/$defs with recursion,
// nesting 10+ deep), compiles each to a grammar and walks the matcher at random (uniformly among
// the allowed tokens, then completing the grammar once the step budget is spent). Every walk
// output must parse as JSON and validate against the schema with JsonSchemaValidator.
//
// CI size: rapidcheck's default 100 schemas per property with a few walks each (a few thousand
// walks in all). RUVLLM_SCHEMA_WALKS=<walks per schema> and RC_PARAMS="max_success=N" scale it.
#include <gtest/gtest.h>

#if RUVLLM_HAVE_RAPIDCHECK
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "matcher_support.h"
#include "random_schema.h"
#include "schema_walk.h"
#include "structured/compiled_grammar.h"
#include "structured/gbnf_parser.h"
#include "structured/json_schema_to_gbnf.h"
#include "structured/json_validator.h"
#include "structured/token_vocabulary.h"
#include "support/golden.h"
#include "tokenizer/tokenizer.h"

namespace ruvllm::structured {
namespace {

using Json = nlohmann::ordered_json;

int walks_per_schema(int ci_default) {
  if (const char* env = std::getenv("RUVLLM_SCHEMA_WALKS")) return std::max(1, std::atoi(env));
  return ci_default;
}

// Rapidcheck's choices drive the schema generator, so failing schemas shrink.
int pick(int lo, int hi) {  // [lo, hi]
  return *rc::gen::inRange(lo, hi + 1);
}
bool chance(int percent) {
  return pick(0, 99) < percent;
}

Json random_schema(int max_depth, int min_depth = 0) {
  return test::RandomSchema(pick, max_depth, min_depth).root();
}

struct SchemaCheck {
  size_t walks = 0, unfinished = 0;
};

// Compiles `schema`, walks it `walks` times over `vocab` and checks every output.
void walk_and_validate(const Json& schema, std::shared_ptr<const TokenVocabulary> vocab, int walks,
                       size_t budget, SchemaCheck& stats, bool flexible = false) {
  JsonSchemaGrammarOptions options;
  options.ordered_large_objects = true;  // as generation compiles schemas (server, CLI)
  if (flexible) options.whitespace = JsonSchemaGrammarOptions::Whitespace::kFlexible;
  RC_LOG() << "schema: " << schema.dump() << "\n";
  const bool debug = std::getenv("RUVLLM_SCHEMA_DEBUG") != nullptr;
  const auto started = std::chrono::steady_clock::now();
  if (debug) std::fprintf(stderr, "schema %s\n", schema.dump().substr(0, 300).c_str());
  const SchemaGrammar g = json_schema_to_gbnf(schema, options);
  for (const auto& u : g.unenforced) {
    // oneOf is only noted for exclusivity, which the generated branches have by their types.
    RC_ASSERT(u.rfind("oneOf (exclusivity)", 0) == 0);
  }
  auto compiled = std::make_shared<const CompiledGrammar>(parse_gbnf(g.gbnf), vocab);
  const auto validator = JsonSchemaValidator::compile(nlohmann::json::parse(schema.dump()));
  std::mt19937 rng(*rc::gen::arbitrary<uint32_t>());
  const std::string hints = schema.dump();
  if (debug)
    std::fprintf(
        stderr, "  compiled %.1f ms\n",
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count());
  for (int w = 0; w < walks; ++w) {
    if (debug)
      std::fprintf(
          stderr, "  walk %d at %.1f ms\n", w,
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
              .count());
    GrammarMatcher m(compiled);
    const test::WalkResult r = test::random_walk(m, rng, budget, hints);
    ++stats.walks;
    if (!r.problem.empty()) {
      RC_LOG() << "grammar:\n" << g.gbnf << "\ntext so far: " << r.text << "\n";
      RC_FAIL(r.problem);
    }
    if (!r.complete) {
      ++stats.unfinished;
      RC_LOG() << "unfinished: " << r.text << "\n";
      continue;
    }
    nlohmann::json value;
    try {
      value = nlohmann::json::parse(r.text);
    } catch (const std::exception& e) {
      RC_LOG() << "grammar:\n" << g.gbnf << "\n";
      RC_FAIL("not JSON: " + r.text + "\n" + e.what());
    }
    const ValidationResult verdict = validator.validate(value);
    if (!verdict) {
      RC_LOG() << "grammar:\n" << g.gbnf << "\n";
      RC_FAIL("invalid output: " + r.text + "\n" + verdict.to_string());
    }
  }
}

std::shared_ptr<const TokenVocabulary> bytes() {
  static const auto v = test::byte_vocab();
  return v;
}

RC_GTEST_PROP(SchemaWalks, ByteWalksValidate, ()) {
  SchemaCheck stats;
  const Json schema = random_schema(/*max_depth=*/pick(1, 6));
  walk_and_validate(schema, bytes(), walks_per_schema(6), /*budget=*/pick(4, 120), stats,
                    chance(30));
  RC_TAG(stats.unfinished == 0 ? "all walks finished" : "some walks unfinished");
}

RC_GTEST_PROP(SchemaWalks, DeepSchemasValidate, ()) {
  SchemaCheck stats;
  const Json schema = random_schema(/*max_depth=*/pick(11, 14), /*min_depth=*/pick(10, 12));
  walk_and_validate(schema, bytes(), walks_per_schema(4), /*budget=*/pick(10, 200), stats);
  RC_TAG(stats.unfinished == 0 ? "all walks finished" : "some walks unfinished");
}

// Token walks over a real 32k vocabulary: multi-byte tokens cross structure boundaries.
RC_GTEST_PROP(SchemaWalks, TokenWalksValidate, ()) {
  static const std::shared_ptr<const TokenVocabulary> vocab = [] {
    const auto path = ruvllm::test::golden("models/tiny-llama-q8_0.gguf");
    if (!std::filesystem::exists(path)) return std::shared_ptr<const TokenVocabulary>();
    auto file = gguf::GgufFile::open(path.string());
    auto tok = Tokenizer::from_gguf(*file);
    return TokenVocabulary::from_tokenizer(*tok);
  }();
  RC_PRE(vocab != nullptr);
  SchemaCheck stats;
  const Json schema = random_schema(/*max_depth=*/pick(1, 5));
  walk_and_validate(schema, vocab, walks_per_schema(4), /*budget=*/pick(2, 60), stats, chance(30));
  RC_TAG(stats.unfinished == 0 ? "all walks finished" : "some walks unfinished");
}

}  // namespace
}  // namespace ruvllm::structured

#endif  // RUVLLM_HAVE_RAPIDCHECK
