// Random JSON Schemas over every keyword the schema-to-grammar converter enforces, for property
// tests and for the schema-generation benchmark (bench/bench_schema_generation.cpp).
//
// Covered: type (single and with null), enum (small mixed ones and 1,000-value ones), const,
// properties / required / additionalProperties (false, true, schema), items, prefixItems (with
// items false or a schema), minItems / maxItems, minLength / maxLength, pattern (an ECMAScript
// subset: literals, classes, escapes, '.', groups with alternation, quantifiers, anchors), format
// (date, time, date-time, uuid, email, ipv4, uri, hostname), integer and number bounds (inclusive
// and exclusive), anyOf, oneOf of pairwise different types (so exclusivity holds by type), allOf
// of objects with distinct properties, $ref into $defs or definitions (half of them recursive
// through an optional property), and forced nesting `min_depth` levels deep. Every generated
// schema is satisfiable.
//
// The choices come from a `Pick` function (inclusive bounds): rapidcheck's generators in the
// property tests (so failures shrink), a seeded std::mt19937 in benchmarks.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace ruvllm::structured::test {

class RandomSchema {
 public:
  using Json = nlohmann::ordered_json;
  using Pick = std::function<int(int lo, int hi)>;  // a number in [lo, hi]

  // Nesting at most `max_depth` levels (references aside), and at least `min_depth` along one
  // required path.
  RandomSchema(Pick pick, int max_depth, int min_depth = 0)
      : pick_(std::move(pick)), max_depth_(max_depth), min_depth_(min_depth) {
    use_definitions_ = chance(30);
  }

  Json root() {
    Json s = schema(0);
    if (!defs_.empty()) {
      if (!s.is_object()) s = Json{{"allOf", Json::array({s})}};
      s[use_definitions_ ? "definitions" : "$defs"] = defs_;
    }
    return s;
  }

 private:
  int pick(int lo, int hi) { return pick_(lo, hi); }
  bool chance(int percent) { return pick(0, 99) < percent; }
  template <typename T>
  T one_of(const std::vector<T>& options) {
    return options[size_t(pick(0, int(options.size()) - 1))];
  }

  // Strings that exercise escaping and UTF-8 in keys, enums and consts.
  std::string text_value() {
    static const std::vector<std::string> kTexts = {
        "",    "a",      "hello world", "quote\"inside", "back\\slash", "tab\tnew\nline",
        "Ω≈ç", "emoji😀", "ctrl\x01",    "/slash",        "null",        "123"};
    if (chance(30)) return "s" + std::to_string(pick(0, 99999));
    return one_of(kTexts);
  }

  Json scalar_value() {
    switch (pick(0, 5)) {
      case 0:
        return nullptr;
      case 1:
        return chance(50);
      case 2:
        return pick(-100000, 100000);
      case 3:
        return double(pick(-10000, 10000)) / 8.0;
      default:
        return text_value();
    }
  }

  Json json_value(int depth) {
    if (depth >= 2 || chance(60)) return scalar_value();
    if (chance(50)) {
      Json a = Json::array();
      for (int i = pick(0, 3); i > 0; --i) a.push_back(json_value(depth + 1));
      return a;
    }
    Json o = Json::object();
    for (int i = pick(0, 3); i > 0; --i) o[text_value()] = json_value(depth + 1);
    return o;
  }

  std::string pattern_atom(int depth) {
    static const std::vector<std::string> kAtoms = {
        "a",         "Z",      "7",    "_",   "-",   " ",   "[a-z]", "[A-Z0-9]",
        "[^\"\\\\]", "\\d",    "\\w",  "\\s", ".",   "\\.", "[.-]",  "é",
        "[α-ω]",     "[^a-z]", "\\\\", "\"",  "\\n", "\\t", "\\/",   "[0-9a-f]"};
    if (depth < 2 && chance(15)) {
      std::string g = "(";
      for (int i = pick(1, 3); i > 0; --i) {
        if (g.size() > 1) g += "|";
        for (int j = pick(1, 3); j > 0; --j) g += pattern_atom(depth + 1);
      }
      return g + ")";
    }
    const std::string atom = one_of(kAtoms);
    switch (pick(0, 9)) {
      case 0:
        return atom + "?";
      case 1:
        return atom + "*";
      case 2:
        return atom + "+";
      case 3:
        return atom + "{" + std::to_string(pick(0, 4)) + "}";
      case 4: {
        const int lo = pick(0, 3);
        return atom + "{" + std::to_string(lo) + "," + std::to_string(lo + pick(0, 4)) + "}";
      }
      default:
        return atom;
    }
  }

