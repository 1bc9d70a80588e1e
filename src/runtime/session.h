// One sequence being evaluated: a model, its KV cache and a forward pass with its scratch.
//
// `eval` appends tokens (a prompt is split into batches of at most max_batch tokens, each batch
// going through every matrix product at once) and returns their logits: the last row, or every
// row for teacher forcing. Evaluating past the context size throws ContextFullError and leaves
// the session unchanged.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/error.h"
#include "core/thread_pool.h"
#include "model/model.h"
#include "runtime/forward.h"
#include "runtime/kv_cache.h"

namespace ruvllm {

class ContextFullError : public Error {
 public:
  using Error::Error;
};

struct SessionParams {
  int64_t n_ctx = 0;  // 0: min(model context, 4096)
  int64_t max_batch = 512;
  GgmlType kv_type = GgmlType::F16;  // F16 or F32
  // Where the KV blocks come from: a pool shared with other sessions of the model and with a
  // prefix cache (its type overrides kv_type), or null for a private pool without a budget.
  std::shared_ptr<KvBlockPool> kv_pool;
};

class Session {
 public:
  // `pool` may be null (single thread); it must outlive the session.
  Session(std::shared_ptr<const Model> model, SessionParams params, ThreadPool* pool);

  const Model& model() const { return *model_; }
  int64_t n_ctx() const { return cache_.n_ctx(); }
  int64_t n_past() const { return cache_.n_past(); }
  int64_t n_vocab() const { return model_->config().n_vocab; }
  const KvCache& cache() const { return cache_; }
  // Tokens evaluated so far, in order.
  const std::vector<int32_t>& tokens() const { return tokens_; }

  // Evaluates `tokens` after those already seen. Returns the logits of the last token
  // (n_vocab floats), or of every token (tokens.size() rows) when all_logits. The span stays
  // valid until the next call.
  std::span<float> eval(std::span<const int32_t> tokens, bool all_logits = false);

  // Like eval, but writes the final-normed hidden state of every token (tokens.size() rows of
  // n_embd floats, what the output head would read) to `hidden` instead of computing logits;
  // last_logits() is undefined until the next eval.
  void eval_hidden(std::span<const int32_t> tokens, float* hidden);

  // The logits row of the last evaluated token.
  std::span<float> last_logits();

  // Evaluates new tokens of several sessions of the same model in shared forward passes
  // (continuous batching: each weight matrix is read once for all of them), e.g. one decode
  // token per generating session plus a prompt chunk of another. Afterwards each session's
  // last_logits() is that of its last token. Throws ContextFullError (before evaluating
  // anything) when a session has no room, Error for mixed models or a repeated session.
  struct BatchItem {
    Session* session;
    std::span<const int32_t> tokens;
  };
  static void eval_batch(std::span<const BatchItem> items);

  // Forgets everything after the first n tokens (see KvCache::truncate).
  void truncate(int64_t n);
  void clear() { truncate(0); }

  // Replaces everything with a cached prefix: `tokens` whose keys and values (and convolution
  // snapshots) are held by `blocks` of this session's pool, mapped read-only (see
  // KvCache::map_prefix). The next eval continues after them; last_logits() is undefined until
  // then.
  void load_prefix(std::span<const int32_t> tokens, std::span<KvBlock* const> blocks);

 private:
  // Evaluates tokens in max_batch chunks, writing logits (all rows, or the last) and/or hidden
  // rows where the pointers are set.
  void eval_chunks(std::span<const int32_t> tokens, bool all_logits, float* logits, float* hidden);

  std::shared_ptr<const Model> model_;
  KvCache cache_;
  ForwardPass forward_;
  std::vector<int32_t> tokens_;
  std::vector<float> logits_;
  int64_t last_row_ = 0;  // row of logits_ holding the last token's logits
};

// The context size a session gets for `requested` (0: min(model context, 4096)).
int64_t default_context_size(const ModelConfig& config, int64_t requested);

}  // namespace ruvllm
