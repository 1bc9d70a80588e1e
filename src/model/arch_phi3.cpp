// Phi-3 / Phi-3.5 / Phi-4-mini: fused [q | k | v] projection, fused [gate | up] FFN projection,
// NEOX RoPE, and for long-context variants per-dimension rope factors (`rope_factors_long` /
// `rope_factors_short`, chosen by context size). Its sliding-window metadata is ignored, as
// llama.cpp does, because converted files do not describe the window pattern reliably.
#include "model/model_loader.h"

namespace ruvllm {

void load_phi3(ModelLoader& ld) {
  ld.read_common_hparams(kernels::RopeParams{.neox = true});
  ModelConfig& c = ld.config();
  bind_embeddings_and_head(ld, "output_norm.weight");
  const int64_t half = c.layers[0].rope.n_dims / 2;
  c.rope_factors_long = ld.vector("rope_factors_long.weight", half, false).data;
  c.rope_factors_short = ld.vector("rope_factors_short.weight", half, false).data;
  for (int il = 0; il < c.n_layer; ++il) {
    bind_attention(ld, il, {});
    bind_gated_ffn(ld, il);
  }
}

}  // namespace ruvllm
