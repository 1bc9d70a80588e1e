// Llama 1/2/3, Mistral, SmolLM and other "llama" GGUFs: pre-norm RMSNorm blocks, normal-mode
// RoPE (adjacent pairs), SwiGLU FFN, optional attention biases, optional Llama 3 `rope_freqs`
// frequency divisors, and an output head tied to the embeddings when output.weight is absent.
#include "model/model_loader.h"

namespace ruvllm {

void load_llama(ModelLoader& ld) {
  ld.read_common_hparams(kernels::RopeParams{.neox = false});
  ModelConfig& c = ld.config();
  bind_embeddings_and_head(ld, "output_norm.weight");
  c.rope_freqs = ld.vector("rope_freqs.weight", c.layers[0].rope.n_dims / 2, false).data;
  for (int il = 0; il < c.n_layer; ++il) {
    bind_attention(ld, il, {});
    bind_gated_ffn(ld, il);
  }
}

}  // namespace ruvllm
