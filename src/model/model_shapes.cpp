#include "model/model_shapes.h"

#include "core/error.h"

namespace ruvllm {
namespace {

std::vector<ModelShape> make_shapes() {
  std::vector<ModelShape> v;
  {
    ModelShape s;  // HuggingFaceTB/SmolLM2-135M
    s.name = "smollm2-135m";
    s.arch = "llama";
    s.n_embd = 576, s.n_layer = 30, s.n_head = 9, s.n_head_kv = 3, s.n_ff = 1536;
    s.n_vocab = 49152, s.n_ctx = 8192, s.rope_base = 100000.f, s.rms_eps = 1e-5f;
    v.push_back(s);
  }
  {
    ModelShape s;  // Qwen/Qwen2.5-0.5B
    s.name = "qwen2.5-0.5b";
    s.arch = "qwen2";
    s.n_embd = 896, s.n_layer = 24, s.n_head = 14, s.n_head_kv = 2, s.n_ff = 4864;
    s.n_vocab = 151936, s.n_ctx = 32768, s.rope_base = 1000000.f, s.rms_eps = 1e-6f;
    s.qkv_bias = true;
    v.push_back(s);
  }
  {
    ModelShape s;  // meta-llama/Llama-3.2-1B
    s.name = "llama-3.2-1b";
    s.arch = "llama";
    s.n_embd = 2048, s.n_layer = 16, s.n_head = 32, s.n_head_kv = 8, s.n_ff = 8192;
    s.n_vocab = 128256, s.n_ctx = 131072, s.rope_base = 500000.f, s.rms_eps = 1e-5f;
    s.rope_scale_factor = 32.f, s.rope_low_freq_factor = 1.f, s.rope_high_freq_factor = 4.f;
    s.rope_orig_ctx = 8192;
    v.push_back(s);
  }
  {
    ModelShape s;  // LiquidAI/LFM2-350M
    s.name = "lfm2-350m";
    s.arch = "lfm2";
    s.n_embd = 1024, s.n_layer = 16, s.n_head = 16, s.n_head_kv = 8, s.n_ff = 4608;
    s.n_vocab = 65536, s.n_ctx = 128000, s.rope_base = 1000000.f, s.rms_eps = 1e-5f;
    s.qk_norm = true;
    s.attention_layers = {2, 5, 8, 10, 12, 14};
    s.conv_l_cache = 3;
    v.push_back(s);
  }
  {
    ModelShape s;  // google/gemma-3-270m
    s.name = "gemma-3-270m";
    s.arch = "gemma3";
    s.n_embd = 640, s.n_layer = 18, s.n_head = 4, s.n_head_kv = 1, s.head_dim = 256;
    s.n_ff = 2048, s.n_vocab = 262144, s.n_ctx = 32768, s.rope_base = 1000000.f;
    s.rope_base_local = 10000.f, s.rms_eps = 1e-6f, s.sliding_window = 512, s.qk_norm = true;
    v.push_back(s);
  }
  {
    ModelShape s;  // Qwen/Qwen3-0.6B
    s.name = "qwen3-0.6b";
    s.arch = "qwen3";
    s.n_embd = 1024, s.n_layer = 28, s.n_head = 16, s.n_head_kv = 8, s.head_dim = 128;
    s.n_ff = 3072, s.n_vocab = 151936, s.n_ctx = 40960, s.rope_base = 1000000.f;
    s.rms_eps = 1e-6f, s.qk_norm = true;
    v.push_back(s);
  }
  return v;
}

}  // namespace

const std::vector<ModelShape>& known_model_shapes() {
  static const std::vector<ModelShape> shapes = make_shapes();
  return shapes;
}

const ModelShape& find_model_shape(const std::string& name) {
  for (const auto& s : known_model_shapes())
    if (s.name == name) return s;
  std::string names;
  for (const auto& s : known_model_shapes()) names += (names.empty() ? "" : ", ") + s.name;
  throw Error("unknown model shape '" + name + "' (known: " + names + ")");
}

}  // namespace ruvllm
