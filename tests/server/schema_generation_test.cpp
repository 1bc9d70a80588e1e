// Every answer sampled at temperature 1 under a JSON Schema parses and validates, on golden
// models of several architectures and vocabularies (random weights: the model itself knows no
// JSON). Schemas: hand-written hard cases (nesting 12 deep, a 1,000-value enum, bounded arrays,
// recursive $ref, formats, patterns) and random ones (tests/structured/random_schema.h).
// A few hundred generations here; bench/bench_schema_generation runs thousands.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>

#include "schema_generation_run.h"
#include "structured/random_schema.h"
#include "support/golden.h"

namespace ruvllm::server {
namespace {

using Json = nlohmann::ordered_json;

std::vector<Json> hard_schemas() {
  std::vector<Json> out;
  // 12 levels of objects and arrays, every level required.
  Json deep = {{"type", "integer"}, {"minimum", -5}, {"maximum", 5}};
  for (int level = 0; level < 12; ++level) {
    if (level % 2)
      deep = {{"type", "array"}, {"items", deep}, {"minItems", 1}, {"maxItems", 2}};
    else
      deep = {
          {"type", "object"},
          {"properties",
           {{"l" + std::to_string(level), deep}, {"tag", {{"type", "string"}, {"maxLength", 3}}}}},
          {"required", {"l" + std::to_string(level)}},
          {"additionalProperties", false}};
  }
  out.push_back(deep);
  Json values = Json::array();
  for (int i = 0; i < 1000; ++i) values.push_back("value-" + std::to_string(i * 7 % 1000));
  out.push_back({{"type", "object"},
                 {"properties", {{"pick", {{"enum", values}}}, {"n", {{"type", "integer"}}}}},
                 {"required", {"pick"}}});
  out.push_back({{"type", "array"},
                 {"items",
                  {{"type", "object"},
                   {"properties",
                    {{"id", {{"type", "integer"}, {"exclusiveMinimum", 0}, {"maximum", 999}}},
                     {"score", {{"type", "number"}, {"minimum", -1}, {"maximum", 1}}}}},
                   {"required", {"id", "score"}},
                   {"additionalProperties", false}}},
                 {"minItems", 2},
                 {"maxItems", 4}});
  out.push_back({{"$defs",
                  {{"node",
                    {{"type", "object"},
                     {"properties",
                      {{"name", {{"type", "string"}, {"minLength", 1}, {"maxLength", 8}}},
                       {"children", {{"type", "array"}, {"items", {{"$ref", "#/$defs/node"}}}}}}},
                     {"required", {"name"}},
                     {"additionalProperties", false}}}}},
                 {"$ref", "#/$defs/node"}});
  out.push_back({{"type", "object"},
                 {"properties",
                  {{"day", {{"type", "string"}, {"format", "date"}}},
                   {"at", {{"type", "string"}, {"format", "date-time"}}},
                   {"id", {{"type", "string"}, {"format", "uuid"}}},
                   {"mail", {{"type", "string"}, {"format", "email"}}},
                   {"ip", {{"type", "string"}, {"format", "ipv4"}}},
                   {"link", {{"type", "string"}, {"format", "uri"}}}}},
                 {"required", {"day", "at", "id", "mail", "ip", "link"}}});
  out.push_back({{"type", "object"},
                 {"properties",
                  {{"code", {{"type", "string"}, {"pattern", "^[A-Z]{2}-\\d{3,5}$"}}},
                   {"word", {{"type", "string"}, {"pattern", "^(foo|ba[rz])+.?$"}}},
                   {"kind", {{"anyOf", {{{"type", "null"}}, {{"const", {{"a", 1}}}}}}}}}},
                 {"required", {"code", "word", "kind"}}});
  return out;
}

std::vector<Json> schemas_for(uint32_t seed, int n_random) {
  std::vector<Json> out = hard_schemas();
  std::mt19937 rng(seed);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int i = 0; i < n_random; ++i)
    out.push_back(structured::test::RandomSchema(pick, pick(1, 5), i % 4 == 0 ? 10 : 0).root());
  return out;
}

class SchemaGeneration : public ::testing::TestWithParam<const char*> {};

TEST_P(SchemaGeneration, EveryFinishedAnswerValidates) {
  const auto path = ruvllm::test::golden(std::string("models/") + GetParam());
  RUVLLM_REQUIRE_GOLDEN(path);
  const test::SchemaGenerationStats stats =
      test::run_schema_generations(path.string(), schemas_for(7, 6), /*per_schema=*/4,
                                   /*max_tokens=*/200, /*seed=*/100);
  std::string failures;
  for (const auto& f : stats.failures) failures += f + "\n";
  EXPECT_EQ(stats.generations, 48u);
  EXPECT_EQ(stats.invalid, 0u) << failures;
  EXPECT_GE(stats.valid, 12u) << failures;
  // Known (scheduler, budget closing): some answers end by the token budget before the grammar
  // completes, and on some vocabularies the closing plan's re-tokenized text is rejected ("the
  // grammar rejected its own completion"). Reported, not yet asserted.
  std::printf("%s: %zu valid, %zu incomplete, %zu errors\n%s", GetParam(), stats.valid,
              stats.incomplete, stats.errors, failures.substr(0, 2000).c_str());
}

INSTANTIATE_TEST_SUITE_P(GoldenModels, SchemaGeneration,
                         ::testing::Values("stories260Ktok512.gguf", "llama-2-tiny-random.gguf",
                                           "tiny-qwen2-q8_0.gguf", "tiny-llama3-chat-q8_0.gguf",
                                           "tiny-phi3-chat-q8_0.gguf"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

}  // namespace
}  // namespace ruvllm::server
