// Gemma 2: embeddings scaled by sqrt(n_embd), NEOX RoPE, GELU(tanh)-gated FFN, RMS norms after
// attention and after the FFN (before each residual add), attention-logit and final-logit
// soft-capping, and a sliding window on every other layer (layers 0, 2, 4... are local). Norm
// weights are used as stored: the GGUF converter already folded Gemma's "1 + w" into them.
#include <cmath>

#include "model/model_loader.h"

namespace ruvllm {

void load_gemma2(ModelLoader& ld) {
  ld.read_common_hparams(kernels::RopeParams{.neox = true});
  ModelConfig& c = ld.config();
  c.activation = FfnActivation::GeluTanh;
  c.embedding_scale = std::sqrt(float(c.n_embd));
  c.attn_softcap = float(ld.get_float("attn_logit_softcapping").value_or(50.0));
  c.final_softcap = float(ld.get_float("final_logit_softcapping").value_or(30.0));
  // Gemma 2 27B scales queries by 1/sqrt(n_embd / n_head) (query_pre_attn_scalar = 144), not by
  // the head size; it is the only 46-layer Gemma 2.
  const float q_dim = c.n_layer == 46 ? float(c.n_embd / c.n_head) : float(c.head_dim_k);
  c.attention_scale = 1.0f / std::sqrt(q_dim);
  const int32_t window = int32_t(ld.get_int("attention.sliding_window").value_or(4096));
  const int64_t pattern = ld.get_int("attention.sliding_window_pattern").value_or(2);
  for (int il = 0; il < c.n_layer; ++il) {
    if (pattern > 0 && il % pattern < pattern - 1) c.layers[size_t(il)].sliding_window = window;
  }
  bind_embeddings_and_head(ld, "output_norm.weight");
  for (int il = 0; il < c.n_layer; ++il) {
    bind_attention(ld, il, {.post_norms = true});
    bind_gated_ffn(ld, il);
    ld.weights().layers[size_t(il)].post_ffn_norm =
        ld.vector("blk." + std::to_string(il) + ".post_ffw_norm.weight", c.n_embd);
  }
}

}  // namespace ruvllm
