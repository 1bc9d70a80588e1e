#include "tools/python_json.h"

#include "structured/gbnf_text.h"

namespace ruvllm::tools {

namespace {

void dump(const nlohmann::ordered_json& value, std::string& out) {
  switch (value.type()) {
    case nlohmann::ordered_json::value_t::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, member] : value.items()) {
        if (!first) out += ", ";
        first = false;
        out += '"' + structured::json_escape_contents(key) + "\": ";
        dump(member, out);
      }
      out += '}';
      return;
    }
    case nlohmann::ordered_json::value_t::array: {
      out += '[';
      for (size_t i = 0; i < value.size(); ++i) {
        if (i) out += ", ";
        dump(value[i], out);
      }
      out += ']';
      return;
    }
    case nlohmann::ordered_json::value_t::string:
      out += '"' + structured::json_escape_contents(value.get<std::string>()) + '"';
      return;
    default:
      out += value.dump();
  }
}

}  // namespace

std::string python_json_dumps(const nlohmann::ordered_json& value) {
  std::string out;
  dump(value, out);
  return out;
}

}  // namespace ruvllm::tools
