#include "runtime/forward.h"

#include <algorithm>
#include <cstring>
#include <initializer_list>
#include <span>
#include <string>

#include "core/error.h"
#include "kernels/attention.h"
#include "kernels/matmul.h"
#include "kernels/ops.h"

namespace ruvllm {

ForwardPass::ForwardPass(std::shared_ptr<const Model> model, int64_t n_ctx, int64_t max_batch,
                         ThreadPool* pool)
    : model_(std::move(model)),
      c_(model_->config()),
      w_(model_->weights()),
      n_ctx_(n_ctx),
      max_batch_(max_batch),
      pool_(pool) {
  if (max_batch <= 0 || n_ctx <= 0) throw Error("forward pass needs a positive batch and context");
  // Phi-3's long factors apply when the context exceeds the trained one, as in llama.cpp.
  const float* factors = c_.rope_freqs;
  if (!factors && (c_.rope_factors_long || c_.rope_factors_short)) {
    const bool long_ctx = n_ctx > c_.layers[0].rope.n_ctx_orig;
    factors = long_ctx && c_.rope_factors_long ? c_.rope_factors_long : c_.rope_factors_short;
  }
  int32_t max_kv = 0, max_rot = 0;
  bool fused_qkv = false, fused_ffn = false;
  for (size_t il = 0; il < c_.layers.size(); ++il) {
    rope_.push_back(c_.layers[il].rope);
    rope_.back().freq_factors = factors;
    max_kv = std::max(max_kv, c_.layers[il].n_head_kv);
    max_rot = std::max(max_rot, c_.layers[il].rope.n_dims);
    fused_qkv |= present(w_.layers[il].wqkv);
    fused_ffn |= !present(w_.layers[il].ffn_gate);
  }
  const int64_t B = max_batch;
  const int64_t q_width = int64_t(c_.n_head) * c_.head_dim_k;
  const int64_t k_width = int64_t(max_kv) * c_.head_dim_k;
  const int64_t v_width = int64_t(max_kv) * c_.head_dim_v;
  segments_.reserve(64);
  att_items_.reserve(64);
  x_.resize(size_t(B * c_.n_embd));
  xn_.resize(size_t(B * c_.n_embd));
  q_.resize(size_t(B * q_width));
  k_.resize(size_t(B * k_width));
  v_.resize(size_t(B * v_width));
  if (fused_qkv) qkv_.resize(size_t(B * (q_width + k_width + v_width)));
  mixed_.resize(size_t(B * std::max<int64_t>(int64_t(c_.n_head) * c_.head_dim_v, c_.n_embd)));
  proj_.resize(size_t(B * c_.n_embd));
  const int64_t gate_width =
      std::max<int64_t>(fused_ffn ? 2 * c_.n_ff : c_.n_ff, c_.n_conv_layers() ? 3 * c_.n_embd : 0);
  gate_.resize(size_t(B * gate_width));
  up_.resize(size_t(B * c_.n_ff));
  kernels::AttentionShape shape{c_.n_head, std::max(max_kv, 1), c_.head_dim_k, c_.head_dim_v};
  att_scratch_per_thread_ = kernels::attention_scratch_per_thread(n_ctx, shape);
  att_scratch_.resize(size_t(att_scratch_per_thread_ * (pool_ ? pool_->size() : 1)));
  rope_cos_.resize(size_t(max_rot / 2 + 1));
  rope_sin_.resize(size_t(max_rot / 2 + 1));
}

// Below this many multiply-adds a product runs on the calling thread: waking workers costs more
// than it saves, and far more when the machine is oversubscribed.
constexpr int64_t kMinParallelWork = int64_t(1) << 18;
// Attention does several operations per multiply-add (softmax, F16 rounding) and the workers
// are still spinning from the products before it, so it pays to split it much earlier: a
// decode step's attention over a few dozen cached rows would otherwise leave the other threads
// waiting.
constexpr int64_t kMinParallelAttention = int64_t(1) << 13;

void ForwardPass::matmul(const kernels::WeightView& w, const float* x, int64_t n, float* y) {
  kernels::matmul(w, x, n, y, w.rows * w.cols * n >= kMinParallelWork ? pool_ : nullptr);
}

// Products of one input (Q/K/V, gate/up) as one pool job: the threads meet once, not per product.
static void matmul_same_input(std::initializer_list<kernels::MatmulOutput> outs, const float* x,
                              int64_t n, ThreadPool* pool) {
  int64_t work = 0;
  for (const auto& o : outs) work += o.w.rows * o.w.cols * n;
  kernels::matmul_shared(std::span(outs.begin(), outs.size()), x, n,
                         work >= kMinParallelWork ? pool : nullptr);
}

void ForwardPass::embed(const int32_t* tokens, int64_t n, float* x) {
  for (int64_t t = 0; t < n; ++t) {
    if (tokens[t] < 0 || tokens[t] >= c_.n_vocab)
      throw Error("token id " + std::to_string(tokens[t]) + " is outside the vocabulary (0.." +
                  std::to_string(c_.n_vocab - 1) + ")");
    float* row = x + t * c_.n_embd;
    kernels::get_row(w_.token_embd, tokens[t], row);
    if (c_.embedding_scale != 1.0f) kernels::scale_inplace(row, c_.embedding_scale, c_.n_embd);
  }
}

void ForwardPass::attention_block(int il, int64_t n) {
  const LayerWeights& lw = w_.layers[size_t(il)];
  const LayerConfig& lc = c_.layers[size_t(il)];
  const int64_t q_width = int64_t(c_.n_head) * c_.head_dim_k;
  const int64_t k_width = int64_t(lc.n_head_kv) * c_.head_dim_k;
  const int64_t v_width = int64_t(lc.n_head_kv) * c_.head_dim_v;
  if (present(lw.wqkv)) {
    const int64_t width = q_width + k_width + v_width;
    matmul(lw.wqkv, xn_.data(), n, qkv_.data());
    for (int64_t t = 0; t < n; ++t) {
      const float* row = qkv_.data() + t * width;
      std::memcpy(q_.data() + t * q_width, row, size_t(q_width) * 4);
      std::memcpy(k_.data() + t * k_width, row + q_width, size_t(k_width) * 4);
      std::memcpy(v_.data() + t * v_width, row + q_width + k_width, size_t(v_width) * 4);
    }
  } else {
    matmul_same_input({{lw.wq, q_.data()}, {lw.wk, k_.data()}, {lw.wv, v_.data()}}, xn_.data(), n,
                      pool_);
    if (lw.bq) kernels::add_bias(q_.data(), lw.bq.data, q_width, n);
    if (lw.bk) kernels::add_bias(k_.data(), lw.bk.data, k_width, n);
    if (lw.bv) kernels::add_bias(v_.data(), lw.bv.data, v_width, n);
  }
  if (lw.q_norm)
    kernels::rms_norm(q_.data(), lw.q_norm.data, c_.head_dim_k, n * c_.n_head, c_.norm_eps,
                      q_.data());
  if (lw.k_norm)
    kernels::rms_norm(k_.data(), lw.k_norm.data, c_.head_dim_k, n * lc.n_head_kv, c_.norm_eps,
                      k_.data());
  const kernels::RopeParams& rope = rope_[size_t(il)];
  kernels::AttentionShape shape{c_.n_head,        lc.n_head_kv,       c_.head_dim_k,
                                c_.head_dim_v,    c_.attention_scale, c_.attn_softcap,
                                lc.sliding_window};
  const int64_t out_width = int64_t(c_.n_head) * c_.head_dim_v;
  att_items_.clear();
  int64_t work = 0;
  for (const Segment& seg : segments_) {
    for (int64_t i = 0; i < seg.n; ++i) {
      const int64_t t = seg.begin + i;
      kernels::rope_angles(rope, seg.pos0 + i, rope_cos_.data(), rope_sin_.data());
      kernels::rope_apply(q_.data() + t * q_width, c_.n_head, c_.head_dim_k, rope.n_dims, rope.neox,
                          rope_cos_.data(), rope_sin_.data());
      kernels::rope_apply(k_.data() + t * k_width, lc.n_head_kv, c_.head_dim_k, rope.n_dims,
                          rope.neox, rope_cos_.data(), rope_sin_.data());
      seg.cache->store(il, seg.pos0 + i, k_.data() + t * k_width, v_.data() + t * v_width);
    }
    const int64_t n_kv = seg.pos0 + seg.n;
    work += seg.n * n_kv * c_.n_head * (c_.head_dim_k + c_.head_dim_v);
    att_items_.push_back({q_.data() + seg.begin * q_width, q_width, seg.n, seg.pos0,
                          seg.cache->view(il, n_kv), mixed_.data() + seg.begin * out_width,
                          out_width});
  }
  // All sequences' attention in one job: one synchronisation per layer for a whole batch.
  kernels::attention_batch(shape, att_items_, att_scratch_.data(),
                           work >= kMinParallelAttention ? pool_ : nullptr);
  matmul(lw.wo, mixed_.data(), n, proj_.data());
  if (lw.bo) kernels::add_bias(proj_.data(), lw.bo.data, c_.n_embd, n);
}

void ForwardPass::conv_block(int il, int64_t n) {
  const LayerWeights& lw = w_.layers[size_t(il)];
  matmul(lw.conv_in, xn_.data(), n, gate_.data());
  for (const Segment& seg : segments_) conv_sequence(il, seg);
  matmul(lw.conv_out, mixed_.data(), n, proj_.data());
}

// The causal convolution of one sequence's tokens, continuing from its cached window.
void ForwardPass::conv_sequence(int il, const Segment& seg) {
  const int64_t E = c_.n_embd;
  const int64_t L = c_.conv_kernel;
  float* state = seg.cache->conv_state(il);                      // L - 1 rows, oldest first
  const float* kernel = w_.layers[size_t(il)].conv_kernel.data;  // kernel[ch * L + tap]
  for (int64_t t = seg.begin; t < seg.begin + seg.n; ++t) {
    const float* b = gate_.data() + t * 3 * E;
    const float* c = b + E;
    const float* h = c + E;
    float* out = mixed_.data() + t * E;
    for (int64_t ch = 0; ch < E; ++ch) {
      const float u = b[ch] * h[ch];
      const float* taps = kernel + ch * L;
      float acc = taps[L - 1] * u;
      for (int64_t k = 0; k + 1 < L; ++k) acc += taps[k] * state[k * E + ch];
      for (int64_t k = 0; k + 2 < L; ++k) state[k * E + ch] = state[(k + 1) * E + ch];
      if (L > 1) state[(L - 2) * E + ch] = u;
      out[ch] = c[ch] * acc;
    }
    // A completed block keeps the state it ends with, so a sequence can resume from it.
    const int64_t pos = seg.pos0 + (t - seg.begin) + 1;
    if (pos % seg.cache->block_size() == 0) seg.cache->snapshot_conv(il, pos);
  }
}

void ForwardPass::ffn_block(int il, int64_t n) {
  const LayerWeights& lw = w_.layers[size_t(il)];
  const int64_t F = c_.n_ff;
  auto act = c_.activation == FfnActivation::GeluTanh ? kernels::geglu_tanh : kernels::swiglu;
  if (present(lw.ffn_gate)) {
    matmul_same_input({{lw.ffn_gate, gate_.data()}, {lw.ffn_up, up_.data()}}, xn_.data(), n, pool_);
    act(gate_.data(), up_.data(), up_.data(), n * F);
  } else {
    // Fused [gate | up] rows of 2F.
    matmul(lw.ffn_up, xn_.data(), n, gate_.data());
    for (int64_t t = 0; t < n; ++t) {
      const float* row = gate_.data() + t * 2 * F;
      act(row, row + F, up_.data() + t * F, F);
    }
  }
  matmul(lw.ffn_down, up_.data(), n, proj_.data());
}

void ForwardPass::run(KvCache& cache, const int32_t* tokens, int64_t n, bool all_logits,
                      float* logits) {
  const SequenceInput input{&cache, std::span<const int32_t>(tokens, size_t(n)), all_logits,
                            logits};
  run(std::span<const SequenceInput>(&input, 1));
}

void ForwardPass::run(std::span<const SequenceInput> inputs) {
  segments_.clear();
  int64_t n = 0;
  for (const SequenceInput& in : inputs) {
    const int64_t len = int64_t(in.tokens.size());
    const int64_t pos0 = in.cache->n_past();
    if (len <= 0) throw Error("forward pass: every sequence needs at least one token");
    if (pos0 + len > in.cache->n_ctx() || pos0 + len > n_ctx_)
      throw Error("context is full: " + std::to_string(pos0) + " + " + std::to_string(len) +
                  " tokens exceed the context size " + std::to_string(in.cache->n_ctx()));
    for (const Segment& other : segments_)
      if (other.cache == in.cache) throw Error("forward pass: a sequence appears twice in a batch");
    segments_.push_back(Segment{in.cache, n, len, pos0, in.all_logits, in.logits, in.hidden});
    n += len;
  }
  if (n > max_batch_) throw Error("forward pass: batch size out of range");
  // Allocation (and copy-on-write of shared blocks) happens before anything is written, so a
  // full pool leaves every sequence as it was.
  for (const Segment& seg : segments_) seg.cache->prepare(seg.n);
  const int64_t E = c_.n_embd;
  for (const Segment& seg : segments_)
    embed(inputs[size_t(&seg - segments_.data())].tokens.data(), seg.n, x_.data() + seg.begin * E);
  for (int il = 0; il < c_.n_layer; ++il) {
    const LayerWeights& lw = w_.layers[size_t(il)];
    kernels::rms_norm(x_.data(), lw.attn_norm.data, E, n, c_.norm_eps, xn_.data());
    if (c_.layers[size_t(il)].kind == LayerKind::Attention)
      attention_block(il, n);
    else
      conv_block(il, n);
    if (lw.post_attn_norm)
      kernels::rms_norm(proj_.data(), lw.post_attn_norm.data, E, n, c_.norm_eps, proj_.data());
    kernels::add_inplace(x_.data(), proj_.data(), n * E);

    kernels::rms_norm(x_.data(), lw.ffn_norm.data, E, n, c_.norm_eps, xn_.data());
    ffn_block(il, n);
    if (lw.post_ffn_norm)
      kernels::rms_norm(proj_.data(), lw.post_ffn_norm.data, E, n, c_.norm_eps, proj_.data());
    kernels::add_inplace(x_.data(), proj_.data(), n * E);
  }
  for (const Segment& seg : segments_) seg.cache->set_n_past(seg.pos0 + seg.n);
  output();
}

// Final norm, then the output head for the rows that want logits, in one product over all
// sequences. Sequences that asked for hidden states get every row normed into their buffer.
void ForwardPass::output() {
  const int64_t E = c_.n_embd, V = c_.n_vocab;
  int64_t rows = 0;
  size_t with_logits = 0;
  for (const Segment& seg : segments_) {
    if (seg.hidden)
      kernels::rms_norm(x_.data() + seg.begin * E, w_.output_norm.data, E, seg.n, c_.norm_eps,
                        seg.hidden);
    if (!seg.logits) continue;
    ++with_logits;
    const int64_t first = seg.all_logits ? seg.begin : seg.begin + seg.n - 1;
    const int64_t count = seg.begin + seg.n - first;
    kernels::rms_norm(x_.data() + first * E, w_.output_norm.data, E, count, c_.norm_eps,
                      xn_.data() + rows * E);
    rows += count;
  }
  if (rows == 0) return;
  // One sequence writes straight into its buffer; several share one product through scratch.
  float* out = nullptr;
  if (with_logits == 1)
    for (const Segment& seg : segments_)
      if (seg.logits) out = seg.logits;
  if (with_logits != 1) {
    if (int64_t(logits_.size()) < rows * V) logits_.resize(size_t(rows * V));
    out = logits_.data();
  }
  matmul(w_.output, xn_.data(), rows, out);
  if (c_.final_softcap > 0) kernels::softcap_inplace(out, c_.final_softcap, rows * V);
  if (out != logits_.data()) return;
  int64_t row = 0;
  for (const Segment& seg : segments_) {
    if (!seg.logits) continue;
    const int64_t count = seg.all_logits ? seg.n : 1;
    std::memcpy(seg.logits, out + row * V, size_t(count * V) * sizeof(float));
    row += count;
  }
}

}  // namespace ruvllm
