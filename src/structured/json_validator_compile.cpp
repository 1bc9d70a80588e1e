// Compiling a JSON Schema: indexing the identifiers ("$id", plain-name fragments, "$anchor") of
// every document involved, resolving "$ref"s to locations, and building one node per schema
// location. Nodes are memoised by location, so recursive schemas compile to cyclic graphs.
#include <deque>
#include <unordered_map>

#include "core/error.h"
#include "structured/json_validator.h"
#include "structured/json_validator_internal.h"
#include "structured/json_validator_uri.h"

namespace ruvllm::structured {
namespace detail {
namespace {

constexpr const char* kDraft7MetaschemaUri = "http://json-schema.org/draft-07/schema";
// Schemas nested deeper than this are rejected: compiling recurses once per level (a few KB of
// stack each under sanitizers). Real-world schemas stay far below (MaskBench: all compile).
constexpr std::size_t kMaxSchemaNesting = 200;

struct Document {
  json root;
  std::string uri;  // retrieval URI (no fragment)
  Dialect dialect = Dialect::kDraft7;
};

// A schema location that an identifier names.
struct Target {
  std::size_t document = 0;
  std::string pointer;
  std::string base_uri;
};

Dialect declared_dialect(const json& root) {
  if (!root.is_object()) return Dialect::kDraft7;
  auto it = root.find("$schema");
  if (it == root.end() || !it->is_string()) return Dialect::kDraft7;
  const std::string& uri = it->get_ref<const std::string&>();
  if (uri.find("2019-09") != std::string::npos || uri.find("2020-12") != std::string::npos) {
    return Dialect::kModern;
  }
  if (uri.find("draft-04") != std::string::npos || uri.find("draft-03") != std::string::npos) {
    return Dialect::kDraft4;
  }
  return Dialect::kDraft7;
}

std::string append_tokens(std::string pointer, const std::vector<std::string>& tokens) {
  for (const std::string& token : tokens) pointer += "/" + escape_pointer_token(token);
  return pointer;
}

class Compiler final : public SchemaBuilder {
 public:
  explicit Compiler(const JsonSchemaOptions& options)
      : options_(options), out_(std::make_shared<CompiledSchema>()) {
    out_->max_errors = options.max_errors;
    out_->max_depth = options.max_depth;
  }

  std::shared_ptr<CompiledSchema> run(const json& schema) {
    std::string base = split_fragment(options_.base_uri).first;
    std::size_t doc = add_document(schema, base);
    out_->root = compile_node(doc, "", bases_.at(location_key(doc, "")));
    return out_;
  }

  NodeId child(const SchemaLocation& parent, const std::vector<std::string>& tokens) override {
    const json* value = parent.value;
    for (const std::string& token : tokens) {
      value = step(*value, token);
      if (value == nullptr) fail(parent, tokens.front(), "has no subschema at " + tokens.back());
    }
    std::string pointer = append_tokens(parent.pointer, tokens);
    auto it = bases_.find(location_key(parent.document, pointer));
    std::string base =
        it != bases_.end() ? it->second : base_after_id(*value, parent.base_uri, parent.dialect);
    return compile_node(parent.document, pointer, base);
  }

