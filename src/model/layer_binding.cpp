// Tensor bindings shared by several architectures.
#include <string>

#include "model/model_loader.h"

namespace ruvllm {

namespace {
std::string blk(int il, const char* name) {
  return "blk." + std::to_string(il) + "." + name;
}
}  // namespace

void bind_embeddings_and_head(ModelLoader& ld, const std::string& output_norm_name) {
  const ModelConfig& c = ld.config();
  ModelWeights& w = ld.weights();
  w.token_embd = ld.matrix("token_embd.weight", c.n_embd, c.n_vocab);
  w.output_norm = ld.vector(output_norm_name, c.n_embd);
  // Models with tied embeddings have no output.weight: the head reuses the embedding matrix.
  w.output = ld.has_tensor("output.weight") ? ld.matrix("output.weight", c.n_embd, c.n_vocab)
                                            : w.token_embd;
}

void bind_attention(ModelLoader& ld, int il, const AttentionBinding& b) {
  const ModelConfig& c = ld.config();
  LayerWeights& w = ld.weights().layers[size_t(il)];
  const int64_t n_kv = c.layers[size_t(il)].n_head_kv;
  const int64_t q_rows = c.n_head * int64_t(c.head_dim_k);
  const int64_t k_rows = n_kv * c.head_dim_k;
  const int64_t v_rows = n_kv * c.head_dim_v;
  w.attn_norm = ld.vector(blk(il, "attn_norm.weight"), c.n_embd);
  if (ld.has_tensor(blk(il, "attn_qkv.weight"))) {
    w.wqkv = ld.matrix(blk(il, "attn_qkv.weight"), c.n_embd, q_rows + k_rows + v_rows);
  } else {
    w.wq = ld.matrix(blk(il, "attn_q.weight"), c.n_embd, q_rows);
    w.wk = ld.matrix(blk(il, "attn_k.weight"), c.n_embd, k_rows);
    w.wv = ld.matrix(blk(il, "attn_v.weight"), c.n_embd, v_rows);
    w.bq = ld.vector(blk(il, "attn_q.bias"), q_rows, b.biases);
    w.bk = ld.vector(blk(il, "attn_k.bias"), k_rows, b.biases);
    w.bv = ld.vector(blk(il, "attn_v.bias"), v_rows, b.biases);
  }
  w.wo = ld.matrix(blk(il, "attn_output.weight"), c.n_head * int64_t(c.head_dim_v), c.n_embd);
  w.bo = ld.vector(blk(il, "attn_output.bias"), c.n_embd, false);
  if (b.qk_norm) {
    w.q_norm = ld.vector(blk(il, "attn_q_norm.weight"), c.head_dim_k);
    w.k_norm = ld.vector(blk(il, "attn_k_norm.weight"), c.head_dim_k);
  }
  if (b.post_norms) w.post_attn_norm = ld.vector(blk(il, "post_attention_norm.weight"), c.n_embd);
}

void bind_gated_ffn(ModelLoader& ld, int il) {
  const ModelConfig& c = ld.config();
  LayerWeights& w = ld.weights().layers[size_t(il)];
  w.ffn_norm = ld.vector(blk(il, "ffn_norm.weight"), c.n_embd);
  // Phi-3 stores gate and up as one matrix of 2 * n_ff rows (gate first).
  if (ld.has_tensor(blk(il, "ffn_gate.weight")) || !ld.has_tensor(blk(il, "ffn_up.weight")) ||
      ld.arch() != "phi3") {
    w.ffn_gate = ld.matrix(blk(il, "ffn_gate.weight"), c.n_embd, c.n_ff);
    w.ffn_up = ld.matrix(blk(il, "ffn_up.weight"), c.n_embd, c.n_ff);
  } else {
    w.ffn_up = ld.matrix(blk(il, "ffn_up.weight"), c.n_embd, 2 * c.n_ff);
  }
  w.ffn_down = ld.matrix(blk(il, "ffn_down.weight"), c.n_ff, c.n_embd);
}

}  // namespace ruvllm
