#include "structured/json_schema_to_gbnf.h"

#include <algorithm>

#include "structured/gbnf_parser.h"
#include "structured/grammar_builder.h"
#include "structured/schema_converter.h"

namespace ruvllm::structured {

SchemaGrammar json_schema_to_gbnf(const nlohmann::ordered_json& schema,
                                  const JsonSchemaGrammarOptions& options) {
  schema_detail::SchemaConverter converter(schema, options);
  const std::string root = converter.visit(schema, "");
  converter.set_root(root);
  return {converter.rules_text(), std::move(converter.unenforced)};
}

JsonSchemaGrammar json_schema_to_grammar(const nlohmann::ordered_json& schema,
                                         const JsonSchemaGrammarOptions& options) {
  schema_detail::SchemaConverter converter(schema, options);
  const std::string root = converter.visit(schema, "");
  converter.set_root(root);
  const auto& rules = converter.rules();
  // Bodies are one line each (literals escape newlines); if one were not, only the text, where
  // a rule may continue on the next line, would say what it means.
  const bool one_line = std::none_of(rules.begin(), rules.end(), [](const auto& rule) {
    return rule.second.find_first_of("\r\n") != std::string::npos;
  });
  Grammar grammar = one_line ? build_grammar(rules, "root") : parse_gbnf(converter.rules_text());
  return {std::move(grammar), std::move(converter.unenforced)};
}

namespace {

nlohmann::ordered_json any_json_schema(bool object_only) {
  return object_only ? nlohmann::ordered_json{{"type", "object"}}
                     : nlohmann::ordered_json::object();
}

}  // namespace

SchemaGrammar any_json_gbnf(bool object_only, const JsonSchemaGrammarOptions& options) {
  return json_schema_to_gbnf(any_json_schema(object_only), options);
}

JsonSchemaGrammar any_json_grammar(bool object_only, const JsonSchemaGrammarOptions& options) {
  return json_schema_to_grammar(any_json_schema(object_only), options);
}

}  // namespace ruvllm::structured
