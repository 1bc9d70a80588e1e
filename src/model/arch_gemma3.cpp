// Gemma 3 (text): Gemma 2's block without attention soft-capping, plus per-head q/k RMS norms;
// five local (sliding-window) layers for each global one, local layers using their own rope base
// (rope.freq_base_swa, 10000 by default) without the global layers' position scaling. Final
// soft-capping only when the metadata asks for it. Norm weights are used as stored (the
// converter folded in Gemma's "1 + w").
#include <cmath>

#include "model/model_loader.h"

namespace ruvllm {

void load_gemma3(ModelLoader& ld) {
  ld.read_common_hparams(kernels::RopeParams{.neox = true});
  ModelConfig& c = ld.config();
  c.activation = FfnActivation::GeluTanh;
  c.embedding_scale = std::sqrt(float(c.n_embd));
  c.final_softcap = float(ld.get_float("final_logit_softcapping").value_or(0.0));
  // Gemma 3 27B (62 layers) scales queries by 1/sqrt(n_embd / n_head) (query_pre_attn_scalar).
  const float q_dim = c.n_layer == 62 ? float(c.n_embd / c.n_head) : float(c.head_dim_k);
  c.attention_scale = 1.0f / std::sqrt(q_dim);
  if (auto window = ld.get_int("attention.sliding_window"); window && *window > 0) {
    const int64_t pattern = ld.get_int("attention.sliding_window_pattern").value_or(6);
    const float local_base = float(ld.get_float("rope.freq_base_swa").value_or(10000.0));
    for (int il = 0; il < c.n_layer; ++il) {
      LayerConfig& l = c.layers[size_t(il)];
      if (pattern > 0 && il % pattern < pattern - 1) {
        l.sliding_window = int32_t(*window);
        l.rope.freq_base = local_base;
        l.rope.freq_scale = 1.0f;
      }
    }
  }
  bind_embeddings_and_head(ld, "output_norm.weight");
  for (int il = 0; il < c.n_layer; ++il) {
    bind_attention(ld, il, {.qk_norm = true, .post_norms = true});
    bind_gated_ffn(ld, il);
    ld.weights().layers[size_t(il)].post_ffn_norm =
        ld.vector("blk." + std::to_string(il) + ".post_ffw_norm.weight", c.n_embd);
  }
}

}  // namespace ruvllm
