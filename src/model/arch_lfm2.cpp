// LFM2 (Liquid): a stack of gated short-convolution blocks and GQA attention blocks (layers whose
// head_count_kv is 0 are convolutions), each followed by a SwiGLU FFN. Attention uses per-head
// q/k RMS norms and NEOX RoPE. The final norm is stored as token_embd_norm and the output head
// is tied to the embeddings.
//
// Short convolution of x (n_embd): [b | c | h] = in_proj x; u = b * h; v = causal depthwise
// convolution of u over the last conv_kernel positions; out = out_proj (c * v).
#include "core/error.h"
#include "model/model_loader.h"

namespace ruvllm {

void load_lfm2(ModelLoader& ld) {
  ld.read_common_hparams(kernels::RopeParams{.neox = true});
  ModelConfig& c = ld.config();
  c.conv_kernel = int32_t(ld.require_int("shortconv.l_cache"));
  if (c.conv_kernel < 1) throw FormatError("lfm2.shortconv.l_cache must be positive");
  bind_embeddings_and_head(ld, "token_embd_norm.weight");
  for (int il = 0; il < c.n_layer; ++il) {
    const std::string p = "blk." + std::to_string(il) + ".";
    if (c.layers[size_t(il)].n_head_kv == 0) {
      c.layers[size_t(il)].kind = LayerKind::ShortConv;
      LayerWeights& w = ld.weights().layers[size_t(il)];
      w.attn_norm = ld.vector(p + "attn_norm.weight", c.n_embd);
      w.conv_kernel = ld.vector(p + "shortconv.conv.weight", c.n_embd * c.conv_kernel);
      w.conv_in = ld.matrix(p + "shortconv.in_proj.weight", c.n_embd, 3 * c.n_embd);
      w.conv_out = ld.matrix(p + "shortconv.out_proj.weight", c.n_embd, c.n_embd);
    } else {
      bind_attention(ld, il, {.qk_norm = true});
    }
    bind_gated_ffn(ld, il);
  }
}

}  // namespace ruvllm
