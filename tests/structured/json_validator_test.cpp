// Tests of the JSON Schema validator.
//
// The bulk is the official JSON Schema Test Suite (golden/json-schema-test-suite): every required
// draft7 file, optional/format/*.json for the formats we assert, and the 2020-12 files of the
// newer spellings we accept. Each file is one
// parametrised test that runs every case and prints its pass count; a case fails the test unless
// it is in kKnownFailures below with a reason. Then unit tests for what the suite does not
// cover: error locations and messages, compile errors, options, 2020-12 spellings, limits.
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "core/error.h"
#include "structured/json_validator.h"
#include "structured/json_validator_format.h"
#include "structured/json_validator_uri.h"
#include "support/golden.h"

namespace ruvllm::structured {
namespace {

using nlohmann::json;

std::filesystem::path suite_dir() {
  return test::golden("json-schema-test-suite");
}

// The suite's remote documents live at http://localhost:1234/; we read them from disk.
SchemaResolver suite_resolver() {
  return [](const std::string& uri) -> std::optional<json> {
    const std::string prefix = "http://localhost:1234/";
    if (uri.rfind(prefix, 0) != 0) return std::nullopt;
    std::filesystem::path path = suite_dir() / "remotes" / uri.substr(prefix.size());
    if (!std::filesystem::exists(path)) return std::nullopt;
    return json::parse(test::read_file(path));
  };
}

// Cases that cannot pass, as "file | group | test" -> reason. Empty: all required cases pass.
const std::map<std::string, std::string>& known_failures() {
  static const std::map<std::string, std::string> failures = {};
  return failures;
}

// Required draft7 files (all of them), the optional format files for the formats we assert, and
// the 2020-12 files for the 2019-09/2020-12 spellings we accept (prefixItems, items beside it,
// dependentRequired, dependentSchemas, min/maxContains, $anchor, $defs via refRemote).
const std::vector<std::string> kSuiteFiles = {
    "draft7/additionalItems.json",
    "draft7/additionalProperties.json",
    "draft7/allOf.json",
    "draft7/anyOf.json",
    "draft7/boolean_schema.json",
    "draft7/const.json",
    "draft7/contains.json",
    "draft7/default.json",
    "draft7/definitions.json",
    "draft7/dependencies.json",
    "draft7/enum.json",
    "draft7/exclusiveMaximum.json",
    "draft7/exclusiveMinimum.json",
    "draft7/format.json",
    "draft7/if-then-else.json",
    "draft7/infinite-loop-detection.json",
    "draft7/items.json",
    "draft7/maxItems.json",
    "draft7/maxLength.json",
    "draft7/maxProperties.json",
    "draft7/maximum.json",
    "draft7/minItems.json",
    "draft7/minLength.json",
    "draft7/minProperties.json",
    "draft7/minimum.json",
    "draft7/multipleOf.json",
    "draft7/not.json",
    "draft7/oneOf.json",
    "draft7/pattern.json",
    "draft7/patternProperties.json",
    "draft7/properties.json",
    "draft7/propertyNames.json",
    "draft7/ref.json",
    "draft7/refRemote.json",
    "draft7/required.json",
    "draft7/type.json",
    "draft7/uniqueItems.json",
    "draft7/optional/format/date.json",
    "draft7/optional/format/date-time.json",
    "draft7/optional/format/time.json",
    "draft7/optional/format/email.json",
    "draft7/optional/format/hostname.json",
    "draft7/optional/format/ipv4.json",
    "draft7/optional/format/ipv6.json",
    "draft7/optional/format/uri.json",
    "draft7/optional/format/uri-reference.json",
    "draft7/optional/format/json-pointer.json",
    "draft7/optional/format/relative-json-pointer.json",
    "draft7/optional/format/regex.json",
    "draft7/optional/format/unknown.json",
    "draft2020-12/prefixItems.json",
    "draft2020-12/items.json",
    "draft2020-12/dependentRequired.json",
    "draft2020-12/dependentSchemas.json",
    "draft2020-12/minContains.json",
    "draft2020-12/maxContains.json",
    "draft2020-12/anchor.json",
    "draft2020-12/refRemote.json",
};

class OfficialSuite : public ::testing::TestWithParam<std::string> {};

TEST_P(OfficialSuite, AllCasesPass) {
  std::filesystem::path path = suite_dir() / "tests" / GetParam();
  RUVLLM_REQUIRE_GOLDEN(path);
  json groups = json::parse(test::read_file(path));
  JsonSchemaOptions options;
  options.resolver = suite_resolver();

  int total = 0, passed = 0, allowed = 0;
  for (const json& group : groups) {
    const std::string group_name = group["description"].get<std::string>();
    std::optional<JsonSchemaValidator> validator;
    std::string compile_error;
    try {
      validator = JsonSchemaValidator::compile(group["schema"], options);
    } catch (const std::exception& e) {
      compile_error = e.what();
    }
    for (const json& test_case : group["tests"]) {
      ++total;
      const std::string name =
          GetParam() + " | " + group_name + " | " + test_case["description"].get<std::string>();
      const bool expected = test_case["valid"].get<bool>();
      std::string problem;
      if (!validator) {
        problem = "schema does not compile: " + compile_error;
      } else {
        ValidationResult result = validator->validate(test_case["data"]);
        bool fast = validator->is_valid(test_case["data"]);
        if (result.valid != fast) {
          problem = "validate() and is_valid() disagree";
        } else if (result.valid != expected) {
          problem = std::string("expected ") + (expected ? "valid" : "invalid") + ", got " +
                    (result.valid ? "valid" : "invalid: " + result.to_string());
        } else if (!result.valid && result.errors.empty()) {
          problem = "invalid without an error report";
        } else if (result.valid && !result.errors.empty()) {
          problem = "valid but reports errors: " + result.to_string();
        }
      }
      if (problem.empty()) {
        ++passed;
      } else if (known_failures().count(name)) {
        ++allowed;
      } else {
        ADD_FAILURE() << name << ": " << problem;
      }
    }
  }
  std::cout << "[ suite ] " << GetParam() << ": " << passed << "/" << total << " pass";
  if (allowed) std::cout << " (" << allowed << " known failures)";
  std::cout << "\n";
  EXPECT_GT(total, 0);
}

INSTANTIATE_TEST_SUITE_P(JsonSchemaTestSuite, OfficialSuite, ::testing::ValuesIn(kSuiteFiles),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name;
                           for (char c : info.param) {
                             name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           }
                           return name;
                         });

// Real-world schemas (GitHub, Kubernetes, JSON Schema Store, Snowplow, function-calling sets)
// with instances labelled valid/invalid: every schema must compile and every label must agree.
TEST(MaskBench, CompilesEverySchemaAndAgreesWithEveryLabel) {
  std::filesystem::path dir = test::golden("maskbench");
  RUVLLM_REQUIRE_GOLDEN(dir);
  int files = 0, tests = 0, agreed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    json file = json::parse(test::read_file(entry.path()));
    ++files;
    std::optional<JsonSchemaValidator> validator;
    try {
      validator = JsonSchemaValidator::compile(file["schema"]);
    } catch (const std::exception& e) {
      ADD_FAILURE() << entry.path().filename() << ": " << e.what();
      continue;
    }
    for (const json& test_case : file.value("tests", json::array())) {
      ++tests;
      bool valid = validator->is_valid(test_case["data"]);
      if (valid == test_case["valid"].get<bool>()) {
        ++agreed;
      } else {
        ADD_FAILURE() << entry.path().filename() << ": " << test_case["description"] << " expected "
                      << test_case["valid"] << "; "
                      << validator->validate(test_case["data"]).to_string();
      }
    }
  }
  std::cout << "[ maskbench ] " << files << " schemas compiled, " << agreed << "/" << tests
            << " instance labels agree\n";
  EXPECT_GT(files, 2000);
  EXPECT_GT(tests, 5000);
}

