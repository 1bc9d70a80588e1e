// Qwen3: the Llama block with NEOX RoPE and per-head RMS norms of q and k (before RoPE), no
// projection biases.
#include "model/model_loader.h"

namespace ruvllm {

void load_qwen3(ModelLoader& ld) {
  ld.read_common_hparams(kernels::RopeParams{.neox = true});
  bind_embeddings_and_head(ld, "output_norm.weight");
  for (int il = 0; il < ld.config().n_layer; ++il) {
    bind_attention(ld, il, {.qk_norm = true});
    bind_gated_ffn(ld, il);
  }
}

}  // namespace ruvllm
