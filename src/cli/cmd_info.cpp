// ruvllm info MODEL: what a GGUF model is — architecture, hyper-parameters, vocabulary, and its
// tensors (count and bytes per type, then a table of every tensor).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <map>
#include <string>

#include "cli/command.h"
#include "core/error.h"
#include "gguf/gguf_file.h"
#include "model/model.h"

namespace ruvllm::cli {
namespace {

std::string shape_of(const gguf::TensorInfo& t) {
  std::string s = "[";
  for (size_t i = 0; i < t.dims.size(); ++i) s += (i ? ", " : "") + std::to_string(t.dims[i]);
  return s + "]";
}

std::string human_bytes(uint64_t n) {
  char buf[32];
  if (n >= (1ull << 30))
    std::snprintf(buf, sizeof buf, "%.2f GiB", double(n) / double(1ull << 30));
  else if (n >= (1ull << 20))
    std::snprintf(buf, sizeof buf, "%.2f MiB", double(n) / double(1ull << 20));
  else
    std::snprintf(buf, sizeof buf, "%.2f KiB", double(n) / 1024.0);
  return buf;
}

// "2" when every layer agrees, else the per-layer list.
std::string per_layer(const ModelConfig& c, int32_t (*get)(const LayerConfig&)) {
  bool same = true;
  for (const auto& l : c.layers) same &= get(l) == get(c.layers[0]);
  if (same) return std::to_string(get(c.layers[0]));
  std::string s = "[";
  for (size_t i = 0; i < c.layers.size(); ++i)
    s += (i ? "," : "") + std::to_string(get(c.layers[i]));
  return s + "]";
}

void print_hparams(const ModelConfig& c) {
  std::printf("hyper-parameters:\n");
  std::printf("  context_length      %lld\n", (long long)c.n_ctx_train);
  std::printf("  embedding_length    %lld\n", (long long)c.n_embd);
  std::printf("  block_count         %d\n", c.n_layer);
  std::printf("  feed_forward_length %lld\n", (long long)c.n_ff);
  std::printf("  head_count          %d\n", c.n_head);
  std::printf("  head_count_kv       %s\n",
              per_layer(c, [](const LayerConfig& l) { return l.n_head_kv; }).c_str());
  std::printf("  key/value_length    %d / %d\n", c.head_dim_k, c.head_dim_v);
  std::printf("  rms_norm_epsilon    %g\n", double(c.norm_eps));
  const auto& rope = c.layers[0].rope;
  std::printf("  rope                %s, %d dims, base %g, scale %g%s\n",
              rope.neox ? "neox" : "normal", rope.n_dims, double(rope.freq_base),
              double(1.0f / rope.freq_scale), c.rope_freqs ? ", rope_freqs" : "");
  std::printf("  sliding_window      %s\n",
              per_layer(c, [](const LayerConfig& l) { return l.sliding_window; }).c_str());
  if (c.attn_softcap > 0) std::printf("  attn_softcap        %g\n", double(c.attn_softcap));
  if (c.final_softcap > 0) std::printf("  final_softcap       %g\n", double(c.final_softcap));
  if (c.embedding_scale != 1.0f)
    std::printf("  embedding_scale     %g\n", double(c.embedding_scale));
  if (c.n_conv_layers() > 0)
    std::printf("  shortconv           %d layers, kernel %d\n", c.n_conv_layers(), c.conv_kernel);
  std::printf("  activation          %s\n",
              c.activation == FfnActivation::Silu ? "swiglu" : "geglu (tanh)");
}

int run_info(int argc, char** argv) {
  CLI::App app{"Describe a GGUF model: architecture, hyper-parameters, vocabulary, tensors",
               argv[0]};
  std::string path;
  app.add_option("model", path, "GGUF model file")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  std::shared_ptr<const gguf::GgufFile> file;
  try {
    file = gguf::GgufFile::open(path);
  } catch (const Error& e) {
    std::fprintf(stderr, "ruvllm info: %s\n", e.what());
    return 2;
  }
  std::printf("file:          %s (GGUF v%u, %s)\n", path.c_str(), file->version(),
              human_bytes(file->file_size()).c_str());
  const std::string arch = file->get_string("general.architecture").value_or("(none)");
  std::printf("architecture:  %s\n", arch.c_str());
  if (auto name = file->get_string("general.name"))
    std::printf("name:          %s\n", name->c_str());
  const gguf::Value* tokens = file->find("tokenizer.ggml.tokens");
  std::printf("vocabulary:    %zu tokens, type %s\n", tokens ? tokens->array.size() : size_t(0),
              file->get_string("tokenizer.ggml.model").value_or("(none)").c_str());

  int status = 0;
  try {
    auto model = Model::from_gguf(file);
    print_hparams(model->config());
  } catch (const Error& e) {
    std::printf("hyper-parameters: not available: %s\n", e.what());
    status = 2;
  }

  std::map<std::string, std::pair<int, uint64_t>> by_type;
  uint64_t total = 0;
  size_t name_width = 4;
  for (const auto& t : file->tensors()) {
    auto& [count, bytes] = by_type[std::string(ggml_type_name(t.type))];
    ++count;
    bytes += t.n_bytes;
    total += t.n_bytes;
    name_width = std::max(name_width, t.name.size());
  }
  std::printf("tensors:       %zu, %s (%llu bytes)\n", file->tensors().size(),
              human_bytes(total).c_str(), (unsigned long long)total);
  for (const auto& [type, cb] : by_type)
    std::printf("  %-8s %5d tensors  %s\n", type.c_str(), cb.first, human_bytes(cb.second).c_str());
  std::printf("\n%-*s  %-6s  %s\n", int(name_width), "name", "type", "shape");
  for (const auto& t : file->tensors())
    std::printf("%-*s  %-6s  %s\n", int(name_width), t.name.c_str(),
                std::string(ggml_type_name(t.type)).c_str(), shape_of(t).c_str());
  return status;
}

CommandRegistration reg("info", "describe a GGUF model (hyper-parameters, vocabulary, tensors)",
                        run_info);

}  // namespace
}  // namespace ruvllm::cli