// ---- Error reports ---------------------------------------------------------------------------

JsonSchemaValidator compile(const char* schema, JsonSchemaOptions options = {}) {
  return JsonSchemaValidator::compile(json::parse(schema), options);
}

TEST(JsonValidatorErrors, ReportsInstancePointerKeywordAndMessage) {
  auto validator = compile(R"({
    "type": "object",
    "properties": {"items": {"type": "array", "items": {
      "type": "object", "properties": {"name": {"type": "string", "maxLength": 10}}}}}})");
  ValidationResult result = validator.validate(json::parse(
      R"({"items": [{"name": "ok"}, {"name": "fine"}, {"name": "far too long a name"}]})"));
  ASSERT_FALSE(result.valid);
  ASSERT_EQ(result.errors.size(), 1u);
  const ValidationError& error = result.errors[0];
  EXPECT_EQ(error.instance_location, "/items/2/name");
  EXPECT_EQ(error.keyword, "maxLength");
  EXPECT_EQ(error.to_string(), "/items/2/name: string is longer than maxLength 10");
  EXPECT_NE(error.schema_location.find("#/properties/items/items/properties/name/maxLength"),
            std::string::npos)
      << error.schema_location;
}

TEST(JsonValidatorErrors, CollectsEveryFailureAndEscapesPointerTokens) {
  auto validator = compile(R"({
    "required": ["id", "name"],
    "properties": {"a/b": {"type": "integer"}, "c~d": {"minimum": 3}},
    "additionalProperties": false})");
  ValidationResult result = validator.validate(json::parse(R"({"a/b": "x", "c~d": 1, "zz": 0})"));
  ASSERT_FALSE(result.valid);
  std::set<std::string> lines;
  for (const auto& e : result.errors) lines.insert(e.to_string());
  EXPECT_EQ(
      lines,
      (std::set<std::string>{
          "(root): missing required property \"id\"", "(root): missing required property \"name\"",
          "/a~1b: expected integer, got string", "/c~0d: number 1 is less than minimum 3",
          "/zz: property \"zz\" is not allowed (additionalProperties is false)"}));
  EXPECT_FALSE(validator.is_valid(json::parse(R"({"a/b": "x"})")));
}

