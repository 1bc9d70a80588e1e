#include "runtime/session.h"

#include <algorithm>
#include <string>

namespace ruvllm {

int64_t default_context_size(const ModelConfig& config, int64_t requested) {
  if (requested > 0) return requested;
  return std::min<int64_t>(config.n_ctx_train, 4096);
}

Session::Session(std::shared_ptr<const Model> model, SessionParams params, ThreadPool* pool)
    : model_(model),
      cache_(model->config(), default_context_size(model->config(), params.n_ctx), params.kv_type),
      forward_(model, cache_.n_ctx(), std::clamp<int64_t>(params.max_batch, 1, cache_.n_ctx()),
               pool) {
  logits_.resize(size_t(model_->config().n_vocab));
  tokens_.reserve(size_t(cache_.n_ctx()));
}

std::span<float> Session::eval(std::span<const int32_t> tokens, bool all_logits) {
  const int64_t n = int64_t(tokens.size());
  if (n == 0) throw Error("eval needs at least one token");
  if (cache_.n_past() + n > cache_.n_ctx())
    throw ContextFullError("context is full: " + std::to_string(cache_.n_past()) + " tokens + " +
                           std::to_string(n) + " new exceed the context size of " +
                           std::to_string(cache_.n_ctx()));
  const int64_t V = n_vocab();
  const int64_t rows = all_logits ? n : 1;
  if (int64_t(logits_.size()) < rows * V) logits_.resize(size_t(rows * V));
  const int64_t B = forward_.max_batch();
  for (int64_t start = 0; start < n; start += B) {
    const int64_t len = std::min(B, n - start);
    float* out = all_logits ? logits_.data() + start * V : logits_.data();
    forward_.run(cache_, tokens.data() + start, len, all_logits, out);
    tokens_.insert(tokens_.end(), tokens.begin() + start, tokens.begin() + start + len);
  }
  last_row_ = rows - 1;
  return std::span<float>(logits_.data(), size_t(rows * V));
}

std::span<float> Session::last_logits() {
  return std::span<float>(logits_.data() + last_row_ * n_vocab(), size_t(n_vocab()));
}

void Session::truncate(int64_t n) {
  cache_.truncate(n);
  tokens_.resize(size_t(n));
}

}  // namespace ruvllm
