// $ref resolution (JSON pointers, $id and $anchor within the document) and allOf merging.
#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "structured/schema_converter.h"

namespace ruvllm::structured::schema_detail {

namespace {

std::string percent_decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

const Json* follow_pointer(const Json& doc, const std::string& pointer) {
  const Json* cur = &doc;
  size_t pos = 0;
  while (pos < pointer.size()) {
    if (pointer[pos] != '/') return nullptr;
    size_t end = pointer.find('/', pos + 1);
    if (end == std::string::npos) end = pointer.size();
    std::string token;
    const std::string raw = pointer.substr(pos + 1, end - pos - 1);
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '~' && i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
        token += raw[i + 1] == '0' ? '~' : '/';
        ++i;
      } else {
        token += raw[i];
      }
    }
    if (cur->is_object()) {
      auto it = cur->find(token);
      if (it == cur->end()) return nullptr;
      cur = &*it;
    } else if (cur->is_array()) {
      if (token.empty() || token.find_first_not_of("0123456789") != std::string::npos)
        return nullptr;
      const size_t index = std::stoul(token);
      if (index >= cur->size()) return nullptr;
      cur = &(*cur)[index];
    } else {
      return nullptr;
    }
    pos = end;
  }
  return cur;
}

// The last path segment of an id or URL ("http://x/y/z.json" -> "z.json").
std::string tail_of(const std::string& s) {
  const size_t slash = s.find_last_of('/');
  return slash == std::string::npos ? s : s.substr(slash + 1);
}

}  // namespace

const Json* SchemaConverter::find_id(const Json& node, const std::string& id) const {
  if (node.is_object()) {
    for (const char* key : {"$id", "id", "$anchor"}) {
      auto it = node.find(key);
      if (it != node.end() && it->is_string()) {
        const std::string v = it->get<std::string>();
        if (v == id || (key[1] == 'a' && "#" + v == id) ||
            (!id.empty() && tail_of(v) == tail_of(id) && id.find('/') != std::string::npos)) {
          return &node;
        }
        if (v == id) return &node;
      }
    }
    for (const auto& [k, v] : node.items()) {
      if (k == "enum" || k == "const" || k == "examples" || k == "default") continue;
      if (const Json* found = find_id(v, id)) return found;
    }
  } else if (node.is_array()) {
    for (const auto& v : node) {
      if (const Json* found = find_id(v, id)) return found;
    }
  }
  return nullptr;
}

const Json& SchemaConverter::resolve(const std::string& ref_in, const std::string& path) {
  const std::string ref = percent_decode(ref_in);
  const size_t hash = ref.find('#');
  const std::string base_part = hash == std::string::npos ? ref : ref.substr(0, hash);
  const std::string fragment = hash == std::string::npos ? "" : ref.substr(hash + 1);
  const Json* doc = &root_;
  if (!base_part.empty()) {
    std::string root_id;
    for (const char* key : {"$id", "id"}) {
      if (root_.is_object() && root_.contains(key) && root_[key].is_string()) {
        root_id = root_[key].get<std::string>();
      }
    }
    const std::string root_base = root_id.substr(0, root_id.find('#'));
    if (root_base.empty() || (base_part != root_base && tail_of(base_part) != tail_of(root_base))) {
      doc = find_id(root_, base_part);
      if (!doc) throw FormatError("JSON schema: cannot resolve $ref '" + ref_in + "' at " + path);
    }
  }
  if (fragment.empty()) return *doc;
  if (fragment[0] == '/') {
    const Json* target = follow_pointer(*doc, fragment);
    if (!target) throw FormatError("JSON schema: cannot resolve $ref '" + ref_in + "' at " + path);
    return *target;
  }
  if (const Json* anchored = find_id(*doc, "#" + fragment)) return *anchored;
  throw FormatError("JSON schema: cannot resolve $ref '" + ref_in + "' at " + path);
}

const Json& SchemaConverter::deref(const Json& schema, const std::string& path) {
  const Json* cur = &schema;
  for (int hops = 0; hops < 64; ++hops) {
    if (!cur->is_object()) return *cur;
    auto it = cur->find("$ref");
    if (it == cur->end() || !it->is_string() || has_validation_keywords(*cur)) return *cur;
    cur = &resolve(it->get<std::string>(), path);
  }
  throw FormatError("JSON schema: $ref cycle at " + path);
}

std::string SchemaConverter::ref_rule(const std::string& ref, const std::string& path) {
  auto it = rule_by_ref_.find(ref);
  if (it != rule_by_ref_.end()) return it->second;
  const Json& target = resolve(ref, path);
  const size_t slash = ref.find_last_of("/#");
  const std::string name =
      fresh_name("ref-" + (slash == std::string::npos ? ref : ref.substr(slash + 1)));
  rule_by_ref_[ref] = name;  // before visiting: recursive schemas refer back to it
  define(name, visit(target, ref));
  return name;
}

