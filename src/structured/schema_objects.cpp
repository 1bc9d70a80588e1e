// Objects: members in any order, required members tracked by subset, other keys excluded from
// the listed names.
#include <map>
#include <set>

#include "core/error.h"
#include "structured/gbnf_text.h"
#include "structured/regex_to_gbnf.h"
#include "structured/schema_converter.h"

namespace ruvllm::structured::schema_detail {

namespace {

// A trie of key spellings (JSON-escaped contents, as code points).
struct KeyTrie {
  struct Node {
    std::map<uint32_t, size_t> children;
    bool terminal = false;
  };
  std::vector<Node> nodes{1};

  void insert(const std::string& utf8) {
    size_t cur = 0;
    for (size_t pos = 0; pos < utf8.size();) {
      uint32_t cp;
      if (!decode_utf8(utf8, pos, cp)) cp = static_cast<uint8_t>(utf8[pos++]);
      auto it = nodes[cur].children.find(cp);
      if (it == nodes[cur].children.end()) {
        nodes.push_back({});
        it = nodes[cur].children.emplace(cp, nodes.size() - 1).first;
      }
      cur = it->second;
    }
    nodes[cur].terminal = true;
  }
};

}  // namespace

std::string SchemaConverter::other_key(const std::vector<std::string>& excluded,
                                       const std::string& path) {
  base("string");
  if (excluded.empty()) return "string";
  KeyTrie trie;
  for (const auto& name : excluded) {
    const std::string spelled = json_escape_contents(name);
    if (spelled.find('\\') != std::string::npos) {
      // Keys with escapes: exclusion by spelling would be wrong, so allow any key.
      note("additionalProperties (key exclusion for escaped names)", path);
      return "string";
    }
    trie.insert(spelled);
  }
  // key-n: the rest of a key after the trie path to n, not equal to any listed name.
  const std::string tag = fresh_name("key-not");
  std::vector<std::string> names(trie.nodes.size());
  for (size_t n = 0; n < trie.nodes.size(); ++n)
    names[n] = n == 0 ? tag : tag + "-" + std::to_string(n);
  for (size_t n = 1; n < trie.nodes.size(); ++n) define(names[n], "");
  for (size_t n = 0; n < trie.nodes.size(); ++n) {
    const auto& node = trie.nodes[n];
    std::vector<std::string> alts;
    if (!node.terminal) alts.push_back("\"\\\"\"");
    std::vector<CodePointRange> taken = {{'"', '"'}, {'\\', '\\'}, {0, 0x1F}};
    for (const auto& [cp, child] : node.children) {
      std::string lit;
      append_utf8(cp, lit);
      alts.push_back(gbnf_literal(lit) + " " + names[child]);
      taken.push_back({cp, cp});
    }
    alts.push_back(gbnf_char_class(taken, true) + " jstr-body");
    alts.push_back("\"\\\\\" jesc jstr-body");
    std::string body;
    for (size_t a = 0; a < alts.size(); ++a) body += (a ? " | " : "") + alts[a];
    define(names[n], body);
  }
  return "\"\\\"\" " + tag;
}

std::string SchemaConverter::object_schema(const Json& schema, const std::string& path) {
  struct Member {
    std::string name;
    std::string kv;  // rule for "name": value
  };
  std::vector<Member> listed;
  std::vector<std::string> listed_names;
  auto props = schema.find("properties");
  if (props != schema.end() && props->is_object()) {
    for (const auto& [name, sub] : props->items()) {
      const std::string value = visit(sub, path + "/properties/" + name);
      const std::string kv =
          add_rule("kv-" + name, seq({gbnf_literal("\"" + json_escape_contents(name) + "\""), ws(),
                                      "\":\"", ws(), value}));
      listed.push_back({name, kv});
      listed_names.push_back(name);
    }
  }
  // Additional members.
  std::optional<std::string> additional;
  if (auto it = schema.find("additionalProperties"); it != schema.end()) {
    if (!it->is_boolean() || it->get<bool>())
      additional = visit(*it, path + "/additionalProperties");
  } else {
    additional = base("value");
  }
  std::vector<std::string> pattern_members;
  if (auto it = schema.find("patternProperties"); it != schema.end() && it->is_object()) {
    base("jchar");
    for (const auto& [pattern, sub] : it->items()) {
      std::string why;
      auto regex = regex_to_gbnf(pattern, "jchar", &why);
      const std::string value = visit(sub, path + "/patternProperties/" + pattern);
      if (!regex) {
        note("patternProperties (" + why + ")", path);
        if (!additional) additional = value;  // keys unchecked: the best we can do
        continue;
      }
      if (additional) note("patternProperties (with additionalProperties)", path);
      pattern_members.push_back(
          add_rule("kv-pattern", seq({"\"\\\"\"", "(" + regex->expression + ")", "\"\\\"\"", ws(),
                                      "\":\"", ws(), value})));
    }
  }
  // Required names.
  std::vector<std::string> required;
  if (auto it = schema.find("required"); it != schema.end() && it->is_array()) {
    for (const auto& r : *it) {
      if (!r.is_string()) continue;
      const std::string name = r.get<std::string>();
      if (std::find(required.begin(), required.end(), name) != required.end()) continue;
      required.push_back(name);
      if (std::find(listed_names.begin(), listed_names.end(), name) == listed_names.end()) {
        // Required but not described: its value follows additionalProperties (or anything).
        const std::string value = additional ? *additional : base("value");
        listed.push_back(
            {name,
             add_rule("kv-" + name, seq({gbnf_literal("\"" + json_escape_contents(name) + "\""),
                                         ws(), "\":\"", ws(), value}))});
        listed_names.push_back(name);
      }
    }
  }
  if (static_cast<int>(required.size()) > options_.max_tracked_required) {
    note("required (more than " + std::to_string(options_.max_tracked_required) + " names)", path);
    required.clear();
  }
  std::vector<std::string> optional_alts;
  std::vector<std::string> required_kv;
  for (const auto& m : listed) {
    if (std::find(required.begin(), required.end(), m.name) != required.end()) {
      required_kv.push_back(m.kv);
    } else {
      optional_alts.push_back(m.kv);
    }
  }
  if (additional) {
    optional_alts.push_back(add_rule(
        "kv-other", seq({other_key(listed_names, path), ws(), "\":\"", ws(), *additional})));
  }
  optional_alts.insert(optional_alts.end(), pattern_members.begin(), pattern_members.end());
  std::string optional_member;
  if (!optional_alts.empty()) {
    std::string body;
    for (size_t i = 0; i < optional_alts.size(); ++i) body += (i ? " | " : "") + optional_alts[i];
    optional_member = add_rule("member", body);
  }
  auto min_props = schema.find("minProperties");
  const bool non_empty =
      min_props != schema.end() && min_props->is_number() && min_props->get<double>() >= 1;
  if (non_empty && min_props->get<double>() > 1) note("minProperties", path);

  const std::string close = seq({ws(), "\"}\""});
  if (required_kv.empty() && optional_member.empty()) {
    if (non_empty) return "[^\\x00-\\U0010FFFF]";
    return add_rule("object-empty", seq({"\"{\"", ws(), "\"}\""}));
  }
  // members-S: one or more members, given the required set S seen so far;
  // after-S: what follows a member.
  const size_t n_req = required_kv.size();
  const size_t full = (size_t{1} << n_req) - 1;
  const std::string tag = fresh_name("obj");
  auto members = [&](size_t s) { return tag + "-m" + std::to_string(s); };
  auto after = [&](size_t s) { return tag + "-a" + std::to_string(s); };
  for (size_t s = 0; s <= full; ++s) {
    if (s == full && optional_member.empty() && n_req > 0) {
      define(after(s), close);  // every member present: only the end remains
      continue;
    }
    std::vector<std::string> alts;
    if (!optional_member.empty()) alts.push_back(optional_member + " " + after(s));
    for (size_t i = 0; i < n_req; ++i) {
      if (!(s & (size_t{1} << i)))
        alts.push_back(required_kv[i] + " " + after(s | (size_t{1} << i)));
    }
    std::string body;
    for (size_t i = 0; i < alts.size(); ++i) body += (i ? " | " : "") + alts[i];
    define(members(s), body.empty() ? "[^\\x00-\\U0010FFFF]" : body);
    std::string after_body;
    if (s != full || !optional_member.empty()) after_body = seq({sep(), members(s)});
    if (s == full) after_body += (after_body.empty() ? "" : " | ") + close;
    define(after(s), after_body);
  }
  std::string first = members(0);
  if (n_req == 0 && !non_empty) first = "(" + members(0) + " | \"}\")";
  define(tag, seq({"\"{\"", ws(), first}));
  return tag;
}

}  // namespace ruvllm::structured::schema_detail
