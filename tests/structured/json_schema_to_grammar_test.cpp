// The direct path from JSON Schema to Grammar (json_schema_to_grammar, build_grammar over rule
// bodies) against the text round trip it replaces: the grammar must be the same, rule for rule
// and byte set for byte set, for hand-written GBNF shapes, schemas and the golden MaskBench set.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "structured/gbnf_parser.h"
#include "structured/grammar_builder.h"
#include "structured/json_schema_to_gbnf.h"
#include "structured/maskbench.h"
#include "support/golden.h"

namespace ruvllm::structured {
namespace {

// Grammar::to_string prints every rule with its byte sets spelled out, so equal strings (and
// roots) mean equal grammars.
std::string describe(const Grammar& g) {
  return "root " + std::to_string(g.root()) + "\n" + g.to_string();
}

// The rules of `gbnf` (one rule per line) as (name, body) pairs.
std::vector<std::pair<std::string, std::string>> split_rules(const std::string& gbnf) {
  std::vector<std::pair<std::string, std::string>> rules;
  size_t start = 0;
  while (start < gbnf.size()) {
    size_t end = gbnf.find('\n', start);
    if (end == std::string::npos) end = gbnf.size();
    const std::string line = gbnf.substr(start, end - start);
    const size_t op = line.find(" ::= ");
    if (op != std::string::npos) rules.emplace_back(line.substr(0, op), line.substr(op + 5));
    start = end + 1;
  }
  return rules;
}

TEST(BuildGrammarFromBodies, EqualsParsingTheText) {
  // Shapes where trees collapse: a body or group that is only an alternation gives its
  // alternatives to the rule (no helper), nested groups, groups under repetition, empty
  // alternatives, helpers made in reading order (nested before enclosing).
  const char* grammars[] = {
      "root ::= (\"a\" | \"b\")\n",
      "root ::= ((\"a\" | \"b\"))\n",
      "root ::= ((\"a\" | \"b\")) \"c\"\n",
      "root ::= (\"a\" | \"b\")* \"c\" (\"d\" (\"e\" | \"f\") | \"g\")+\n",
      "root ::= \"x\" | (\"y\" | \"z\") | \n",
      "root ::= \"x\" (\"a\" (\"c\" | \"d\") | \"b\") (\"a\" (\"c\" | \"d\") | \"b\") \"y\"\n",
      "root ::= ( \"a\" b ){2,4} [^\"\\\\\\x00-\\x1F] . [a-c\\u00e9]? b{0,3}\nb ::= \"q\" | \"\"\n",
      "root ::= x\nx ::= ((\"a\" | \"b\")? (\"c\" | x))\n",
      "root ::= () \"a\" ( ) (\"\")*\n",
  };
  for (const char* text : grammars) {
    EXPECT_EQ(describe(build_grammar(split_rules(text), "root")), describe(parse_gbnf(text)))
        << text;
  }
}

TEST(BuildGrammarFromBodies, ReportsErrors) {
  const std::vector<std::pair<std::string, std::string>> undefined = {{"root", "\"a\" nowhere"}};
  EXPECT_THROW(build_grammar(undefined, "root"), FormatError);
  const std::vector<std::pair<std::string, std::string>> syntax = {{"root", "\"a\" )"}};
  EXPECT_THROW(build_grammar(syntax, "root"), FormatError);
  const std::vector<std::pair<std::string, std::string>> twice = {{"root", "\"a\""},
                                                                  {"root", "\"b\""}};
  EXPECT_THROW(build_grammar(twice, "root"), FormatError);
  const std::vector<std::pair<std::string, std::string>> left = {{"root", "root \"a\" | \"b\""}};
  EXPECT_THROW(build_grammar(left, "root"), FormatError);
  EXPECT_THROW(build_grammar(undefined, "start"), FormatError);
}

// Compares both paths for one schema under `options`; both must throw alike or agree.
void expect_same(const nlohmann::ordered_json& schema, const JsonSchemaGrammarOptions& options,
                 const std::string& what) {
  std::optional<std::string> text_error, direct_error;
  std::string text_grammar, direct_grammar;
  std::vector<std::string> text_unenforced, direct_unenforced;
  try {
    const SchemaGrammar g = json_schema_to_gbnf(schema, options);
    text_grammar = describe(parse_gbnf(g.gbnf));
    text_unenforced = g.unenforced;
  } catch (const std::exception& e) {
    text_error = e.what();
  }
  try {
    const JsonSchemaGrammar g = json_schema_to_grammar(schema, options);
    direct_grammar = describe(g.grammar);
    direct_unenforced = g.unenforced;
  } catch (const std::exception& e) {
    direct_error = e.what();
  }
  ASSERT_EQ(text_error, direct_error) << what;
  EXPECT_EQ(text_grammar, direct_grammar) << what;
  EXPECT_EQ(text_unenforced, direct_unenforced) << what;
}

std::vector<JsonSchemaGrammarOptions> option_sets() {
  JsonSchemaGrammarOptions compact, flexible, ordered;
  flexible.whitespace = JsonSchemaGrammarOptions::Whitespace::kFlexible;
  ordered.ordered_large_objects = true;
  ordered.max_tracked_required = 2;
  return {compact, flexible, ordered};
}

TEST(JsonSchemaToGrammar, EqualsParsingTheGbnf) {
  const char* schemas[] = {
      R"({})",
      R"(true)",
      R"({"type":"object","properties":{"name":{"type":"string","minLength":2,"maxLength":5},
          "age":{"type":"integer","minimum":0,"maximum":150},"tags":{"type":"array",
          "items":{"enum":["a","b\"c",null,1.5]},"minItems":1,"maxItems":3}},
          "required":["name"],"additionalProperties":false})",
      R"({"type":"object","properties":{"a":{"const":{"x":[1,2]}},"b":{"type":"number",
          "exclusiveMinimum":-2.5},"c":{"type":"string","pattern":"^[a-z]{2,4}(-[0-9]+)?$"},
          "d":{"type":"string","format":"date-time"},"é":{"type":["string","null"]}},
          "patternProperties":{"^x-":{"type":"boolean"}}})",
      R"({"$defs":{"node":{"type":"object","properties":{"value":{"type":"integer"},
          "children":{"type":"array","items":{"$ref":"#/$defs/node"}}}}},
          "anyOf":[{"$ref":"#/$defs/node"},{"type":"array","prefixItems":[{"type":"string"},
          {"type":"number"}],"items":false}]})",
      R"({"type":"object","properties":{"k1":{},"k2":{},"k3":{},"k4":{},"k5":{},"k6":{},
          "k7":{},"k8":{}},"required":["k1","k5"]})",
      R"({"type":"string","pattern":"^(\\d{3})[^\\s\\u00e9]+.*$"})",
      R"({"type":"array","items":{"type":"string","maxLength":100}})",
  };
  for (const char* text : schemas) {
    const auto schema = nlohmann::ordered_json::parse(text);
    for (const auto& options : option_sets()) expect_same(schema, options, text);
  }
  for (bool object_only : {false, true}) {
    for (const auto& options : option_sets()) {
      EXPECT_EQ(describe(any_json_grammar(object_only, options).grammar),
                describe(parse_gbnf(any_json_gbnf(object_only, options).gbnf)));
    }
  }
}

TEST(JsonSchemaToGrammar, EqualsParsingTheGbnfOnGoldenMaskBench) {
  const auto dir = test::golden("maskbench");
  RUVLLM_REQUIRE_GOLDEN(dir);
  const auto files = maskbench_files(dir, maskbench_files(dir, 0).size() / 10);
  ASSERT_GT(files.size(), 200u);
  JsonSchemaGrammarOptions flexible;
  flexible.whitespace = JsonSchemaGrammarOptions::Whitespace::kFlexible;
  for (const auto& path : files) {
    const auto doc = nlohmann::ordered_json::parse(test::read_file(path));
    expect_same(doc.at("schema"), flexible, path.filename().string());
  }
}

}  // namespace
}  // namespace ruvllm::structured