  NodeId reference(const SchemaLocation& where, const std::string& reference) override {
    std::string uri = resolve_uri(where.base_uri, reference);
    auto [absolute, fragment] = split_fragment(uri);
    fragment = percent_decode(fragment);
    if (!fragment.empty() && fragment[0] != '/') {
      ensure_loaded(where, absolute);
      auto it = anchors_.find(absolute + "#" + fragment);
      if (it == anchors_.end()) fail(where, "$ref", "\"" + uri + "\" names no schema");
      return compile_node(it->second.document, it->second.pointer, it->second.base_uri);
    }
    const Target& resource = ensure_loaded(where, absolute);
    std::vector<std::string> tokens;
    try {
      tokens = parse_json_pointer(fragment);
    } catch (const FormatError& e) {
      fail(where, "$ref", e.what());
    }
    const json* value = locate(resource.document, resource.pointer);
    auto resource_base = bases_.find(location_key(resource.document, resource.pointer));
    std::string base = resource_base != bases_.end() ? resource_base->second : resource.base_uri;
    for (const std::string& token : tokens) {
      value = value == nullptr ? nullptr : step(*value, token);
      if (value == nullptr) fail(where, "$ref", "\"" + uri + "\" points to nothing");
      base = base_after_id(*value, base, docs_[resource.document].dialect);
    }
    std::string pointer = append_tokens(resource.pointer, tokens);
    auto known = bases_.find(location_key(resource.document, pointer));
    if (known != bases_.end()) base = known->second;
    return compile_node(resource.document, pointer, base);
  }

  bool assert_formats() const override { return options_.assert_formats; }

  [[noreturn]] void fail(const SchemaLocation& where, std::string_view keyword,
                         const std::string& message) const override {
    throw FormatError("invalid JSON Schema at " + where.keyword_uri(keyword) + ": " +
                      std::string(keyword) + " " + message);
  }

 private:
  static std::string location_key(std::size_t document, const std::string& pointer) {
    return std::to_string(document) + "#" + pointer;
  }

  static const json* step(const json& value, const std::string& token) {
    if (value.is_object()) {
      auto it = value.find(token);
      return it == value.end() ? nullptr : &*it;
    }
    if (value.is_array()) {
      if (token.empty() || token.size() > 9 ||
          token.find_first_not_of("0123456789") != std::string::npos ||
          (token.size() > 1 && token[0] == '0')) {
        return nullptr;
      }
      std::size_t index = std::stoul(token);
      return index < value.size() ? &value[index] : nullptr;
    }
    return nullptr;
  }

  const json* locate(std::size_t document, const std::string& pointer) const {
    const json* value = &docs_[document].root;
    for (const std::string& token : parse_json_pointer(pointer)) {
      value = step(*value, token);
      if (value == nullptr) return nullptr;
    }
    return value;
  }

  // Draft 4 spells it "id". Drafts before 2019-09 ignore it beside "$ref".
  static const json* effective_id(const json& schema, Dialect dialect) {
    if (!schema.is_object()) return nullptr;
    auto id = schema.find(dialect == Dialect::kDraft4 ? "id" : "$id");
    if (id == schema.end() || !id->is_string()) return nullptr;
    if (dialect != Dialect::kModern && schema.contains("$ref")) return nullptr;
    return &*id;
  }

  static std::string base_after_id(const json& schema, const std::string& base, Dialect dialect) {
    const json* id = effective_id(schema, dialect);
    if (id == nullptr) return base;
    return split_fragment(resolve_uri(base, id->get_ref<const std::string&>())).first;
  }

  std::size_t add_document(const json& root, const std::string& uri) {
    docs_.push_back({root, uri, declared_dialect(root)});
    std::size_t doc = docs_.size() - 1;
    resources_.emplace(uri, Target{doc, "", uri});
    index(doc, docs_[doc].root, "", uri);
    return doc;
  }

  // Records the base URI of every schema location and the identifiers they declare.
  void index(std::size_t doc, const json& schema, const std::string& pointer, std::string base,
             std::size_t depth = 0) {
    if (depth > kMaxSchemaNesting) return;  // compile_node rejects such schemas
    Dialect dialect = docs_[doc].dialect;
    if (const json* id = effective_id(schema, dialect)) {
      auto [absolute, fragment] = split_fragment(resolve_uri(base, id->get<std::string>()));
      if (fragment.empty() || fragment[0] == '/') {
        resources_.emplace(absolute, Target{doc, pointer, absolute});
      } else {
        // A plain-name fragment ("#foo") names this schema without changing the base, unless the
        // "$id" also has a path ("other.json#foo").
        anchors_.emplace(absolute + "#" + fragment, Target{doc, pointer, absolute});
      }
      base = absolute;
    }
    if (dialect == Dialect::kModern && schema.is_object()) {
      auto anchor = schema.find("$anchor");
      if (anchor != schema.end() && anchor->is_string()) {
        anchors_.emplace(base + "#" + anchor->get<std::string>(), Target{doc, pointer, base});
      }
    }
    bases_.emplace(location_key(doc, pointer), base);
    for_each_subschema(schema, [&](const std::vector<std::string>& tokens, const json& sub) {
      index(doc, sub, append_tokens(pointer, tokens), base, depth + 1);
    });
  }

