// Compiling grammars for a vocabulary, with a cache of compiled grammars.
//
// Requests with the same schema (or GBNF text) and options share one CompiledGrammar: the key is
// a hash of the request text and options, so a server answering many requests with the same
// response_format compiles it once.
#pragma once

#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "structured/compiled_grammar.h"
#include "structured/json_schema_to_gbnf.h"
#include "structured/token_vocabulary.h"

namespace ruvllm::structured {

class GrammarCompiler {
 public:
  explicit GrammarCompiler(std::shared_ptr<const TokenVocabulary> vocab,
                           size_t cache_capacity = 64);

  // A JSON Schema given as JSON text. Throws FormatError for bad JSON or schemas,
  // UnsupportedError in strict mode for unenforceable keywords.
  std::shared_ptr<const CompiledGrammar> compile_json_schema(
      const std::string& schema_json, const JsonSchemaGrammarOptions& options = {});
  // GBNF text with a "root" rule.
  std::shared_ptr<const CompiledGrammar> compile_gbnf(const std::string& gbnf);
  // Any JSON value (or any JSON object).
  std::shared_ptr<const CompiledGrammar> compile_any_json(
      bool object_only, const JsonSchemaGrammarOptions& options = {});

  const std::shared_ptr<const TokenVocabulary>& vocab() const { return vocab_; }

 private:
  template <typename Build>
  std::shared_ptr<const CompiledGrammar> cached(const std::string& key, Build build);

  std::shared_ptr<const TokenVocabulary> vocab_;
  size_t capacity_;
  std::mutex mutex_;
  std::list<std::string> lru_;  // most recent first
  std::unordered_map<std::string, std::pair<std::shared_ptr<const CompiledGrammar>,
                                            std::list<std::string>::iterator>>
      entries_;
};

}  // namespace ruvllm::structured
