#include "runtime/embedding.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"

namespace ruvllm {

Pooling model_pooling(const Model& model) {
  const std::string key = model.config().architecture + ".pooling_type";
  const std::optional<int64_t> type = model.file().get_int(key);
  if (!type || *type == 0 || *type == 1) return Pooling::Mean;  // 0: none declared
  if (*type == 2) return Pooling::First;
  if (*type == 3) return Pooling::Last;
  throw FormatError(key + " = " + std::to_string(*type) + " is not a pooling RuvLLM supports");
}

std::vector<float> embed_tokens(Session& session, std::span<const int32_t> tokens,
                                Pooling pooling) {
  if (tokens.empty()) throw Error("an embedding needs at least one token");
  const int64_t E = session.model().config().n_embd;
  session.clear();
  std::vector<float> hidden(tokens.size() * size_t(E));
  session.eval_hidden(tokens, hidden.data());

  std::vector<float> out(size_t(E), 0.0f);
  if (pooling == Pooling::Mean) {
    // Summed in double: inputs run to thousands of tokens.
    std::vector<double> sum(size_t(E), 0.0);
    for (size_t t = 0; t < tokens.size(); ++t)
      for (int64_t i = 0; i < E; ++i) sum[size_t(i)] += hidden[t * size_t(E) + size_t(i)];
    for (int64_t i = 0; i < E; ++i) out[size_t(i)] = float(sum[size_t(i)] / double(tokens.size()));
  } else {
    const size_t row = pooling == Pooling::First ? 0 : tokens.size() - 1;
    std::copy_n(hidden.begin() + ptrdiff_t(row * size_t(E)), E, out.begin());
  }
  double norm = 0;
  for (float v : out) norm += double(v) * double(v);
  norm = std::sqrt(norm);
  if (norm > 0)
    for (float& v : out) v = float(double(v) / norm);
  return out;
}

}  // namespace ruvllm