  std::string pattern() {
    std::string p;
    if (chance(70)) p += "^";
    for (int i = pick(1, 5); i > 0; --i) p += pattern_atom(0);
    if (chance(70)) p += "$";
    return p;
  }

  Json schema(int depth) {
    if (depth < min_depth_) return nest(depth);
    if (depth >= max_depth_) return leaf();
    switch (pick(0, 15)) {
      case 0:
      case 1:
      case 2:
        return object(depth);
      case 3:
      case 4:
        return array(depth);
      case 5:
        return any_of(depth);
      case 6:
        return one_of_types(depth);
      case 7:
        return all_of(depth);
      case 8:
        return ref(depth);
      case 9:
        return enumeration();
      case 10:
        return Json{{"const", json_value(0)}};
      case 11:
        return Json{
            {"type",
             Json::array({one_of<std::string>({"string", "integer", "number", "boolean", "array"}),
                          "null"})}};
      default:
        return leaf();
    }
  }

  // One level of a required deep path: an object with the deeper schema as a required
  // property, or an array of at least one deeper item.
  Json nest(int depth) {
    Json inner = schema(depth + 1);
    if (chance(50))
      return Json{{"type", "array"}, {"items", inner}, {"minItems", 1}, {"maxItems", pick(1, 2)}};
    Json s = {{"type", "object"}, {"properties", {{"deep", inner}}}, {"required", {"deep"}}};
    if (chance(50)) s["additionalProperties"] = false;
    return s;
  }

  Json leaf() {
    switch (pick(0, 5)) {
      case 0:
        return string_schema();
      case 1:
        return integer_schema();
      case 2:
        return number_schema();
      case 3:
        return Json{{"type", "boolean"}};
      case 4:
        return Json{{"type", "null"}};
      default:
        return chance(30) ? enumeration() : string_schema();
    }
  }

  Json string_schema() {
    Json s = {{"type", "string"}};
    switch (pick(0, 4)) {
      case 0: {
        const int lo = pick(0, 12);
        if (chance(70)) s["minLength"] = lo;
        if (chance(80)) s["maxLength"] = lo + pick(0, chance(20) ? 50 : 10);
        break;
      }
      case 1:
        s["pattern"] = pattern();
        break;
      case 2:
        s["format"] = one_of<std::string>(
            {"date", "time", "date-time", "uuid", "email", "ipv4", "uri", "hostname"});
        break;
      default:
        break;
    }
    return s;
  }

  Json integer_schema() {
    Json s = {{"type", "integer"}};
    const int64_t scale = one_of<int64_t>({1, 10, 1000, 1000000, 1000000000000LL});
    const int64_t lo = int64_t(pick(-1000, 1000)) * scale / 100;
    const int64_t hi = lo + int64_t(pick(0, 2000)) * scale / 100 + 2;
    if (chance(60)) s[chance(30) ? "exclusiveMinimum" : "minimum"] = lo;
    if (chance(60)) s[chance(30) ? "exclusiveMaximum" : "maximum"] = hi;
    return s;
  }

  Json number_schema() {
    Json s = {{"type", "number"}};
    const int64_t lo = pick(-5000, 5000);
    const int64_t hi = lo + pick(1, 5000);
    if (chance(60)) s[chance(30) ? "exclusiveMinimum" : "minimum"] = lo;
    if (chance(60)) s[chance(30) ? "exclusiveMaximum" : "maximum"] = hi;
    return s;
  }

  Json enumeration() {
    Json values = Json::array();
    if (chance(15)) {
      // Large enums: 1,000 strings or integers.
      const bool strings = chance(60);
      for (int i = 0; i < 1000; ++i) {
        if (strings)
          values.push_back("item-" + std::to_string(i * 7919 % 100000));
        else
          values.push_back(i * 37 - 5000);
      }
      return Json{{"enum", values}};
    }
    for (int i = pick(1, 6); i > 0; --i) values.push_back(json_value(0));
    return Json{{"enum", values}};
  }

  std::string property_name() {
    static const std::vector<std::string> kNames = {"a", "b",     "name", "id",     "x_1",
                                                    "Ω", "two w", "type", "emoji😀", "z"};
    return one_of(kNames);
  }

