#include "structured/grammar_compiler.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "core/error.h"
#include "structured/gbnf_parser.h"

namespace ruvllm::structured {

namespace {

std::string options_key(const JsonSchemaGrammarOptions& o) {
  return std::to_string(static_cast<int>(o.whitespace)) + "," + std::to_string(o.max_whitespace) +
         "," + std::to_string(o.strict) + "," + std::to_string(o.max_tracked_required) + "," +
         std::to_string(o.max_counted_repeat) + "," + std::to_string(o.ordered_large_objects);
}

std::string hash_key(const std::string& kind, const std::string& text) {
  const uint64_t h = XXH3_64bits(text.data(), text.size());
  return kind + ":" + std::to_string(h) + ":" + std::to_string(text.size());
}

std::shared_ptr<const CompiledGrammar> from_gbnf(
    const std::string& gbnf, std::vector<std::string> unenforced,
    const std::shared_ptr<const TokenVocabulary>& vocab) {
  auto compiled = std::make_shared<CompiledGrammar>(parse_gbnf(gbnf), vocab);
  compiled->unenforced = std::move(unenforced);
  return compiled;
}

// Schemas skip the GBNF text (json_schema_to_grammar lowers the converter's rules directly).
std::shared_ptr<const CompiledGrammar> from_schema_grammar(
    JsonSchemaGrammar g, const std::shared_ptr<const TokenVocabulary>& vocab) {
  auto compiled = std::make_shared<CompiledGrammar>(g.grammar, vocab);
  compiled->unenforced = std::move(g.unenforced);
  return compiled;
}

}  // namespace

GrammarCompiler::GrammarCompiler(std::shared_ptr<const TokenVocabulary> vocab, size_t capacity)
    : vocab_(std::move(vocab)), capacity_(std::max<size_t>(1, capacity)) {}

template <typename Build>
std::shared_ptr<const CompiledGrammar> GrammarCompiler::cached(const std::string& key,
                                                               Build build) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(key);
    if (it != entries_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second.second);
      return it->second.first;
    }
  }
  std::shared_ptr<const CompiledGrammar> compiled = build();
  std::lock_guard<std::mutex> lock(mutex_);
  if (entries_.count(key)) return entries_[key].first;
  lru_.push_front(key);
  entries_[key] = {compiled, lru_.begin()};
  while (entries_.size() > capacity_) {
    entries_.erase(lru_.back());
    lru_.pop_back();
  }
  return compiled;
}

std::shared_ptr<const CompiledGrammar> GrammarCompiler::compile_json_schema(
    const std::string& schema_json, const JsonSchemaGrammarOptions& options) {
  return cached(hash_key("schema" + options_key(options), schema_json), [&] {
    nlohmann::ordered_json schema;
    try {
      schema = nlohmann::ordered_json::parse(schema_json);
    } catch (const nlohmann::json::exception& e) {
      throw FormatError(std::string("JSON schema is not valid JSON: ") + e.what());
    }
    return from_schema_grammar(json_schema_to_grammar(schema, options), vocab_);
  });
}

std::shared_ptr<const CompiledGrammar> GrammarCompiler::compile_gbnf(const std::string& gbnf) {
  return cached(hash_key("gbnf", gbnf), [&] { return from_gbnf(gbnf, {}, vocab_); });
}

std::shared_ptr<const CompiledGrammar> GrammarCompiler::compile_any_json(
    bool object_only, const JsonSchemaGrammarOptions& options) {
  return cached("any:" + std::to_string(object_only) + options_key(options), [&] {
    return from_schema_grammar(any_json_grammar(object_only, options), vocab_);
  });
}

}  // namespace ruvllm::structured
