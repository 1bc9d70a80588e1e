#include "structured/json_schema_to_gbnf.h"

#include "structured/schema_converter.h"

namespace ruvllm::structured {

SchemaGrammar json_schema_to_gbnf(const nlohmann::ordered_json& schema,
                                  const JsonSchemaGrammarOptions& options) {
  schema_detail::SchemaConverter converter(schema, options);
  const std::string root = converter.visit(schema, "");
  converter.set_root(root);
  return {converter.rules_text(), std::move(converter.unenforced)};
}

SchemaGrammar any_json_gbnf(bool object_only, const JsonSchemaGrammarOptions& options) {
  const nlohmann::ordered_json schema =
      object_only ? nlohmann::ordered_json{{"type", "object"}} : nlohmann::ordered_json::object();
  return json_schema_to_gbnf(schema, options);
}

}  // namespace ruvllm::structured