TEST(JsonValidatorErrors, AnyOfExplainsEachOption) {
  auto validator = compile(R"({"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 5}]})");
  ValidationResult result = validator.validate(3);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].keyword, "anyOf");
  EXPECT_EQ(result.errors[0].message,
            "value matches none of the 2 anyOf options; option 0: (root): expected string, got "
            "integer; option 1: (root): number 3 is less than minimum 5");
}

TEST(JsonValidatorErrors, MaxErrorsCapsTheReport) {
  JsonSchemaOptions options;
  options.max_errors = 3;
  auto validator = compile(R"({"items": {"type": "string"}})", options);
  ValidationResult result = validator.validate(json::array({1, 2, 3, 4, 5, 6}));
  EXPECT_FALSE(result.valid);
  EXPECT_EQ(result.errors.size(), 3u);
}

// ---- Semantics not (fully) pinned by the suite -----------------------------------------------

TEST(JsonValidatorSemantics, IntegerAcceptsWholeFloatsAndConstComparesNumbersByValue) {
  auto integer = compile(R"({"type": "integer"})");
  EXPECT_TRUE(integer.is_valid(json::parse("1.0")));
  EXPECT_FALSE(integer.is_valid(json::parse("1.5")));
  EXPECT_TRUE(integer.is_valid(json::parse("18446744073709551615")));
  auto constant = compile(R"({"const": {"a": [1, 2.0]}})");
  EXPECT_TRUE(constant.is_valid(json::parse(R"({"a": [1.0, 2]})")));
  EXPECT_FALSE(constant.is_valid(json::parse(R"({"a": [1, true]})")));
}

TEST(JsonValidatorSemantics, MultipleOfHandlesFloatsAndHugeIntegers) {
  auto tenth = compile(R"({"multipleOf": 0.1})");
  EXPECT_TRUE(tenth.is_valid(json::parse("0.3")));  // 0.3 / 0.1 = 2.9999999999999996
  EXPECT_FALSE(tenth.is_valid(json::parse("0.35")));
  auto seven = compile(R"({"multipleOf": 7})");
  EXPECT_TRUE(seven.is_valid(json::parse("9223372036854775807")));  // 2^63 - 1 = 7 * ...
  EXPECT_FALSE(seven.is_valid(json::parse("-9223372036854775808")));
}

TEST(JsonValidatorSemantics, LengthsCountCodePoints) {
  auto validator = compile(R"({"minLength": 3, "maxLength": 3})");
  EXPECT_TRUE(validator.is_valid("日本語"));  // 9 bytes, 3 code points
  EXPECT_TRUE(validator.is_valid("a😀b"));
  EXPECT_FALSE(validator.is_valid("ab"));
}

TEST(JsonValidatorSemantics, PatternSeesCodePointsAndIsUnanchored) {
  auto validator = compile(R"({"pattern": "^.é.$"})");
  EXPECT_TRUE(validator.is_valid("xéy"));
  EXPECT_FALSE(validator.is_valid("xey"));
  EXPECT_TRUE(compile(R"({"pattern": "b+"})").is_valid("aaabbbccc"));
}

