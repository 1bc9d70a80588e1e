#include "structured/schema_converter.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>

#include "core/error.h"
#include "structured/gbnf_text.h"
#include "structured/integer_range_gbnf.h"
#include "structured/regex_to_gbnf.h"
#include "structured/schema_formats.h"

namespace ruvllm::structured::schema_detail {

namespace {

constexpr int kMaxDepth = 200;

const char* const kNever = "[^\\x00-\\U0010FFFF]";

// Keywords a grammar cannot check; the validator checks them after generation.
const char* const kUnenforcedKeywords[] = {
    "not",
    "if",
    "then",
    "else",
    "dependencies",
    "dependentRequired",
    "dependentSchemas",
    "propertyNames",
    "maxProperties",
    "contains",
    "minContains",
    "maxContains",
    "multipleOf",
    "unevaluatedProperties",
    "unevaluatedItems",
};

struct BaseRule {
  const char* name;
  const char* body;
  const char* uses[4];  // rules the body refers to (null-terminated when fewer)
};

// Base rules; "WS" stands for the whitespace rule (or nothing in compact mode).
const BaseRule kBaseRules[] = {
    {"value",
     "object | array | string | number | \"true\" | \"false\" | \"null\"",
     {"object", "array", "string", "number"}},
    {"object", "\"{\" WS ( member ( WS \",\" WS member )* )? WS \"}\"", {"member"}},
    {"member", "string WS \":\" WS value", {"string", "value"}},
    {"array", "\"[\" WS ( value ( WS \",\" WS value )* )? WS \"]\"", {"value"}},
    {"string", "\"\\\"\" jstr-body", {"jstr-body"}},
    // The body of a string up to and including its closing quote, as one right-recursive rule
    // so a token inside a string never leaves it (which keeps token masks context-free).
    {"jstr-body", "[^\"\\\\\\x00-\\x1F] jstr-body | \"\\\\\" jesc jstr-body | \"\\\"\"", {"jesc"}},
    // \u escapes of UTF-16 surrogates only as a high-low pair: a lone surrogate is valid JSON
    // text that most JSON parsers (nlohmann, Python with strict UTF-8) reject.
    {"jesc",
     "[\"\\\\/bfnrt] | \"u\" ([0-9a-cA-CeEfF] [0-9a-fA-F]{3} | [dD] [0-7] [0-9a-fA-F]{2} | "
     "[dD] [89abAB] [0-9a-fA-F]{2} \"\\\\u\" [dD] [c-fC-F] [0-9a-fA-F]{2})",
     {}},
    {"jchar", "[^\"\\\\\\x00-\\x1F] | \"\\\\\" jesc", {"jesc"}},
    // At most 20 integer digits and 2 exponent digits: every number stays a finite double
    // (JSON parsers such as nlohmann's reject numbers that overflow).
    {"number", "\"-\"? (\"0\" | [1-9] [0-9]{0,19}) (\".\" [0-9]+)? ([eE] [-+]? [0-9]{1,2})?", {}},
    // Integers without a fraction: the validator also accepts 1.0, but a grammar that allows
    // ".0+" lets a sampling model write zeros until the token budget runs out.
    {"integer", "\"-\"? (\"0\" | [1-9] [0-9]{0,19})", {}},
    {"boolean", "\"true\" | \"false\"", {}},
    {"null", "\"null\"", {}},
};

std::string replace_ws(const std::string& body, const std::string& ws) {
  std::string out;
  for (size_t i = 0; i < body.size();) {
    if (body.compare(i, 2, "WS") == 0) {
      out += ws.empty() ? "\"\"" : ws;
      i += 2;
    } else {
      out += body[i++];
    }
  }
  return out;
}

std::string alternation(const std::vector<std::string>& alts) {
  if (alts.empty()) return kNever;
  if (alts.size() == 1) return alts[0];
  std::string out = "(";
  for (size_t i = 0; i < alts.size(); ++i) out += (i ? " | " : "") + alts[i];
  return out + ")";
}

std::optional<double> number_of(const Json& schema, const char* key) {
  auto it = schema.find(key);
  if (it == schema.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

}  // namespace

SchemaConverter::SchemaConverter(const Json& root, const JsonSchemaGrammarOptions& options)
    : root_(root), options_(options) {}

std::string SchemaConverter::fresh_name(const std::string& hint) {
  std::string name;
  for (char c : hint) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (ok) {
      name += c;
    } else if (!name.empty() && name.back() != '-') {
      name += '-';
    }
    if (name.size() >= 40) break;
  }
  while (!name.empty() && name.back() == '-') name.pop_back();
  if (name.empty()) name = "r";
  // Base rules are created on demand, so their names stay reserved even before they exist.
  auto taken = [&](const std::string& n) {
    if (rule_index_.count(n) || n == "root" || n == "ws") return true;
    for (const auto& r : kBaseRules) {
      if (n == r.name) return true;
    }
    return false;
  };
  // The first free name of name, name-1, name-2...; names are never freed, so the search for a
  // name resumes where its last one ended (schemas reuse hints such as "obj" hundreds of times).
  int& next = next_suffix_[name];
  std::string unique = next == 0 ? name : name + "-" + std::to_string(next);
  while (taken(unique)) unique = name + "-" + std::to_string(++next);
  rule_index_[unique] = rules_.size();
  rules_.push_back({unique, ""});
  return unique;
}

void SchemaConverter::define(const std::string& name, std::string body) {
  const auto [it, fresh] = rule_index_.try_emplace(name, rules_.size());
  if (fresh) {
    rules_.emplace_back(name, std::move(body));
  } else {
    rules_[it->second].second = std::move(body);
  }
}

std::string SchemaConverter::add_rule(const std::string& hint, std::string body) {
  auto it = rule_by_body_.find(body);
  if (it != rule_by_body_.end()) return it->second;
  std::string name = fresh_name(hint);
  rules_[rule_index_.at(name)].second = body;  // fresh_name reserved the rule
  rule_by_body_.emplace(std::move(body), name);
  return name;
}

std::string SchemaConverter::rules_text() const {
  size_t size = 0;
  for (const auto& [name, body] : rules_) size += name.size() + body.size() + 6;
  std::string out;
  out.reserve(size);
  for (const auto& [name, body] : rules_) out.append(name).append(" ::= ").append(body) += '\n';
  return out;
}

void SchemaConverter::note(const std::string& keyword, const std::string& path) {
  std::string entry = keyword + " at " + (path.empty() ? "/" : path);
  if (options_.strict) {
    throw UnsupportedError("JSON schema: " + entry + " cannot be enforced by the grammar");
  }
  for (const auto& u : unenforced) {
    if (u == entry) return;
  }
  unenforced.push_back(std::move(entry));
}

std::string SchemaConverter::ws() {
  if (options_.whitespace != JsonSchemaGrammarOptions::Whitespace::kFlexible) return "";
  return base("ws");
}

std::string SchemaConverter::seq(std::initializer_list<std::string> parts) const {
  std::string out;
  for (const auto& p : parts) {
    if (p.empty()) continue;
    if (!out.empty()) out += ' ';
    out += p;
  }
  return out.empty() ? "\"\"" : out;
}

std::string SchemaConverter::base(const std::string& name) {
  if (rule_index_.count(name)) return name;
  if (name == "ws") {
    const int n = std::max(1, options_.max_whitespace);
    define("ws", "[ \\t\\n\\r]{0," + std::to_string(n) + "}");
    return name;
  }
  for (const auto& r : kBaseRules) {
    if (name != r.name) continue;
    define(name, "");  // reserved first: base rules refer to each other
    define(name, replace_ws(r.body, ws()));
    for (const char* used : r.uses) {
      if (used) base(used);
    }
    return name;
  }
  throw Error("internal: unknown base rule " + name);
}

std::string SchemaConverter::literal(const Json& value) {
  switch (value.type()) {
    case Json::value_t::string:
      return gbnf_literal("\"" + json_escape_contents(value.get<std::string>()) + "\"");
    case Json::value_t::array: {
      if (value.empty()) return seq({"\"[\"", ws(), "\"]\""});
      std::string out = seq({"\"[\"", ws()});
      bool first = true;
      for (const auto& v : value) {
        if (!first) out += " " + sep();
        out += " " + literal(v);
        first = false;
      }
      return out + " " + seq({ws(), "\"]\""});
    }
    case Json::value_t::object: {
      if (value.empty()) return seq({"\"{\"", ws(), "\"}\""});
      std::string out = seq({"\"{\"", ws()});
      bool first = true;
      for (const auto& [k, v] : value.items()) {
        if (!first) out += " " + sep();
        out += " " + seq({gbnf_literal("\"" + json_escape_contents(k) + "\""), ws(), "\":\"", ws(),
                          literal(v)});
        first = false;
      }
      return out + " " + seq({ws(), "\"}\""});
    }
    default:
      return gbnf_literal(value.dump());
  }
}

bool SchemaConverter::has_validation_keywords(const Json& schema) const {
  static const std::set<std::string> kAnnotations = {
      "$ref",        "$schema",    "$id",      "id",     "$comment",    "title",
      "description", "default",    "examples", "$defs",  "definitions", "readOnly",
      "writeOnly",   "deprecated", "$anchor",  "example"};
  for (const auto& [k, v] : schema.items()) {
    if (!kAnnotations.count(k)) return true;
  }
  return false;
}

std::string SchemaConverter::visit(const Json& schema, const std::string& path) {
  if (++depth_ > kMaxDepth) {
    --depth_;
    throw FormatError("JSON schema nests too deeply at " + path);
  }
  struct DepthGuard {
    int& d;
    ~DepthGuard() { --d; }
  } guard{depth_};

  if (schema.is_boolean()) return schema.get<bool>() ? base("value") : kNever;
  if (!schema.is_object())
    throw FormatError("JSON schema: expected an object or boolean at " + path);

  if (auto it = schema.find("$ref"); it != schema.end() && it->is_string()) {
    const std::string ref = it->get<std::string>();
    if (!has_validation_keywords(schema)) return ref_rule(ref, path);
    // Before draft 2019-09 keywords beside $ref are ignored; an unknown draft is treated the
    // same way, since applying them could reject instances that are valid there.
    const auto dialect = root_.is_object() ? root_.find("$schema") : root_.end();
    const bool modern = root_.is_object() && dialect != root_.end() && dialect->is_string() &&
                        (dialect->get<std::string>().find("2019-09") != std::string::npos ||
                         dialect->get<std::string>().find("2020-12") != std::string::npos);
    if (!modern) {
      note("keywords beside $ref (ignored before draft 2019-09)", path);
      return ref_rule(ref, path);
    }
    Json rest = schema;
    rest.erase("$ref");
    owned_.push_back(merge(deref(resolve(ref, path), path), rest, path));
    return visit(owned_.back(), path);
  }
  if (auto it = schema.find("allOf"); it != schema.end() && it->is_array()) {
    Json merged = schema;
    merged.erase("allOf");
    for (size_t i = 0; i < it->size(); ++i) {
      merged = merge(merged, deref((*it)[i], path), path + "/allOf/" + std::to_string(i));
    }
    owned_.push_back(std::move(merged));
    return visit(owned_.back(), path);
  }
  for (const char* key : {"anyOf", "oneOf"}) {
    auto it = schema.find(key);
    if (it == schema.end() || !it->is_array()) continue;
    Json rest = schema;
    rest.erase(key);
    if (std::string(key) == "anyOf") rest.erase("oneOf");
    if (std::string(key) == "oneOf" && it->size() > 1) note("oneOf (exclusivity)", path);
    if (std::string(key) == "anyOf" && schema.contains("oneOf")) note("oneOf", path);
    const bool siblings = has_validation_keywords(rest);
    std::vector<std::string> alts;
    for (size_t i = 0; i < it->size(); ++i) {
      const std::string sub_path = path + "/" + key + "/" + std::to_string(i);
      if (!siblings) {
        alts.push_back(visit((*it)[i], sub_path));
      } else {
        owned_.push_back(merge(rest, deref((*it)[i], sub_path), sub_path));
        alts.push_back(visit(owned_.back(), sub_path));
      }
    }
    std::vector<std::string> unique;
    for (auto& a : alts) {
      if (std::find(unique.begin(), unique.end(), a) == unique.end()) unique.push_back(a);
    }
    return alternation(unique);
  }
  if (auto it = schema.find("const"); it != schema.end()) return literal(*it);
  if (auto it = schema.find("enum"); it != schema.end()) {
    if (!it->is_array()) throw FormatError("JSON schema: enum must be an array at " + path);
    std::vector<std::string> alts;
    for (const auto& v : *it) {
      std::string lit = literal(v);
      if (std::find(alts.begin(), alts.end(), lit) == alts.end()) alts.push_back(lit);
    }
    return alternation(alts);
  }
  for (const char* key : kUnenforcedKeywords) {
    if (schema.contains(key)) note(key, path);
  }
  if (auto it = schema.find("uniqueItems"); it != schema.end() && *it == true) {
    note("uniqueItems", path);
  }

  std::vector<std::string> types;
  if (auto it = schema.find("type"); it != schema.end()) {
    if (it->is_string()) {
      types.push_back(it->get<std::string>());
    } else if (it->is_array()) {
      for (const auto& t : *it) {
        if (!t.is_string()) throw FormatError("JSON schema: bad type list at " + path);
        types.push_back(t.get<std::string>());
      }
    } else {
      throw FormatError("JSON schema: bad type at " + path);
    }
  } else {
    types = {"null", "boolean", "object", "array", "string", "number"};
  }
  if (auto it = schema.find("nullable"); it != schema.end() && *it == true) types.push_back("null");
  const bool has_number = std::find(types.begin(), types.end(), "number") != types.end();
  std::vector<std::string> alts;
  for (const auto& t : types) {
    if (t == "integer" && has_number) continue;
    std::string expr = visit_typed(t, schema, path);
    if (std::find(alts.begin(), alts.end(), expr) == alts.end()) alts.push_back(expr);
  }
  return alternation(alts);
}

std::string SchemaConverter::visit_typed(const std::string& type, const Json& schema,
                                         const std::string& path) {
  if (type == "null") return base("null");
  if (type == "boolean") return base("boolean");
  if (type == "string") return string_schema(schema, path);
  if (type == "number") return number_schema(schema, path, false);
  if (type == "integer") return number_schema(schema, path, true);
  if (type == "array") return array_schema(schema, path);
  if (type == "object") return object_schema(schema, path);
  throw FormatError("JSON schema: unknown type '" + type + "' at " + path);
}

std::string SchemaConverter::bounded_string(size_t min_len, std::optional<size_t> max_len) {
  // str-i ::= char str-(i+1) | "\""  (the quote only once i >= min_len): one rule per count,
  // so a token inside the string stays within one tail-call chain.
  const std::string tag =
      "str-" + std::to_string(min_len) + "-" + (max_len ? std::to_string(*max_len) : "inf");
  auto name = [&](size_t i) { return tag + "-" + std::to_string(i); };
  if (!rule_index_.count(name(0))) {
    base("jesc");
    const size_t last = max_len ? *max_len : min_len;
    for (size_t i = 0; i <= last; ++i) {
      if (!max_len && i == last) {
        define(name(i), base("jstr-body"));
        continue;
      }
      std::vector<std::string> alts;
      if (!max_len || i < *max_len) {
        alts.push_back("[^\"\\\\\\x00-\\x1F] " + name(i + 1));
        alts.push_back("\"\\\\\" jesc " + name(i + 1));
      }
      if (i >= min_len) alts.push_back("\"\\\"\"");
      std::string body;
      for (size_t k = 0; k < alts.size(); ++k) body += (k ? " | " : "") + alts[k];
      define(name(i), body);
    }
  }
  return "\"\\\"\" " + name(0);
}

std::string SchemaConverter::string_schema(const Json& schema, const std::string& path) {
  if (auto it = schema.find("format"); it != schema.end() && it->is_string()) {
    if (auto f = format_gbnf(it->get<std::string>())) {
      if (schema.contains("pattern") || schema.contains("minLength") ||
          schema.contains("maxLength")) {
        note("pattern/minLength/maxLength with format", path);
      }
      return "\"\\\"\" " + add_rule("fmt-" + it->get<std::string>(), *f) + " \"\\\"\"";
    }
    note("format:" + it->get<std::string>(), path);
  }
  if (auto it = schema.find("pattern"); it != schema.end() && it->is_string()) {
    std::string why;
    base("jchar");
    if (auto r = regex_to_gbnf(it->get<std::string>(), "jchar", &why)) {
      if (!r->exact) note("pattern (large repetition counts relaxed)", path);
      if (schema.contains("minLength") || schema.contains("maxLength")) {
        note("minLength/maxLength with pattern", path);
      }
      return "\"\\\"\" " + add_rule("pattern", r->expression) + " \"\\\"\"";
    }
    note("pattern (" + why + ")", path);
  }
  const auto min_len = number_of(schema, "minLength");
  const auto max_len = number_of(schema, "maxLength");
  if (min_len || max_len) {
    const size_t cap = static_cast<size_t>(options_.max_counted_repeat);
    size_t lo = min_len ? static_cast<size_t>(std::max(0.0, std::ceil(*min_len))) : 0;
    std::optional<size_t> hi;
    if (max_len) hi = static_cast<size_t>(std::max(0.0, std::floor(*max_len)));
    if (hi && *hi < lo) return kNever;
    if (hi && *hi > cap) {
      note("maxLength", path);
      hi.reset();
    }
    if (lo > cap) {
      note("minLength", path);
      lo = cap;
    }
    if (lo == 0 && !hi) return base("string");
    return bounded_string(lo, hi);
  }
  return base("string");
}

std::string SchemaConverter::number_schema(const Json& schema, const std::string& path,
                                           bool integer) {
  std::optional<double> lo = number_of(schema, "minimum"), hi = number_of(schema, "maximum");
  bool lo_ex = false, hi_ex = false;
  // Draft 4 spells exclusivity as booleans, later drafts as numbers.
  if (auto it = schema.find("exclusiveMinimum"); it != schema.end()) {
    if (it->is_boolean()) {
      lo_ex = it->get<bool>();
    } else if (it->is_number()) {
      const double v = it->get<double>();
      if (!lo || v >= *lo) {
        lo = v;
        lo_ex = true;
      }
    }
  }
  if (auto it = schema.find("exclusiveMaximum"); it != schema.end()) {
    if (it->is_boolean()) {
      hi_ex = it->get<bool>();
    } else if (it->is_number()) {
      const double v = it->get<double>();
      if (!hi || v <= *hi) {
        hi = v;
        hi_ex = true;
      }
    }
  }
  constexpr double kLimit = 1e17;
  if (lo && std::fabs(*lo) > kLimit) {
    note("minimum (beyond 1e17)", path);
    lo.reset();
  }
  if (hi && std::fabs(*hi) > kLimit) {
    note("maximum (beyond 1e17)", path);
    hi.reset();
  }
  if (!lo && !hi) return base(integer ? "integer" : "number");
  if (integer) {
    std::optional<int64_t> ilo, ihi;
    if (lo) ilo = static_cast<int64_t>(lo_ex ? std::floor(*lo) + 1 : std::ceil(*lo));
    if (hi) ihi = static_cast<int64_t>(hi_ex ? std::ceil(*hi) - 1 : std::floor(*hi));
    return add_rule("int-range", gbnf_int_range(ilo, ihi));
  }
  const bool lo_int = !lo || std::floor(*lo) == *lo;
  const bool hi_int = !hi || std::floor(*hi) == *hi;
  std::optional<int64_t> ilo, ihi;
  if (lo) ilo = static_cast<int64_t>(std::floor(*lo));
  if (hi) ihi = static_cast<int64_t>(std::ceil(*hi));
  if (!lo_int || !hi_int) {
    // Fractional bounds: widen to the enclosing integers (the validator has the last word).
    note("minimum/maximum (fractional bound relaxed)", path);
    if (!lo_int) lo_ex = false;
    if (!hi_int) hi_ex = false;
  }
  return add_rule("num-range", gbnf_number_range(ilo, lo_ex, ihi, hi_ex));
}

std::string SchemaConverter::array_schema(const Json& schema, const std::string& path) {
  std::vector<std::string> prefix;
  std::optional<std::string> rest = base("value");  // nullopt: no more items allowed
  auto items = schema.find("items");
  auto prefix_items = schema.find("prefixItems");
  auto rest_of = [&](const Json& s, const std::string& p) -> std::optional<std::string> {
    if (s.is_boolean() && !s.get<bool>()) return std::nullopt;
    return visit(s, p);
  };
  if (prefix_items != schema.end() && prefix_items->is_array()) {
    for (size_t i = 0; i < prefix_items->size(); ++i) {
      prefix.push_back(visit((*prefix_items)[i], path + "/prefixItems/" + std::to_string(i)));
    }
    if (items != schema.end()) rest = rest_of(*items, path + "/items");
  } else if (items != schema.end() && items->is_array()) {
    for (size_t i = 0; i < items->size(); ++i) {
      prefix.push_back(visit((*items)[i], path + "/items/" + std::to_string(i)));
    }
    if (auto add = schema.find("additionalItems"); add != schema.end()) {
      rest = rest_of(*add, path + "/additionalItems");
    }
  } else if (items != schema.end()) {
    rest = rest_of(*items, path + "/items");
  }
  const size_t cap = static_cast<size_t>(options_.max_counted_repeat);
  size_t min_items = 0;
  std::optional<size_t> max_items;
  if (auto v = number_of(schema, "minItems")) min_items = static_cast<size_t>(std::max(0.0, *v));
  if (auto v = number_of(schema, "maxItems")) max_items = static_cast<size_t>(std::max(0.0, *v));
  if (!rest) max_items = max_items ? std::min(*max_items, prefix.size()) : prefix.size();
  if (max_items && *max_items < min_items) return kNever;
  if (max_items && *max_items > cap + prefix.size()) {
    note("maxItems", path);
    max_items.reset();
  }
  if (min_items > cap + prefix.size()) {
    note("minItems", path);
    min_items = cap + prefix.size();
  }

  // list(i): the items from index i on, given i items came before.
  std::function<std::string(size_t)> list = [&](size_t i) -> std::string {
    if (max_items && i == *max_items) return "";
    const std::string lead = i == 0 ? "" : sep();
    if (i >= prefix.size()) {
      const std::string item = add_rule("item", *rest);
      const size_t at_least = min_items > i ? min_items - i : 0;
      std::optional<size_t> at_most;
      if (max_items) at_most = *max_items - i;
      auto count = [](size_t lo, std::optional<size_t> hi) {
        if (!hi)
          return lo == 0   ? std::string("*")
                 : lo == 1 ? std::string("+")
                           : "{" + std::to_string(lo) + ",}";
        if (lo == 0 && *hi == 1) return std::string("?");
        if (lo == *hi) return "{" + std::to_string(lo) + "}";
        return "{" + std::to_string(lo) + "," + std::to_string(*hi) + "}";
      };
      const std::string more = "(" + seq({sep(), item}) + ")";
      if (i > 0) return more + count(at_least, at_most);
      // First item has no separator.
      std::optional<size_t> more_hi;
      if (at_most) more_hi = *at_most - 1;
      std::string body = item + " " + more + count(at_least > 0 ? at_least - 1 : 0, more_hi);
      if (more_hi && *more_hi == 0) body = item;
      return at_least == 0 ? "(" + body + ")?" : "(" + body + ")";
    }
    const std::string tail = list(i + 1);
    const std::string body = seq({lead, prefix[i], tail});
    return i >= min_items ? "(" + body + ")?" : "(" + body + ")";
  };
  const std::string items_expr = list(0);
  return add_rule("array", seq({"\"[\"", ws(), items_expr, ws(), "\"]\""}));
}

}  // namespace ruvllm::structured::schema_detail
