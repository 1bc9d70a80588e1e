#include "structured/json_schema_to_gbnf.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "matcher_support.h"

namespace ruvllm::structured {
namespace {

using test::accepts;
using test::compile;

struct Case {
  const char* schema;
  std::vector<const char*> valid;
  std::vector<const char*> invalid;
};

void check(const Case& c, JsonSchemaGrammarOptions::Whitespace ws =
                              JsonSchemaGrammarOptions::Whitespace::kFlexible) {
  JsonSchemaGrammarOptions opts;
  opts.whitespace = ws;
  const SchemaGrammar sg = json_schema_to_gbnf(nlohmann::ordered_json::parse(c.schema), opts);
  auto g = compile(sg.gbnf);
  for (const char* v : c.valid)
    EXPECT_TRUE(accepts(g, v)) << c.schema << "\nvalid: " << v << "\n" << sg.gbnf;
  for (const char* v : c.invalid) EXPECT_FALSE(accepts(g, v)) << c.schema << "\ninvalid: " << v;
}

TEST(JsonSchemaToGbnf, ScalarTypes) {
  check({R"({"type":"string"})",
         {R"("")", R"("a b")", R"("\u00e9\n\"")", "\"h\xC3\xA9\""},
         {R"(a)", R"("a)", "\"\x01\"", R"("\x")", "1"}});
  // Integers are plain integers in the grammar (no "1.0", "-5.000..."), though the validator
  // accepts them: a sampling model must not be able to write zeros until its budget runs out.
  check({R"({"type":"integer"})",
         {"0", "-12", "12345678901234567890"},
         {"01", "1.5", "1.0", "-5.000", "1e3", "\"1\"", "-"}});
  check({R"({"type":"number"})", {"0", "-1.5", "2e10", "3.25E-4"}, {".5", "1.", "+1", "NaN"}});
  check({R"({"type":"boolean"})", {"true", "false"}, {"True", "1"}});
  check({R"({"type":"null"})", {"null"}, {"nul", "\"null\""}});
  check({R"({"type":["string","null"]})", {"null", "\"x\""}, {"1"}});
  check({R"({"type":"string","nullable":true})", {"null", "\"x\""}, {"1"}});
}

TEST(JsonSchemaToGbnf, StringLengthsCountCodePoints) {
  check({R"({"type":"string","minLength":2,"maxLength":3})",
         {R"("ab")", R"("abc")", "\"\xC3\xA9\xC3\xA9\"", R"("a\n")"},
         {R"("a")", R"("abcd")", "\"\xC3\xA9\""}});
}

TEST(JsonSchemaToGbnf, Formats) {
  check({R"({"type":"string","format":"date-time"})",
         {R"("2024-02-29T12:30:00Z")", R"("2024-02-29T12:30:00.123+02:00")"},
         {R"("2024-13-01T00:00:00Z")", R"("2024-02-29")", R"("2024-02-29T25:00:00Z")"}});
  check({R"({"type":"string","format":"uuid"})",
         {R"("123e4567-e89b-12d3-a456-426614174000")"},
         {R"("123e4567e89b12d3a456426614174000")"}});
  check({R"({"type":"string","format":"ipv4"})",
         {R"("192.168.0.255")"},
         {R"("256.1.1.1")", R"("1.2.3")"}});
  check({R"({"type":"string","format":"email"})",
         {R"("a.b+c@example.com")"},
         {R"("a@")", R"("@b.c")"}});
  check({R"({"type":"string","format":"date"})", {R"("1999-12-31")"}, {R"("1999-12-32")"}});
}

TEST(JsonSchemaToGbnf, IntegerAndNumberBounds) {
  check({R"({"type":"integer","minimum":-3,"exclusiveMaximum":100})",
         {"-3", "0", "99"},
         {"-4", "100", "1000", "5.0", "-3.00"}});
  check({R"({"type":"number","minimum":0,"maximum":1})",
         {"0", "0.25", "1", "1.0"},
         {"-0.1", "1.01", "2"}});
  check({R"({"type":"integer","minimum":1,"exclusiveMinimum":true})", {"2", "15"}, {"1", "0"}});
}

TEST(JsonSchemaToGbnf, EnumAndConst) {
  check({R"({"enum":["red","green",null,3,{"a":[1,2]}]})",
         {R"("red")", "null", "3", R"({"a": [1, 2]})", R"({"a":[1,2]})"},
         {R"("blue")", "4", R"({"a": [2, 1]})"}});
  check({R"({"const":"x\"y"})", {R"("x\"y")"}, {R"("xy")"}});
}