TEST(JsonValidatorSemantics, FormatAssertionIsAnOption) {
  EXPECT_FALSE(compile(R"({"format": "date"})").is_valid("2024-02-30"));
  EXPECT_TRUE(compile(R"({"format": "date"})").is_valid("2024-02-29"));
  JsonSchemaOptions annotate_only;
  annotate_only.assert_formats = false;
  EXPECT_TRUE(compile(R"({"format": "date"})", annotate_only).is_valid("2024-02-30"));
}

TEST(JsonValidatorSemantics, UuidFormat) {
  auto uuid = compile(R"({"format": "uuid"})");
  EXPECT_TRUE(uuid.is_valid("2eb8aa08-aa98-11ea-b4aa-73b441d16380"));
  EXPECT_FALSE(uuid.is_valid("2eb8aa08-aa98-11ea-b4aa-73b441d1638"));
  EXPECT_FALSE(uuid.is_valid("2eb8aa08aa9811eab4aa73b441d16380"));
  EXPECT_FALSE(uuid.is_valid("2eb8aa08-aa98-11ea-b4aa-73b441d1638g"));
}

TEST(JsonValidatorSemantics, Draft4BooleanExclusiveBounds) {
  auto validator = compile(R"({"minimum": 1, "exclusiveMinimum": true,
                                "maximum": 3, "exclusiveMaximum": false})");
  EXPECT_FALSE(validator.is_valid(1));
  EXPECT_TRUE(validator.is_valid(1.5));
  EXPECT_TRUE(validator.is_valid(3));
}

TEST(JsonValidatorSemantics, Draft4DocumentsUseIdAndStrictIntegers) {
  auto draft4 = compile(R"({"$schema": "http://json-schema.org/draft-04/schema#",
                            "id": "https://example.com/root.json",
                            "properties": {"n": {"type": "integer"},
                                           "s": {"$id": "/elsewhere", "$ref": "#/definitions/s"}},
                            "definitions": {"s": {"type": "string"}}})");
  EXPECT_TRUE(draft4.is_valid(json::parse(R"({"n": 1, "s": "x"})")));
  EXPECT_FALSE(draft4.is_valid(json::parse(R"({"n": 1.0})")));
  EXPECT_FALSE(draft4.is_valid(json::parse(R"({"s": 1})")));
}

TEST(JsonValidatorSemantics, Accepts2020Spellings) {
  auto validator = compile(R"({
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$defs": {"name": {"type": "string", "minLength": 1}},
    "type": "object",
    "properties": {
      "pair": {"prefixItems": [{"$ref": "#/$defs/name"}, {"type": "integer"}], "items": false},
      "card": {"type": "string"}},
    "dependentRequired": {"card": ["billing"]},
    "dependentSchemas": {"card": {"required": ["cvv"]}}})");
  EXPECT_TRUE(validator.is_valid(json::parse(R"({"pair": ["a", 1]})")));
  EXPECT_FALSE(validator.is_valid(json::parse(R"({"pair": ["", 1]})")));
  EXPECT_FALSE(validator.is_valid(json::parse(R"({"pair": ["a", 1, 2]})")));
  EXPECT_FALSE(validator.is_valid(json::parse(R"({"card": "x", "cvv": 1})")));
  EXPECT_FALSE(validator.is_valid(json::parse(R"({"card": "x", "billing": 1})")));
  EXPECT_TRUE(validator.is_valid(json::parse(R"({"card": "x", "billing": 1, "cvv": 1})")));
}

