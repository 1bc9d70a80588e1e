// Qwen2 / Qwen2.5: the Llama block with biases on the q, k and v projections and NEOX RoPE.
#include "model/model_loader.h"

namespace ruvllm {

void load_qwen2(ModelLoader& ld) {
  ld.read_common_hparams(kernels::RopeParams{.neox = true});
  bind_embeddings_and_head(ld, "output_norm.weight");
  for (int il = 0; il < ld.config().n_layer; ++il) {
    bind_attention(ld, il, {.biases = true});
    bind_gated_ffn(ld, il);
  }
}

}  // namespace ruvllm
