// The forward pass: runs a batch of tokens through the model, extending a KvCache, and produces
// logits.
//
// One skeleton serves every architecture (see model/model_config.h). All tokens of a batch go
// through each matrix product together (kernels::matmul with n_batch = tokens); single-token
// decode is the same code with a batch of one. Scratch buffers are allocated once for the
// largest batch, so decoding allocates nothing per token.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/thread_pool.h"
#include "kernels/attention.h"
#include "kernels/ops_rope.h"
#include "model/model.h"
#include "runtime/kv_cache.h"

namespace ruvllm {

class ForwardPass {
 public:
  // n_ctx: the largest cache this pass will be used with; max_batch: tokens per run() call.
  ForwardPass(std::shared_ptr<const Model> model, int64_t n_ctx, int64_t max_batch,
              ThreadPool* pool);

  int64_t max_batch() const { return max_batch_; }
  const Model& model() const { return *model_; }

  // Evaluates tokens[0, n) at positions cache.n_past() ... and advances the cache. Writes the
  // logits of every token (n rows of n_vocab) when all_logits, else of the last one only.
  // Requires 0 < n <= max_batch and room in the cache; throws Error for invalid token ids and
  // KvBudgetError when the cache's block pool is full (then no cache has changed).
  void run(KvCache& cache, const int32_t* tokens, int64_t n, bool all_logits, float* logits);

  // Several sequences at once (continuous batching): their tokens go through every matrix
  // product together, so the weights are read once for all of them; attention and convolution
  // state stay per sequence. Each input as for run() above; distinct caches; at most max_batch
  // tokens in total.
  // With `hidden` set, the sequence's final-normed hidden state of every token (tokens.size()
  // rows of n_embd, the input of the output head) is written there, for embeddings; `logits`
  // may then be null to skip the output head for it.
  struct SequenceInput {
    KvCache* cache;
    std::span<const int32_t> tokens;
    bool all_logits;
    float* logits;
    float* hidden = nullptr;
  };
  void run(std::span<const SequenceInput> inputs);

 private:
  // One sequence's rows [begin, begin + n) of the batch, at positions pos0...
  struct Segment {
    KvCache* cache;
    int64_t begin;
    int64_t n;
    int64_t pos0;
    bool all_logits;
    float* logits;
    float* hidden;
  };

  void embed(const int32_t* tokens, int64_t n, float* x);
  void attention_block(int il, int64_t n);
  void conv_block(int il, int64_t n);
  void conv_sequence(int il, const Segment& seg);
  void ffn_block(int il, int64_t n);
  void output();
  void matmul(const kernels::WeightView& w, const float* x, int64_t n, float* y);

  std::shared_ptr<const Model> model_;
  const ModelConfig& c_;
  const ModelWeights& w_;
  int64_t n_ctx_;
  int64_t max_batch_;
  ThreadPool* pool_;
  std::vector<kernels::RopeParams> rope_;  // per layer, with the frequency factors resolved

  // Scratch, sized for max_batch tokens.
  std::vector<float> x_;   // residual stream
  std::vector<float> xn_;  // normed input of a block
  std::vector<float> q_, k_, v_;
  std::vector<float> qkv_;    // fused projection output
  std::vector<float> mixed_;  // attention / convolution output before its projection
  std::vector<float> proj_;   // block output
  std::vector<float> gate_, up_;
  std::vector<float> att_scratch_;
  std::vector<float> rope_cos_, rope_sin_;
  int64_t att_scratch_per_thread_ = 0;
  std::vector<Segment> segments_;                  // of the current run
  std::vector<kernels::AttentionItem> att_items_;  // one per segment, rebuilt per layer
  std::vector<float> logits_;                      // output rows of multi-sequence runs
};

}  // namespace ruvllm
