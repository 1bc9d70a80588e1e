#include "tools/call_text.h"

#include "structured/json_repair.h"
#include "tools/python_json.h"
#include "tools/tool_grammar.h"

namespace ruvllm::tools::detail {

using nlohmann::ordered_json;

namespace {

// The end of the bracketed value starting at `start` (quotes and escapes respected), or npos
// when the text ends first.
size_t balanced_end(std::string_view text, size_t start) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = start; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) return i + 1;
    }
  }
  return std::string_view::npos;
}

}  // namespace

std::optional<JsonSpan> read_json(std::string_view text, size_t pos) {
  if (pos >= text.size()) return std::nullopt;
  const size_t start = text.find_first_of("{[", pos);
  if (start == std::string_view::npos) return std::nullopt;
  // Well-formed JSON (what constrained decoding produces) is read exactly; anything else is
  // repaired from this bracket on.
  const size_t end = balanced_end(text, start);
  if (end != std::string_view::npos) {
    auto value = ordered_json::parse(text.substr(start, end - start), nullptr, false);
    if (!value.is_discarded()) return JsonSpan{std::move(value), start, end};
  }
  const std::string_view rest =
      text.substr(start, end == std::string_view::npos ? end : end - start);
  auto repaired = structured::repair_json(rest);
  if (!repaired || repaired->begin != 0) return std::nullopt;
  return JsonSpan{std::move(repaired->value), start, start + repaired->end};
}

std::optional<ToolCall> make_call(const std::string& name, const ordered_json& arguments) {
  if (name.empty()) return std::nullopt;
  ordered_json args = arguments;
  if (args.is_null()) args = ordered_json::object();
  if (args.is_string()) {
    const std::string text = args.get<std::string>();
    if (trim(text).empty()) {
      args = ordered_json::object();
    } else {
      auto repaired = structured::repair_json(text);
      if (!repaired) return std::nullopt;
      args = std::move(repaired->value);
    }
  }
  if (!args.is_object()) return std::nullopt;
  return ToolCall{new_tool_call_id(), name, args.dump()};
}

std::optional<ToolCall> call_from_object(const ordered_json& object, const char* name_key) {
  if (!object.is_object()) return std::nullopt;
  auto name = object.find(name_key);
  if (name == object.end() || !name->is_string()) return std::nullopt;
  for (const char* key : {"arguments", "parameters"}) {
    auto args = object.find(key);
    if (args != object.end()) return make_call(name->get<std::string>(), *args);
  }
  return make_call(name->get<std::string>(), ordered_json::object());
}

ordered_json arguments_object(const ToolCall& call) {
  ordered_json args = ordered_json::parse(call.arguments, nullptr, false);
  if (args.is_discarded() || !args.is_object()) return ordered_json::object();
  return args;
}

std::string_view trim(std::string_view text) {
  const size_t b = text.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const size_t e = text.find_last_not_of(" \t\r\n");
  return text.substr(b, e - b + 1);
}

void add_content(ParsedOutput& out, std::string_view text) {
  out.content += text;
}

ordered_json arguments_as_strings(ordered_json messages) {
  for (ordered_json& message : messages) {
    if (!message.contains("tool_calls")) continue;
    for (ordered_json& call : message["tool_calls"]) {
      ordered_json& args = call["function"]["arguments"];
      if (!args.is_string()) args = python_json_dumps(args);
    }
  }
  return messages;
}

std::string call_alternatives(const CallGrammarInput& input, const std::string& before,
                              const std::string& between, const std::string& after) {
  std::string out = "(";
  for (size_t i = 0; i < input.names.size(); ++i) {
    if (i) out += " | ";
    out += gbnf_quote(before + input.names[i] + between) + " " + input.args_rules[i];
    if (!after.empty()) out += " " + gbnf_quote(after);
  }
  return out + ")";
}

}  // namespace ruvllm::tools::detail
