#include "tools/tool_grammar.h"

#include <algorithm>

#include "core/error.h"
#include "structured/gbnf_parser.h"
#include "structured/gbnf_text.h"
#include "structured/json_schema_to_gbnf.h"
#include "structured/utf8_ranges.h"

namespace ruvllm::tools {

namespace {

using structured::GbnfExpr;

void print_expr(const GbnfExpr& e, std::string& out) {
  switch (e.kind) {
    case GbnfExpr::Kind::kSequence:
      if (e.children.empty()) {
        out += "\"\"";
        return;
      }
      out += '(';
      for (size_t i = 0; i < e.children.size(); ++i) {
        if (i) out += ' ';
        print_expr(e.children[i], out);
      }
      out += ')';
      return;
    case GbnfExpr::Kind::kAlternation:
      out += '(';
      for (size_t i = 0; i < e.children.size(); ++i) {
        if (i) out += " | ";
        print_expr(e.children[i], out);
      }
      out += ')';
      return;
    case GbnfExpr::Kind::kLiteral: {
      std::string utf8;
      for (uint32_t cp : e.code_points) structured::append_utf8(cp, utf8);
      out += structured::gbnf_literal(utf8);
      return;
    }
    case GbnfExpr::Kind::kCharClass:
      out += structured::gbnf_char_class(e.ranges, e.negated);
      return;
    case GbnfExpr::Kind::kRuleRef:
      out += e.name;
      return;
    case GbnfExpr::Kind::kRepeat:
      out += '(';
      print_expr(e.children.at(0), out);
      out += "){" + std::to_string(e.min_count) + ",";
      if (e.max_count != GbnfExpr::kUnbounded) out += std::to_string(e.max_count);
      out += '}';
      return;
  }
}

void prefix_refs(GbnfExpr& e, const std::string& prefix) {
  if (e.kind == GbnfExpr::Kind::kRuleRef) e.name = prefix + e.name;
  for (GbnfExpr& child : e.children) prefix_refs(child, prefix);
}

// Tool arguments are closed objects unless the schema says otherwise: a schema that lists its
// properties and leaves additionalProperties unsaid gets additionalProperties false in the
// grammar (the validator still reads the schema as written). Models, and random weights above
// all, otherwise wander into invented keys. Subschemas of allOf are left alone, since each may
// list only part of the object's properties.
void close_objects(nlohmann::ordered_json& schema) {
  if (!schema.is_object()) return;
  if (schema.contains("properties") && !schema.contains("additionalProperties") &&
      !schema.contains("patternProperties") && !schema.contains("allOf") &&
      !schema.contains("unevaluatedProperties"))
    schema["additionalProperties"] = false;
  for (const char* key : {"properties", "$defs", "definitions"})
    if (auto it = schema.find(key); it != schema.end() && it->is_object())
      for (auto& [name, sub] : it->items()) close_objects(sub);
  for (const char* key : {"anyOf", "oneOf", "prefixItems"})
    if (auto it = schema.find(key); it != schema.end() && it->is_array())
      for (auto& sub : *it) close_objects(sub);
  for (const char* key : {"items", "additionalItems"})
    if (auto it = schema.find(key); it != schema.end()) {
      if (it->is_array())
        for (auto& sub : *it) close_objects(sub);
      else
        close_objects(*it);
    }
}

// Numbers in tool arguments have at most 15 significant digits before the point, 15 after it
// and a 2-digit exponent: what a double (and JavaScript's JSON.parse) represents, where JSON's
// grammar allows digits without end (random weights write hundreds of them).
constexpr const char* kBoundedNumber =
    "\"-\"? (\"0\" | [1-9] [0-9]{0,14}) (\".\" [0-9]{1,15})? ([eE] [-+]? [0-9]{1,2})?";
constexpr const char* kBoundedInteger = "\"-\"? (\"0\" | [1-9] [0-9]{0,14}) (\".\" \"0\"{1,3})?";

// Caps the long repetitions of an integer range (digits of a range with an open end, which the
// schema converter allows up to 20, the zeros of "1.000") at the 15 digits above.
void cap_digit_runs(GbnfExpr& e) {
  constexpr uint32_t kMaxRun = 14;
  if (e.kind == GbnfExpr::Kind::kRepeat && e.max_count > kMaxRun)
    e.max_count = std::max<uint32_t>(e.min_count, kMaxRun);
  for (GbnfExpr& child : e.children) cap_digit_runs(child);
}

// \u escapes of UTF-16 surrogates are left out: a lone one is valid JSON text that most JSON
// parsers reject, and any character can be written raw or as a pair of its own.
constexpr const char* kEscapeWithoutSurrogates =
    "[\"\\\\/bfnrt] | \"u\" ([0-9a-cA-CeEfF] [0-9a-fA-F]{3} | [dD] [0-7] [0-9a-fA-F]{2})";

void bound_numbers(std::vector<structured::GbnfRule>& rules) {
  for (structured::GbnfRule& rule : rules) {
    if (rule.name == "jesc")
      rule.body =
          structured::parse_gbnf_rules(std::string("x ::= ") + kEscapeWithoutSurrogates).at(0).body;
    if (rule.name.starts_with("int-range")) cap_digit_runs(rule.body);
    const char* body = rule.name == "number"    ? kBoundedNumber
                       : rule.name == "integer" ? kBoundedInteger
                                                : nullptr;
    if (body) rule.body = structured::parse_gbnf_rules(std::string("x ::= ") + body).at(0).body;
  }
}

}  // namespace

std::string print_gbnf_rules(const std::vector<structured::GbnfRule>& rules) {
  std::string out;
  for (const structured::GbnfRule& rule : rules) {
    out += rule.name + " ::= ";
    print_expr(rule.body, out);
    out += '\n';
  }
  return out;
}

std::string gbnf_quote(const std::string& text) {
  return structured::gbnf_literal(text);
}

std::string gbnf_repeat(const std::string& first, const std::string& more, size_t max_more) {
  if (max_more == 0) return first;
  return "(" + first + " (" + more + "){0," + std::to_string(max_more) + "})";
}

ToolArgumentRules tool_argument_rules(const std::vector<FunctionTool>& tools) {
  ToolArgumentRules out;
  for (size_t i = 0; i < tools.size(); ++i) {
    const FunctionTool& tool = tools[i];
    nlohmann::ordered_json schema = tool.parameters;
    if (schema.is_null()) schema = nlohmann::ordered_json::object();
    if (schema.is_object() && !schema.contains("type") && !schema.contains("$ref") &&
        !schema.contains("anyOf") && !schema.contains("oneOf") && !schema.contains("allOf"))
      schema["type"] = "object";
    close_objects(schema);
    structured::JsonSchemaGrammarOptions options;
    options.whitespace = structured::JsonSchemaGrammarOptions::Whitespace::kFlexible;
    options.max_whitespace = 1;
    options.strict = tool.strict;
    options.ordered_large_objects = true;  // keys never repeat, however many are listed
    structured::SchemaGrammar grammar;
    try {
      grammar = structured::json_schema_to_gbnf(schema, options);
    } catch (const UnsupportedError& e) {
      throw UnsupportedError("tool '" + tool.name + "': " + e.what());
    } catch (const Error& e) {
      throw FormatError("tool '" + tool.name + "' has invalid parameters: " + e.what());
    }
    const std::string prefix = "t" + std::to_string(i) + "-";
    std::vector<structured::GbnfRule> rules = structured::parse_gbnf_rules(grammar.gbnf);
    bound_numbers(rules);
    for (structured::GbnfRule& rule : rules) {
      rule.name = prefix + rule.name;
      prefix_refs(rule.body, prefix);
    }
    out.rules += print_gbnf_rules(rules);
    out.rule_names.push_back(prefix + "root");
    for (const std::string& keyword : grammar.unenforced)
      out.unenforced.push_back(tool.name + ": " + keyword);
  }
  return out;
}

}  // namespace ruvllm::tools