  // The resource named by absolute URI `uri`, fetching it (built-in meta-schema, then the
  // resolver) when no loaded document declares it.
  const Target& ensure_loaded(const SchemaLocation& where, const std::string& uri) {
    auto it = resources_.find(uri);
    if (it != resources_.end()) return it->second;
    if (uri == kDraft7MetaschemaUri) {
      add_document(draft7_metaschema(), uri);
    } else {
      std::optional<json> fetched;
      if (options_.resolver) fetched = options_.resolver(uri);
      if (!fetched) fail(where, "$ref", "refers to \"" + uri + "\", which cannot be resolved");
      add_document(*fetched, uri);
    }
    return resources_.at(uri);
  }

  NodeId compile_node(std::size_t doc, const std::string& pointer, const std::string& base) {
    std::string key = location_key(doc, pointer);
    if (auto it = compiled_.find(key); it != compiled_.end()) return it->second;
    NodeId id = out_->nodes.size();
    out_->nodes.push_back(std::make_unique<SchemaNode>());
    compiled_.emplace(key, id);
    SchemaNode& node = *out_->nodes[id];
    node.location = docs_[doc].uri + "#" + pointer;

    SchemaLocation where{locate(doc, pointer), doc, pointer, base, docs_[doc].uri,
                         docs_[doc].dialect};
    const json& schema = *where.value;
    if (schema.is_boolean()) {
      node.is_boolean = true;
      node.boolean_value = schema.get<bool>();
      return id;
    }
    if (!schema.is_object()) {
      throw FormatError("invalid JSON Schema at " + node.location +
                        ": a schema must be an object or a boolean, not " + short_dump(schema));
    }
    if (++nesting_ > kMaxSchemaNesting) {
      throw FormatError("JSON Schema nests deeper than " + std::to_string(kMaxSchemaNesting) +
                        " levels");
    }
    if (schema.contains("$ref") && where.dialect != Dialect::kModern) {
      add_ref_keyword(*this, where, node);
    } else {
      add_ref_keyword(*this, where, node);
      add_generic_keywords(*this, where, node);
      add_numeric_keywords(*this, where, node);
      add_string_keywords(*this, where, node);
      add_array_keywords(*this, where, node);
      add_object_keywords(*this, where, node);
      add_logic_keywords(*this, where, node);
    }
    --nesting_;
    return id;
  }

  JsonSchemaOptions options_;
  std::shared_ptr<CompiledSchema> out_;
  std::deque<Document> docs_;  // deque: schema pointers into documents stay valid as it grows
  std::unordered_map<std::string, Target> resources_;   // absolute URI -> schema
  std::unordered_map<std::string, Target> anchors_;     // absolute URI#name -> schema
  std::unordered_map<std::string, std::string> bases_;  // location key -> base URI
  std::unordered_map<std::string, NodeId> compiled_;    // location key -> node
  std::size_t nesting_ = 0;
};

}  // namespace
}  // namespace detail

JsonSchemaValidator JsonSchemaValidator::compile(const nlohmann::json& schema,
                                                 const JsonSchemaOptions& options) {
  detail::Compiler compiler(options);
  return JsonSchemaValidator(compiler.run(schema));
}

}  // namespace ruvllm::structured