  Json object(int depth, bool allow_closed = true) {
    Json s = {{"type", "object"}};
    Json props = Json::object();
    std::vector<std::string> names;
    for (int i = pick(0, 5); i > 0; --i) {
      const std::string name = property_name();
      if (props.contains(name)) continue;
      props[name] = schema(depth + 1);
      names.push_back(name);
    }
    if (!props.empty() || chance(50)) s["properties"] = props;
    Json required = Json::array();
    for (const auto& n : names)
      if (chance(50)) required.push_back(n);
    if (!required.empty()) s["required"] = required;
    switch (pick(0, 3)) {
      case 0:
        if (allow_closed) s["additionalProperties"] = false;
        break;
      case 1:
        s["additionalProperties"] = true;
        break;
      case 2:
        if (allow_closed) s["additionalProperties"] = leaf();
        break;
      default:
        break;
    }
    return s;
  }

  Json array(int depth) {
    Json s = {{"type", "array"}};
    if (chance(30)) {
      Json prefix = Json::array();
      for (int i = pick(1, 3); i > 0; --i) prefix.push_back(schema(depth + 1));
      s["prefixItems"] = prefix;
      if (chance(50)) s["items"] = chance(50) ? Json(false) : schema(depth + 1);
    } else if (chance(85)) {
      s["items"] = schema(depth + 1);
    }
    int lo = pick(0, 3);
    // With items false no more than the prefix items are allowed.
    if (s.contains("items") && s["items"] == false)
      lo = std::min<int>(lo, int(s["prefixItems"].size()));
    if (chance(50)) s["minItems"] = lo;
    if (chance(50)) s["maxItems"] = lo + pick(0, 4);
    return s;
  }

  Json any_of(int depth) {
    Json alts = Json::array();
    for (int i = pick(1, 3); i > 0; --i) alts.push_back(schema(depth + 1));
    return Json{{"anyOf", alts}};
  }

  // oneOf whose branches have pairwise different types, so at most one can match.
  Json one_of_types(int depth) {
    const std::vector<std::string> types = {"null",    "boolean", "string",
                                            "integer", "array",   "object"};
    std::vector<std::string> chosen;
    for (int i = pick(1, 3); i > 0; --i) {
      const std::string t = one_of(types);
      if (std::find(chosen.begin(), chosen.end(), t) == chosen.end()) chosen.push_back(t);
    }
    Json alts = Json::array();
    for (const auto& t : chosen) {
      if (t == "string") {
        alts.push_back(string_schema());
      } else if (t == "integer") {
        alts.push_back(integer_schema());
      } else if (t == "array") {
        alts.push_back(array(depth + 1));
      } else if (t == "object") {
        alts.push_back(object(depth + 1));
      } else {
        alts.push_back(Json{{"type", t}});
      }
    }
    return Json{{"oneOf", alts}};
  }

  // allOf of object schemas with distinct property names (additionalProperties neither false
  // nor a schema: either would constrain the other parts' properties).
  Json all_of(int depth) {
    Json parts = Json::array();
    std::set<std::string> used;
    for (int i = pick(2, 3); i > 0; --i) {
      Json o = object(depth + 1, /*allow_closed=*/false);
      if (o.contains("properties")) {
        Json kept = Json::object();
        for (auto& [k, v] : o["properties"].items())
          if (used.insert(k).second) kept[k] = v;
        o["properties"] = kept;
        if (o.contains("required")) {
          Json req = Json::array();
          for (const auto& r : o["required"])
            if (kept.contains(r.get<std::string>())) req.push_back(r);
          if (req.empty())
            o.erase("required");
          else
            o["required"] = req;
        }
      }
      parts.push_back(o);
    }
    return Json{{"allOf", parts}};
  }

  // A $ref to a new definition; half of them recursive (a linked list or a tree whose
  // recursion is optional, so instances are finite).
  Json ref(int depth) {
    const std::string name = "d" + std::to_string(defs_.size());
    const std::string target = std::string(use_definitions_ ? "#/definitions/" : "#/$defs/") + name;
    defs_[name] = nullptr;  // reserve the name before generating the body
    if (chance(50)) {
      const Json self = {{"$ref", target}};
      Json body = {
          {"type", "object"}, {"properties", {{"value", leaf()}}}, {"required", {"value"}}};
      if (chance(50)) {
        body["properties"]["next"] = self;
      } else {
        body["properties"]["children"] = {{"type", "array"}, {"items", self}, {"maxItems", 2}};
      }
      if (chance(50)) body["additionalProperties"] = false;
      defs_[name] = body;
    } else {
      defs_[name] = schema(depth + 1);
    }
    return Json{{"$ref", target}};
  }

  Pick pick_;
  int max_depth_, min_depth_;
  Json defs_ = Json::object();
  bool use_definitions_ = false;
};

}  // namespace ruvllm::structured::test