TEST(JsonValidatorSemantics, RefSiblingsIgnoredInDraft7ButAppliedIn2020) {
  const char* body = R"("$defs": {"s": {"type": "string"}}, "$ref": "#/$defs/s", "maxLength": 2)";
  auto draft7 = compile((std::string("{") + body + "}").c_str());
  auto modern = compile(
      (std::string(R"({"$schema": "https://json-schema.org/draft/2020-12/schema", )") + body + "}")
          .c_str());
  EXPECT_TRUE(draft7.is_valid("long"));
  EXPECT_FALSE(modern.is_valid("long"));
  EXPECT_TRUE(modern.is_valid("ok"));
}

TEST(JsonValidatorSemantics, AnchorAndValidationAgainstTheMetaschema) {
  auto anchored = compile(R"({"$schema": "https://json-schema.org/draft/2020-12/schema",
                              "$ref": "#pos", "$defs": {"p": {"$anchor": "pos", "minimum": 0}}})");
  EXPECT_TRUE(anchored.is_valid(1));
  EXPECT_FALSE(anchored.is_valid(-1));
  auto meta = JsonSchemaValidator::compile(draft7_metaschema());
  EXPECT_TRUE(meta.is_valid(json::parse(R"({"type": "object", "required": ["a"]})")));
  EXPECT_FALSE(meta.is_valid(json::parse(R"({"type": "objekt"})")));
  EXPECT_FALSE(meta.is_valid(json::parse(R"({"minLength": -1})")));
}

TEST(JsonValidatorSemantics, ValidatorIsSharedAcrossThreads) {
  auto validator = compile(R"({"type": "array", "items": {"type": "integer", "minimum": 0}})");
  json good = json::array(), bad = json::array();
  for (int i = 0; i < 1000; ++i) good.push_back(i);
  bad = good;
  bad.push_back(-1);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        if (!validator.is_valid(good) || validator.validate(bad).errors.size() != 1) ++wrong;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
}

// ---- Bad schemas and hostile inputs ----------------------------------------------------------

void expect_compile_error(const char* schema, const std::string& fragment,
                          JsonSchemaOptions options = {}) {
  try {
    compile(schema, options);
    ADD_FAILURE() << "compiled: " << schema;
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(JsonValidatorCompile, RejectsMalformedSchemasWithClearErrors) {
  expect_compile_error(R"({"type": "strin"})", "unknown type \"strin\"");
  expect_compile_error(R"({"minLength": -1})", "minLength must be a non-negative integer");
  expect_compile_error(R"({"maxItems": "3"})", "maxItems must be a non-negative integer");
  expect_compile_error(R"({"pattern": "(unclosed"})", "pattern");
  expect_compile_error(R"({"patternProperties": {"[": {}}})", "patternProperties");
  expect_compile_error(R"({"properties": {"a": 3}})", "must be an object or a boolean");
  expect_compile_error(R"({"$ref": "#/definitions/missing"})", "points to nothing");
  expect_compile_error(R"({"$ref": "#nowhere"})", "names no schema");
  expect_compile_error(R"({"$ref": "http://example.com/other.json"})", "cannot be resolved");
  expect_compile_error(R"({"allOf": []})", "allOf must be a non-empty array");
  expect_compile_error(R"({"multipleOf": 0})", "multipleOf must be positive");
  expect_compile_error(R"({"required": "a"})", "required must be an array of strings");
  expect_compile_error("3", "must be an object or a boolean");
}

TEST(JsonValidatorCompile, ResolverSuppliesRemoteDocuments) {
  JsonSchemaOptions options;
  std::vector<std::string> asked;
  options.resolver = [&](const std::string& uri) -> std::optional<json> {
    asked.push_back(uri);
    if (uri == "https://schemas.example/common.json") {
      return json::parse(R"({"$defs": {"id": {"type": "string", "pattern": "^[a-z]+$"}}})");
    }
    return std::nullopt;
  };
  auto validator = compile(
      R"({"$id": "https://schemas.example/user.json",
          "properties": {"id": {"$ref": "common.json#/$defs/id"},
                         "alt": {"$ref": "common.json#/$defs/id"}}})",
      options);
  EXPECT_EQ(asked, std::vector<std::string>{"https://schemas.example/common.json"});
  EXPECT_TRUE(validator.is_valid(json::parse(R"({"id": "abc"})")));
  EXPECT_FALSE(validator.is_valid(json::parse(R"({"id": "ABC"})")));
}

TEST(JsonValidatorLimits, SelfReferenceWithoutProgressFailsInsteadOfLooping) {
  auto loop = compile(R"({"$ref": "#/definitions/a",
                           "definitions": {"a": {"$ref": "#/definitions/b"},
                                           "b": {"$ref": "#/definitions/a"}}})");
  ValidationResult result = loop.validate(1);
  EXPECT_FALSE(result.valid);
  ASSERT_FALSE(result.errors.empty());
  EXPECT_NE(result.errors[0].message.find("loops back"), std::string::npos);
}

TEST(JsonValidatorLimits, DeepInstancesAreRejectedNotOverflowed) {
  auto tree = compile(R"({"type": "array", "items": {"$ref": "#"}})");
  json deep = json::array();
  for (int i = 0; i < 5000; ++i) deep = json::array({std::move(deep)});
  ValidationResult result = tree.validate(deep);
  EXPECT_FALSE(result.valid);
  ASSERT_FALSE(result.errors.empty());
  EXPECT_NE(result.errors[0].message.find("deeper than"), std::string::npos);
  json shallow = json::array();
  for (int i = 0; i < 100; ++i) shallow = json::array({std::move(shallow)});
  EXPECT_TRUE(tree.is_valid(shallow));
}

TEST(JsonValidatorLimits, LongStringsDoNotOverflowTheRegexStack) {
  // std::regex recurses per character; 100k characters overflow an 8 MB stack when matched
  // in place.
  auto validator = compile(R"({"pattern": "^(a|b)*$"})");
  EXPECT_TRUE(validator.is_valid(std::string(100000, 'a')));
  EXPECT_FALSE(validator.is_valid(std::string(100000, 'a') + "c"));
}

TEST(JsonValidatorLimits, DeepSchemasAreRejectedAtCompile) {
  json schema = json::object();
  for (int i = 0; i < 3000; ++i) schema = json{{"not", std::move(schema)}};
  EXPECT_THROW(JsonSchemaValidator::compile(schema), FormatError);
}

// ---- Building blocks -------------------------------------------------------------------------

TEST(JsonValidatorUri, ResolvesTheRfc3986Examples) {
  const std::string base = "http://a/b/c/d;p?q";
  const std::pair<const char*, const char*> cases[] = {
      {"g:h", "g:h"},
      {"g", "http://a/b/c/g"},
      {"./g", "http://a/b/c/g"},
      {"g/", "http://a/b/c/g/"},
      {"/g", "http://a/g"},
      {"//g", "http://g"},
      {"?y", "http://a/b/c/d;p?y"},
      {"g?y", "http://a/b/c/g?y"},
      {"#s", "http://a/b/c/d;p?q#s"},
      {"g#s", "http://a/b/c/g#s"},
      {"", "http://a/b/c/d;p?q"},
      {".", "http://a/b/c/"},
      {"..", "http://a/b/"},
      {"../g", "http://a/b/g"},
      {"../..", "http://a/"},
      {"../../g", "http://a/g"},
      {"../../../g", "http://a/g"},
      {"/./g", "http://a/g"},
      {"g.", "http://a/b/c/g."},
      {"g/../h", "http://a/b/c/h"},
      {"g;x=1/./y", "http://a/b/c/g;x=1/y"},
  };
  for (const auto& [reference, expected] : cases) {
    EXPECT_EQ(detail::resolve_uri(base, reference), expected) << reference;
  }
  EXPECT_EQ(detail::resolve_uri("urn:uuid:deadbeef", "#/a"), "urn:uuid:deadbeef#/a");
}

TEST(JsonValidatorUri, JsonPointers) {
  EXPECT_EQ(detail::parse_json_pointer("/a~1b/c~0d//0"),
            (std::vector<std::string>{"a/b", "c~d", "", "0"}));
  EXPECT_TRUE(detail::parse_json_pointer("").empty());
  EXPECT_THROW(detail::parse_json_pointer("a"), FormatError);
  EXPECT_THROW(detail::parse_json_pointer("/a~2"), FormatError);
  EXPECT_EQ(detail::percent_decode("a%25b%22c%zz"), "a%b\"c%zz");
}

TEST(JsonValidatorFormat, PunycodeDecodesTheRfc3492Sample) {
  // RFC 3492 §7.1 (A): Arabic (Egyptian).
  std::u32string decoded;
  ASSERT_TRUE(detail::punycode_decode("egbpdaj6bu4bxfgehfvwxn", &decoded));
  const std::u32string expected = {0x0644, 0x064A, 0x0647, 0x0645, 0x0627, 0x0628,
                                   0x062A, 0x0643, 0x0644, 0x0645, 0x0648, 0x0634,
                                   0x0639, 0x0631, 0x0628, 0x064A, 0x061F};
  EXPECT_EQ(decoded, expected);
  EXPECT_FALSE(detail::punycode_decode("X", &decoded));
}

}  // namespace
}  // namespace ruvllm::structured
