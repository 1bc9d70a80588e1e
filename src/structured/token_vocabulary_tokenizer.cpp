// Building a TokenVocabulary from a model's tokenizer.
#include "structured/token_vocabulary.h"
#include "tokenizer/tokenizer.h"

namespace ruvllm::structured {

std::shared_ptr<const TokenVocabulary> TokenVocabulary::from_tokenizer(const Tokenizer& tok) {
  const int32_t n = tok.n_vocab();
  std::vector<std::string> bytes(n);
  std::vector<bool> special(n, false);
  for (int32_t id = 0; id < n; ++id) {
    const TokenType type = tok.token_type(id);
    special[id] = tok.is_control(id) || tok.is_eog(id) || type == TokenType::Unused;
    if (!special[id]) bytes[id] = tok.token_to_bytes(id, false);
  }
  return std::make_shared<const TokenVocabulary>(std::move(bytes), std::move(special),
                                                 tok.eog_ids());
}

}  // namespace ruvllm::structured