Json SchemaConverter::merge(const Json& a_in, const Json& b_in, const std::string& path) {
  if (a_in.is_boolean() || b_in.is_boolean()) {
    if ((a_in.is_boolean() && !a_in.get<bool>()) || (b_in.is_boolean() && !b_in.get<bool>())) {
      return false;
    }
    return a_in.is_boolean() ? b_in : a_in;
  }
  if (!a_in.is_object() || !b_in.is_object()) {
    throw FormatError("JSON schema: allOf member is not a schema at " + path);
  }
  // Merge nested allOf first so every keyword below is final.
  Json a = a_in, b = b_in;
  for (Json* s : {&a, &b}) {
    auto it = s->find("allOf");
    if (it == s->end() || !it->is_array()) continue;
    Json parts = *it;
    s->erase("allOf");
    for (const auto& part : parts) *s = merge(*s, deref(part, path), path);
  }
  Json out = a;
  for (const auto& [key, bv] : b.items()) {
    auto it = out.find(key);
    if (it == out.end()) {
      out[key] = bv;
      continue;
    }
    Json& av = *it;
    if (av == bv) continue;
    if (key == "properties" && av.is_object() && bv.is_object()) {
      for (const auto& [name, sub] : bv.items()) {
        if (av.contains(name)) {
          av[name] = Json{{"allOf", Json::array({av[name], sub})}};
        } else {
          av[name] = sub;
        }
      }
    } else if (key == "required" && av.is_array() && bv.is_array()) {
      for (const auto& r : bv) {
        if (std::find(av.begin(), av.end(), r) == av.end()) av.push_back(r);
      }
    } else if (key == "type") {
      auto list = [](const Json& t) {
        std::vector<std::string> v;
        if (t.is_string()) v.push_back(t.get<std::string>());
        if (t.is_array()) {
          for (const auto& x : t) {
            if (x.is_string()) v.push_back(x.get<std::string>());
          }
        }
        return v;
      };
      const auto ta = list(av), tb = list(bv);
      Json both = Json::array();
      for (const auto& t : ta) {
        const bool in_b = std::find(tb.begin(), tb.end(), t) != tb.end() ||
                          (t == "integer" && std::find(tb.begin(), tb.end(), "number") != tb.end());
        if (in_b)
          both.push_back(t);
        else if (t == "number" && std::find(tb.begin(), tb.end(), "integer") != tb.end())
          both.push_back("integer");
      }
      av = both;
    } else if (key == "enum" && av.is_array() && bv.is_array()) {
      Json both = Json::array();
      for (const auto& v : av) {
        if (std::find(bv.begin(), bv.end(), v) != bv.end()) both.push_back(v);
      }
      av = both;
    } else if ((key == "minimum" || key == "minLength" || key == "minItems" ||
                key == "minProperties") &&
               av.is_number() && bv.is_number()) {
      if (bv.get<double>() > av.get<double>()) av = bv;
    } else if ((key == "maximum" || key == "maxLength" || key == "maxItems" ||
                key == "maxProperties") &&
               av.is_number() && bv.is_number()) {
      if (bv.get<double>() < av.get<double>()) av = bv;
    } else if (key == "additionalProperties" || key == "items" || key == "additionalItems") {
      if ((av.is_boolean() && !av.get<bool>()) || (bv.is_boolean() && !bv.get<bool>())) {
        av = false;
      } else if (av.is_object() && bv.is_object()) {
        av = Json{{"allOf", Json::array({av, bv})}};
      } else if (av.is_boolean()) {
        av = bv;
      }
    } else if (key == "anyOf" || key == "oneOf") {
      // (A1|A2) and (B1|B2): distribute when small, else keep one side.
      if (av.is_array() && bv.is_array() && av.size() * bv.size() <= 16) {
        Json product = Json::array();
        for (const auto& x : av) {
          for (const auto& y : bv) product.push_back(Json{{"allOf", Json::array({x, y})}});
        }
        av = product;
      } else {
        note(key + " (in allOf, partly)", path);
      }
    } else if (key == "title" || key == "description" || key == "default" || key == "examples" ||
               key == "$comment" || key == "$schema" || key == "$id" || key == "id" ||
               key == "definitions" || key == "$defs") {
      // Annotations: keep the first.
    } else {
      note(key + " (conflicting in allOf)", path);
    }
  }
  return out;
}

}  // namespace ruvllm::structured::schema_detail
