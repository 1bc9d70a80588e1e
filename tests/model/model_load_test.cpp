#include "model/model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <functional>
#include <set>
#include <string>

#include "core/error.h"
#include "gguf/gguf_writer.h"
#include "support/golden.h"

namespace ruvllm {
namespace {

std::shared_ptr<const Model> golden_model(const std::string& name) {
  return Model::load(test::golden("models/" + name + ".gguf").string());
}

// A copy of a golden model without the tensors in `drop`, with metadata edits applied by `edit`.
std::shared_ptr<const gguf::GgufFile> copy_model(
    const std::string& name, const std::set<std::string>& drop,
    const std::function<void(gguf::GgufWriter&)>& edit = {}) {
  auto src = gguf::GgufFile::open(test::golden("models/" + name + ".gguf").string());
  gguf::GgufWriter w;
  for (const auto& [key, value] : src->metadata()) w.set_value(key, value);
  if (edit) edit(w);
  for (const auto& t : src->tensors())
    if (!drop.count(t.name))
      w.add_tensor(t.name, t.type, t.dims,
                   std::string(reinterpret_cast<const char*>(t.data), t.n_bytes));
  return gguf::GgufFile::from_memory(w.to_bytes());
}

std::string load_error(const std::shared_ptr<const gguf::GgufFile>& f) {
  try {
    Model::from_gguf(f);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ModelLoad, LlamaHyperParametersComeFromMetadata) {
  RUVLLM_REQUIRE_GOLDEN(test::golden("models/tiny-llama-f32.gguf"));
  auto m = golden_model("tiny-llama-f32");
  const ModelConfig& c = m->config();
  EXPECT_EQ(c.architecture, "llama");
  EXPECT_EQ(c.n_vocab, 512);
  EXPECT_EQ(c.n_embd, 256);
  EXPECT_EQ(c.n_layer, 2);
  EXPECT_EQ(c.n_head, 4);
  EXPECT_EQ(c.head_dim_k, 64);
  EXPECT_EQ(c.n_ff, 768);
  EXPECT_EQ(c.n_ctx_train, 512);
  EXPECT_FLOAT_EQ(c.attention_scale, 0.125f);
  ASSERT_EQ(c.layers.size(), 2u);
  EXPECT_EQ(c.layers[0].n_head_kv, 2);
  EXPECT_FALSE(c.layers[0].rope.neox);
  EXPECT_EQ(c.layers[0].rope.n_dims, 64);
  EXPECT_FLOAT_EQ(c.layers[0].rope.freq_base, 10000.0f);
  // Weights are views of the mapped file, not copies.
  const auto* t = m->file().tensor("blk.1.ffn_down.weight");
  EXPECT_EQ(m->weights().layers[1].ffn_down.data, t->data);
  EXPECT_NE(m->weights().output.data, m->weights().token_embd.data);
}

TEST(ModelLoad, StoriesUsesPartialRopeDimsAndTrainedContext) {
  RUVLLM_REQUIRE_GOLDEN(test::golden("models/stories260Ktok512.gguf"));
  auto m = golden_model("stories260Ktok512");
  EXPECT_EQ(m->config().head_dim_k, 8);
  EXPECT_EQ(m->config().layers[0].rope.n_dims, 8);
  EXPECT_EQ(m->config().n_ctx_train, 128);
}

TEST(ModelLoad, TiedEmbeddingsReuseTokenEmbd) {
  RUVLLM_REQUIRE_GOLDEN(test::golden("models/tiny-llama-tied-q4_k_m.gguf"));
  auto m = golden_model("tiny-llama-tied-q4_k_m");
  EXPECT_EQ(m->weights().output.data, m->weights().token_embd.data);
  EXPECT_FLOAT_EQ(m->config().layers[0].rope.freq_base, 500000.0f);
}

TEST(ModelLoad, Qwen2HasBiasesAndNeoxRope) {
  RUVLLM_REQUIRE_GOLDEN(test::golden("models/tiny-qwen2-f32.gguf"));
  auto m = golden_model("tiny-qwen2-f32");
  EXPECT_TRUE(m->config().layers[0].rope.neox);
  EXPECT_TRUE(m->weights().layers[0].bq);
  EXPECT_TRUE(m->weights().layers[1].bv);
  EXPECT_FALSE(m->weights().layers[0].q_norm);
}

TEST(ModelLoad, Qwen3HasPerHeadNorms) {
  RUVLLM_REQUIRE_GOLDEN(test::golden("models/tiny-qwen3-f32.gguf"));
  auto m = golden_model("tiny-qwen3-f32");
  EXPECT_EQ(m->weights().layers[0].q_norm.n, 64);
  EXPECT_EQ(m->weights().layers[0].k_norm.n, 64);
  EXPECT_NEAR(m->config().norm_eps, 1e-6f, 1e-9f);
}

TEST(ModelLoad, Phi3UsesFusedProjections) {
  RUVLLM_REQUIRE_GOLDEN(test::golden("models/tiny-phi3-f32.gguf"));
  auto m = golden_model("tiny-phi3-f32");
  const LayerWeights& l = m->weights().layers[0];
  EXPECT_TRUE(present(l.wqkv));
  EXPECT_FALSE(present(l.wq));
  EXPECT_FALSE(present(l.ffn_gate));
  EXPECT_EQ(l.ffn_up.rows, 2 * m->config().n_ff);
  EXPECT_TRUE(m->config().layers[0].rope.neox);
  EXPECT_EQ(m->config().layers[0].sliding_window, 0);
}

TEST(ModelLoad, Gemma2AlternatesSlidingWindowAndSoftCaps) {
  RUVLLM_REQUIRE_GOLDEN(test::golden("models/tiny-gemma2-f16.gguf"));
  auto m = golden_model("tiny-gemma2-f16");
  const ModelConfig& c = m->config();
  EXPECT_EQ(c.n_layer, 26);
  for (int il = 0; il < c.n_layer; ++il)
    EXPECT_EQ(c.layers[size_t(il)].sliding_window, il % 2 == 0 ? 8 : 0) << il;
  EXPECT_FLOAT_EQ(c.attn_softcap, 50.0f);
  EXPECT_FLOAT_EQ(c.final_softcap, 30.0f);
  EXPECT_FLOAT_EQ(c.embedding_scale, std::sqrt(128.0f));
  EXPECT_EQ(c.activation, FfnActivation::GeluTanh);
  EXPECT_TRUE(m->weights().layers[3].post_attn_norm);
  EXPECT_TRUE(m->weights().layers[3].post_ffn_norm);
}

TEST(ModelLoad, Gemma3HasFiveLocalLayersPerGlobalWithTheirOwnRopeBase) {
  RUVLLM_REQUIRE_GOLDEN(test::golden("models/tiny-gemma3-f32.gguf"));
  auto m = golden_model("tiny-gemma3-f32");
  const ModelConfig& c = m->config();
  for (int il = 0; il < c.n_layer; ++il) {
    const bool global = il % 6 == 5;
    EXPECT_EQ(c.layers[size_t(il)].sliding_window, global ? 0 : 8) << il;
    EXPECT_FLOAT_EQ(c.layers[size_t(il)].rope.freq_base, global ? 1e6f : 10000.0f) << il;
  }
  EXPECT_EQ(c.attn_softcap, 0.0f);
  EXPECT_EQ(c.final_softcap, 0.0f);
  EXPECT_TRUE(m->weights().layers[0].q_norm);
}

TEST(ModelLoad, Lfm2MixesConvolutionAndAttentionLayers) {
  RUVLLM_REQUIRE_GOLDEN(test::golden("models/tiny-lfm2-f32.gguf"));
  auto m = golden_model("tiny-lfm2-f32");
  const ModelConfig& c = m->config();
  EXPECT_EQ(c.conv_kernel, 3);
  for (int il = 0; il < c.n_layer; ++il) {
    const bool attn = il == 2 || il == 5;
    EXPECT_EQ(c.layers[size_t(il)].kind, attn ? LayerKind::Attention : LayerKind::ShortConv) << il;
  }
  EXPECT_EQ(c.n_attention_layers(), 2);
  EXPECT_EQ(m->weights().output.data, m->weights().token_embd.data);
  EXPECT_EQ(m->weights().output_norm.data,
            reinterpret_cast<const float*>(m->file().tensor("token_embd_norm.weight")->data));
}

TEST(ModelLoad, UnknownArchitectureListsSupportedOnes) {
  gguf::GgufWriter w;
  w.set_string("general.architecture", "mamba9");
  auto f = gguf::GgufFile::from_memory(w.to_bytes());
  try {
    Model::from_gguf(f);
    FAIL() << "expected UnsupportedError";
  } catch (const UnsupportedError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("mamba9"), std::string::npos) << msg;
    for (auto arch : supported_architectures())
      EXPECT_NE(msg.find(std::string(arch)), std::string::npos) << arch;
  }
}

TEST(ModelLoad, MissingArchitectureIsAFormatError) {
  gguf::GgufWriter w;
  w.set_string("general.name", "nothing");
  EXPECT_THROW(Model::from_gguf(gguf::GgufFile::from_memory(w.to_bytes())), FormatError);
}

TEST(ModelLoad, EveryMissingTensorIsNamed) {
  RUVLLM_REQUIRE_GOLDEN(test::golden("models/tiny-llama-f32.gguf"));
  auto f = copy_model("tiny-llama-f32",
                      {"blk.0.attn_k.weight", "blk.1.ffn_up.weight", "output_norm.weight"});
  try {
    Model::from_gguf(f);
    FAIL() << "expected FormatError";
  } catch (const FormatError& e) {
    const std::string msg = e.what();
    for (const char* name : {"blk.0.attn_k.weight", "blk.1.ffn_up.weight", "output_norm.weight"})
      EXPECT_NE(msg.find(name), std::string::npos) << msg;
    EXPECT_EQ(msg.find("blk.0.attn_q.weight"), std::string::npos) << msg;
  }
}

TEST(ModelLoad, MissingQwen2BiasIsAnError) {
  RUVLLM_REQUIRE_GOLDEN(test::golden("models/tiny-qwen2-f32.gguf"));
  auto msg = load_error(copy_model("tiny-qwen2-f32", {"blk.1.attn_v.bias"}));
  EXPECT_NE(msg.find("blk.1.attn_v.bias"), std::string::npos) << msg;
}

TEST(ModelLoad, MisshapenTensorIsAnError) {
  RUVLLM_REQUIRE_GOLDEN(test::golden("models/tiny-llama-f32.gguf"));
  // Claim 1 KV head: attn_k and attn_v (2 heads of 64) no longer fit.
  auto msg = load_error(copy_model("tiny-llama-f32", {}, [](gguf::GgufWriter& w) {
    w.set_u32("llama.attention.head_count_kv", 1);
  }));
  EXPECT_NE(msg.find("blk.0.attn_k.weight has shape [256, 128], expected [256, 64]"),
            std::string::npos)
      << msg;
}

TEST(ModelLoad, MissingRequiredMetadataIsNamed) {
  RUVLLM_REQUIRE_GOLDEN(test::golden("models/tiny-llama-f32.gguf"));
  auto src = gguf::GgufFile::open(test::golden("models/tiny-llama-f32.gguf").string());
  gguf::GgufWriter w;
  for (const auto& [key, value] : src->metadata())
    if (key != "llama.block_count") w.set_value(key, value);
  auto msg = load_error(gguf::GgufFile::from_memory(w.to_bytes()));
  EXPECT_NE(msg.find("llama.block_count"), std::string::npos) << msg;
}

TEST(ModelLoad, EveryGoldenModelLoads) {
  RUVLLM_REQUIRE_GOLDEN(test::golden("models"));
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(test::golden("models"))) {
    if (entry.path().extension() != ".gguf") continue;
    SCOPED_TRACE(entry.path().filename().string());
    EXPECT_NO_THROW(Model::load(entry.path().string()));
    ++n;
  }
  EXPECT_GT(n, 10);
}

}  // namespace
}  // namespace ruvllm
