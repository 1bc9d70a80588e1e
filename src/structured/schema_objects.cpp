// Objects: listed members at most once (tracked by subset, or in the schema's order), required
// members always, other keys excluded from the listed names.
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
  std::vector<std::string> extra_alts;  // members that may repeat: other keys, patterns
  if (additional) {
    extra_alts.push_back(add_rule(
        "kv-other", seq({other_key(listed_names, path), ws(), "\":\"", ws(), *additional})));
  }
  extra_alts.insert(extra_alts.end(), pattern_members.begin(), pattern_members.end());
  std::string extra_member;
  if (!extra_alts.empty()) {
    std::string body;
    for (size_t i = 0; i < extra_alts.size(); ++i) body += (i ? " | " : "") + extra_alts[i];
    extra_member = add_rule("member", body);
  }
  auto min_props = schema.find("minProperties");
  const bool non_empty =
      min_props != schema.end() && min_props->is_number() && min_props->get<double>() >= 1;
  if (non_empty && min_props->get<double>() > 1) note("minProperties", path);

  if (listed.empty() && extra_member.empty()) {
    if (non_empty) return "[^\\x00-\\U0010FFFF]";
    return add_rule("object-empty", seq({"\"{\"", ws(), "\"}\""}));
  }
  std::vector<ObjectMember> members;
  for (const auto& m : listed)
    members.push_back(
        {m.kv, std::find(required.begin(), required.end(), m.name) != required.end()});
  if (static_cast<int>(members.size()) <= options_.max_tracked_required)
    return members_any_order(members, extra_member, non_empty);
  if (options_.ordered_large_objects) return members_in_order(members, extra_member, non_empty);
  // Any order with only the required members tracked: the optional ones join the members that
  // may repeat (tracking them too would take a rule per subset of all members).
  if (static_cast<int>(required.size()) > options_.max_tracked_required) {
    note("required (more than " + std::to_string(options_.max_tracked_required) + " names)", path);
    for (ObjectMember& m : members) m.required = false;
  }
  std::vector<ObjectMember> tracked;
  std::string repeatable;
  for (const ObjectMember& m : members) {
    if (m.required)
      tracked.push_back(m);
    else
      repeatable += (repeatable.empty() ? "" : " | ") + m.kv;
  }
  if (!extra_member.empty()) repeatable += (repeatable.empty() ? "" : " | ") + extra_member;
  if (!repeatable.empty()) repeatable = add_rule("member", repeatable);
  return members_any_order(tracked, repeatable, non_empty);
}

// Every listed member at most once, in any order: the rules are indexed by the set of listed
// members written so far (a bit per member), so a key written once is not offered again.
std::string SchemaConverter::members_any_order(const std::vector<ObjectMember>& listed,
                                               const std::string& extra, bool non_empty) {
  const size_t n = listed.size();
  const size_t full = (size_t{1} << n) - 1;
  size_t required_set = 0;
  for (size_t i = 0; i < n; ++i)
    if (listed[i].required) required_set |= size_t{1} << i;
  const std::string close = seq({ws(), "\"}\""});
  const std::string tag = fresh_name("obj");
  // members-S: the next member, given the set S already written; after-S: what follows it.
  auto members = [&](size_t s) { return tag + "-m" + std::to_string(s); };
  auto after = [&](size_t s) { return tag + "-a" + std::to_string(s); };
  const auto has_next = [&](size_t s) { return s != full || !extra.empty(); };
  for (size_t s = 0; s <= full; ++s) {
    if (has_next(s)) {
      std::vector<std::string> alts;
      if (!extra.empty()) alts.push_back(extra + " " + after(s));
      for (size_t i = 0; i < n; ++i)
        if (!(s & (size_t{1} << i)))
          alts.push_back(listed[i].kv + " " + after(s | (size_t{1} << i)));
      std::string body;
      for (size_t i = 0; i < alts.size(); ++i) body += (i ? " | " : "") + alts[i];
      define(members(s), body);
    }
    std::vector<std::string> after_alts;
    if (has_next(s)) after_alts.push_back(seq({sep(), members(s)}));
    if ((s & required_set) == required_set) after_alts.push_back(close);
    std::string after_body;
    for (size_t i = 0; i < after_alts.size(); ++i) after_body += (i ? " | " : "") + after_alts[i];
    define(after(s), after_body.empty() ? "[^\\x00-\\U0010FFFF]" : after_body);
  }
  std::string first = members(0);
  if (required_set == 0 && !non_empty) first = "(" + members(0) + " | \"}\")";
  define(tag, seq({"\"{\"", ws(), first}));
  return tag;
}

// Too many listed members to track as a set: they come in the order the schema lists them,
// each at most once (the required ones always), and other keys after them.
std::string SchemaConverter::members_in_order(const std::vector<ObjectMember>& listed,
                                              const std::string& extra, bool non_empty) {
  const size_t n = listed.size();
  const std::string close = seq({ws(), "\"}\""});
  const std::string tag = fresh_name("obj");
  // rest-i: members i.. after at least one member; first-i: members i.. with none written yet.
  auto rest = [&](size_t i) { return tag + "-r" + std::to_string(i); };
  auto first = [&](size_t i) { return tag + "-f" + std::to_string(i); };
  for (size_t i = 0; i <= n; ++i) define(rest(i), "");
  for (size_t i = 0; i <= n; ++i) define(first(i), "");
  const std::string extras = extra.empty() ? "" : "(" + seq({sep(), extra}) + ")*";
  define(rest(n), seq({extras, close}));
  std::string first_end;
  if (!extra.empty()) first_end = seq({extra, rest(n)});
  if (!non_empty) first_end += (first_end.empty() ? "" : " | ") + std::string("\"}\"");
  define(first(n), first_end.empty() ? "[^\\x00-\\U0010FFFF]" : first_end);
  for (size_t i = n; i-- > 0;) {
    std::string r = seq({sep(), listed[i].kv, rest(i + 1)});
    std::string f = seq({listed[i].kv, rest(i + 1)});
    if (!listed[i].required) {
      r += " | " + rest(i + 1);
      f += " | " + first(i + 1);
    }
    define(rest(i), r);
    define(first(i), f);
  }
  define(tag, seq({"\"{\"", ws(), first(0)}));
  return tag;
}

}  // namespace ruvllm::structured::schema_detail