TEST(JsonSchemaToGbnf, ObjectsAnyOrderRequiredAndAdditional) {
  const Case strict = {
      R"({"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"string"}},"required":["a"],"additionalProperties":false})",
      {R"({"a": 1})", R"({"a": 1, "b": "x"})", R"({"b": "x", "a": 1})", R"({"a":1,"b":"x"})"},
      {R"({})", R"({"b": "x"})", R"({"a": "1"})", R"({"a": 1, "c": 2})", R"({"a": 1, "a": 2})"}};
  check(strict);
  const Case open = {
      R"({"type":"object","properties":{"a":{"type":"integer"}},"required":["a"]})",
      {R"({"a": 1, "c": [true]})", R"({"zz": null, "a": 1})", R"({"ab": "s", "a": 2})"},
      {R"({"a": "x"})", R"({"c": 1})", R"({"a": 1, "a": "s"})"}};
  check(open);
  check({R"({"type":"object","additionalProperties":{"type":"number"}})",
         {R"({})", R"({"x": 1, "y": 2.5})"},
         {R"({"x": "s"})"}});
  check(
      {R"({"type":"object","patternProperties":{"^x-":{"type":"integer"}},"additionalProperties":false})",
       {R"({"x-a": 1})", R"({})"},
       {R"({"y": 1})", R"({"x-a": "s"})"}});
  check({R"({"type":"object","minProperties":1})", {R"({"a": 1})"}, {R"({})"}});
}

// An optional key, a listed one or a required one is written at most once: the grammar tracks
// which listed keys the object holds, in any order up to max_tracked_required of them, in the
// schema's order beyond.
TEST(JsonSchemaToGbnf, ObjectsNeverRepeatAListedKey) {
  check(
      {R"({"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"string"}},"additionalProperties":false})",
       {R"({})", R"({"b": "x"})", R"({"b": "x", "a": 1})", R"({"a": 1, "b": "y"})"},
       {R"({"b": "x", "b": "y"})", R"({"a": 1, "b": "x", "b": "y"})", R"({"a": 1, "a": 1})",
        R"({"b": "x", "a": 1, "b": "x"})"}});
  check(
      {R"({"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"string"}},"required":["a"]})",
       {R"({"a": 1, "zz": 2, "b": "x", "yy": 3})", R"({"zz": 2, "a": 1})"},
       {R"({"a": 1, "b": "x", "b": "y"})", R"({"b": "x", "zz": 1, "b": "x", "a": 1})"}});
  // Eight listed keys, more than the six tracked as a set: with ordered_large_objects the
  // schema's order, each once, the required ones always, other keys after them; without, any
  // order (valid instances are never rejected) with the required ones tracked.
  const char* many = R"({"type":"object","properties":{
      "k1":{"type":"integer"},"k2":{"type":"integer"},"k3":{"type":"integer"},
      "k4":{"type":"integer"},"k5":{"type":"integer"},"k6":{"type":"integer"},
      "k7":{"type":"integer"},"k8":{"type":"integer"}},"required":["k2","k7"]})";
  JsonSchemaGrammarOptions opts;
  opts.whitespace = JsonSchemaGrammarOptions::Whitespace::kFlexible;
  opts.ordered_large_objects = true;
  const SchemaGrammar ordered = json_schema_to_gbnf(nlohmann::ordered_json::parse(many), opts);
  EXPECT_TRUE(ordered.unenforced.empty());
  auto g = compile(ordered.gbnf);
  for (const char* v : {R"({"k2": 1, "k7": 2})", R"({"k1": 0, "k2": 1, "k5": 3, "k7": 2, "k8": 4})",
                        R"({"k2": 1, "k7": 2, "other": true})"})
    EXPECT_TRUE(accepts(g, v)) << v;
  for (const char* v :
       {R"({"k2": 1})", R"({"k7": 2, "k2": 1})", R"({"k1": 0, "k1": 0, "k2": 1, "k7": 2})",
        R"({"k2": 1, "k3": 1, "k3": 1, "k7": 2})", R"({"k2": 1, "k7": 2, "k8": 1, "k8": 1})",
        R"({})"})
    EXPECT_FALSE(accepts(g, v)) << v;
  check({many,
         {R"({"k7": 2, "k2": 1})", R"({"k8": 0, "k2": 1, "k1": 3, "k7": 2})"},
         {R"({"k2": 1})", R"({"k7": 2, "k7": 2})"}});
}

TEST(JsonSchemaToGbnf, Arrays) {
  check({R"({"type":"array","items":{"type":"integer"},"minItems":1,"maxItems":3})",
         {"[1]", "[1, 2, 3]", "[1,2]"},
         {"[]", "[1, 2, 3, 4]", "[\"a\"]"}});
  check({R"({"type":"array","prefixItems":[{"type":"string"},{"type":"integer"}],"items":false})",
         {R"([])", R"(["a"])", R"(["a", 1])"},
         {R"([1])", R"(["a", 1, 2])"}});
  check({R"({"type":"array","items":[{"type":"string"}],"additionalItems":{"type":"boolean"}})",
         {R"(["a", true, false])"},
         {R"(["a", 1])"}});
}

