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
      cache_(model->config(), default_context_size(model->config(), params.n_ctx),
             params.kv_pool ? params.kv_pool
                            : std::make_shared<KvBlockPool>(model->config(), params.kv_type)),
      forward_(model, cache_.n_ctx(), std::clamp<int64_t>(params.max_batch, 1, cache_.n_ctx()),
               pool) {
  logits_.resize(size_t(model_->config().n_vocab));
  tokens_.reserve(size_t(cache_.n_ctx()));
}

void Session::eval_chunks(std::span<const int32_t> tokens, bool all_logits, float* logits,
                          float* hidden) {
  const int64_t n = int64_t(tokens.size());
  if (n == 0) throw Error("eval needs at least one token");
  if (cache_.n_past() + n > cache_.n_ctx())
    throw ContextFullError("context is full: " + std::to_string(cache_.n_past()) + " tokens + " +
                           std::to_string(n) + " new exceed the context size of " +
                           std::to_string(cache_.n_ctx()));
  const int64_t V = n_vocab(), E = model_->config().n_embd;
  const int64_t B = forward_.max_batch();
  for (int64_t start = 0; start < n; start += B) {
    const int64_t len = std::min(B, n - start);
    const ForwardPass::SequenceInput input{
        &cache_, tokens.subspan(size_t(start), size_t(len)), all_logits,
        // Without all_logits only the last chunk needs the output head.
        !logits            ? nullptr
        : all_logits       ? logits + start * V
        : start + len == n ? logits
                           : nullptr,
        hidden ? hidden + start * E : nullptr};
    forward_.run(std::span<const ForwardPass::SequenceInput>(&input, 1));
    tokens_.insert(tokens_.end(), tokens.begin() + start, tokens.begin() + start + len);
  }
}

std::span<float> Session::eval(std::span<const int32_t> tokens, bool all_logits) {
  const int64_t V = n_vocab();
  const int64_t rows = all_logits ? int64_t(tokens.size()) : 1;
  if (int64_t(logits_.size()) < rows * V) logits_.resize(size_t(rows * V));
  eval_chunks(tokens, all_logits, logits_.data(), nullptr);
  last_row_ = rows - 1;
  return std::span<float>(logits_.data(), size_t(rows * V));
}

void Session::eval_hidden(std::span<const int32_t> tokens, float* hidden) {
  eval_chunks(tokens, false, nullptr, hidden);
}

std::span<float> Session::last_logits() {
  return std::span<float>(logits_.data() + last_row_ * n_vocab(), size_t(n_vocab()));
}

void Session::eval_batch(std::span<const BatchItem> items) {
  if (items.empty()) return;
  for (size_t i = 0; i < items.size(); ++i) {
    const Session& s = *items[i].session;
    if (s.model_ != items[0].session->model_)
      throw Error("eval_batch: all sessions must use the same model");
    for (size_t j = 0; j < i; ++j)
      if (items[j].session == items[i].session) throw Error("eval_batch: a session appears twice");
    const int64_t n = int64_t(items[i].tokens.size());
    if (s.n_past() + n > s.n_ctx())
      throw ContextFullError("context is full: " + std::to_string(s.n_past()) + " tokens + " +
                             std::to_string(n) + " new exceed the context size of " +
                             std::to_string(s.n_ctx()));
  }
  // The pass of the session with the largest context has scratch for every sequence's attention.
  Session* host = items[0].session;
  for (const BatchItem& item : items)
    if (item.session->n_ctx() > host->n_ctx()) host = item.session;
  ForwardPass& forward = host->forward_;
  const int64_t budget = forward.max_batch();
  std::vector<size_t> done(items.size(), 0);
  std::vector<ForwardPass::SequenceInput> inputs;
  inputs.reserve(items.size());
  std::vector<size_t> which;
  which.reserve(items.size());
  for (;;) {
    inputs.clear();
    which.clear();
    int64_t room = budget;
    for (size_t i = 0; i < items.size() && room > 0; ++i) {
      const size_t left = items[i].tokens.size() - done[i];
      if (left == 0) continue;
      const size_t take = std::min<size_t>(left, size_t(room));
      Session& s = *items[i].session;
      inputs.push_back(
          {&s.cache_, items[i].tokens.subspan(done[i], take), false, s.logits_.data()});
      which.push_back(i);
      room -= int64_t(take);
    }
    if (inputs.empty()) break;
    forward.run(inputs);
    for (size_t k = 0; k < inputs.size(); ++k) {
      Session& s = *items[which[k]].session;
      s.tokens_.insert(s.tokens_.end(), inputs[k].tokens.begin(), inputs[k].tokens.end());
      s.last_row_ = 0;
      done[which[k]] += inputs[k].tokens.size();
    }
  }
}

void Session::truncate(int64_t n) {
  cache_.truncate(n);
  tokens_.resize(size_t(n));
}

void Session::load_prefix(std::span<const int32_t> tokens, std::span<KvBlock* const> blocks) {
  cache_.map_prefix(blocks, int64_t(tokens.size()));
  tokens_.assign(tokens.begin(), tokens.end());
  last_row_ = 0;
}

}  // namespace ruvllm