TEST(JsonSchemaToGbnf, CombinatorsAndReferences) {
  check({R"({"anyOf":[{"type":"string"},{"type":"integer","minimum":5}]})",
         {R"("s")", "7"},
         {"3", "null"}});
  check({R"({"allOf":[{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]},
                      {"properties":{"b":{"type":"integer"}},"required":["b"]}]})",
         {R"({"a": "x", "b": 1})"},
         {R"({"a": "x"})", R"({"b": 1})"}});
  check(
      {R"({"$defs":{"node":{"type":"object","properties":{"v":{"type":"integer"},"next":{"$ref":"#/$defs/node"}},"required":["v"],"additionalProperties":false}},"$ref":"#/$defs/node"})",
       {R"({"v": 1, "next": {"v": 2, "next": {"v": 3}}})"},
       {R"({"v": 1, "next": {}})"}});
  check(
      {R"({"definitions":{"s":{"type":"string"}},"type":"array","items":{"$ref":"#/definitions/s"}})",
       {R"(["a", "b"])"},
       {R"([1])"}});
  check({R"({"oneOf":[{"type":"boolean"},{"type":"null"}]})", {"true", "null"}, {"0"}});
}

TEST(JsonSchemaToGbnf, KeywordsBesideRefFollowTheDraft) {
  // Draft 7 ignores "required" next to "$ref"; 2020-12 applies it.
  check(
      {R"({"definitions":{"o":{"type":"object"}},"type":"object","properties":{"w":{"$ref":"#/definitions/o","required":["x"]}}})",
       {R"({"w": {}})"},
       {R"({"w": 1})"}});
  check(
      {R"({"$schema":"https://json-schema.org/draft/2020-12/schema","$defs":{"o":{"type":"object"}},"type":"object","properties":{"w":{"$ref":"#/$defs/o","required":["x"]}}})",
       {R"({"w": {"x": 1}})"},
       {R"({"w": {}})"}});
}

TEST(JsonSchemaToGbnf, NoTypeAllowsEveryType) {
  check({R"({"properties":{"a":{"type":"integer"}}})",
         {R"({"a": 1})", "5", R"("s")", "[1]"},
         {R"({"a": "s"})"}});
  check({"true", {"1", R"({"x": [null]})"}, {"", "nope"}});
  check({"false", {}, {"1", "null", "{}"}});
}

TEST(JsonSchemaToGbnf, GeneratedRuleNamesNeverShadowBaseRules) {
  // The inner object's member rule is created before the generic "member" base rule is needed
  // (by "b"'s additional properties); the two must stay distinct.
  check(
      {R"({"type":"object","properties":{"a":{"type":"object","properties":{"x":{"type":"integer"}},"additionalProperties":false},"b":{"type":"object"}}})",
       {R"({"b": {"k": "s"}})", R"({"a": {"x": 1}, "b": {"x": [true]}})"},
       {R"({"a": {"k": 1}})"}});
}

TEST(JsonSchemaToGbnf, CompactWhitespace) {
  check({R"({"type":"object","properties":{"a":{"type":"array"}}})",
         {R"({"a":[1,2]})"},
         {R"({"a": [1,2]})", R"({"a":[1, 2]})"}},
        JsonSchemaGrammarOptions::Whitespace::kCompact);
}

TEST(JsonSchemaToGbnf, UnenforcedKeywordsAreListedOrRejectedInStrictMode) {
  const auto schema = nlohmann::ordered_json::parse(
      R"({"type":"array","uniqueItems":true,"items":{"type":"integer","multipleOf":3}})");
  const SchemaGrammar g = json_schema_to_gbnf(schema);
  ASSERT_EQ(g.unenforced.size(), 2u);
  EXPECT_NE(g.unenforced[0].find("uniqueItems"), std::string::npos);
  EXPECT_NE(g.unenforced[1].find("multipleOf at /items"), std::string::npos);
  JsonSchemaGrammarOptions strict;
  strict.strict = true;
  EXPECT_THROW(json_schema_to_gbnf(schema, strict), UnsupportedError);
}

TEST(JsonSchemaToGbnf, MalformedSchemasThrowFormatError) {
  for (const char* s : {R"({"type":"strin"})", R"({"$ref":"#/nowhere"})", R"({"type":5})", "3",
                        R"({"enum":"x"})"}) {
    EXPECT_THROW(json_schema_to_gbnf(nlohmann::ordered_json::parse(s)), FormatError) << s;
  }
}

TEST(JsonSchemaToGbnf, AnyJsonMode) {
  auto g = compile(any_json_gbnf(true).gbnf);
  EXPECT_TRUE(accepts(g, R"({"a":[1,{"b":null}],"c":"d"})"));
  EXPECT_FALSE(accepts(g, "[1]"));
  EXPECT_FALSE(accepts(g, R"({"a":})"));
}

}  // namespace
}  // namespace ruvllm::structured
