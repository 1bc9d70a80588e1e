#include "model/model.h"

#include <algorithm>
#include <utility>

#include <thread>

#include "core/error.h"
#include "core/thread_pool.h"
#include "kernels/packed_weights.h"
#include "model/model_loader.h"

namespace ruvllm {

namespace {

struct Architecture {
  std::string_view name;
  void (*load)(ModelLoader&);
};

// Listed here rather than self-registered: a static library would drop registrations in object
// files nothing else references.
constexpr Architecture kArchitectures[] = {
    {"llama", load_llama},   {"qwen2", load_qwen2},   {"qwen3", load_qwen3}, {"phi3", load_phi3},
    {"gemma2", load_gemma2}, {"gemma3", load_gemma3}, {"lfm2", load_lfm2},
};

}  // namespace

std::vector<std::string_view> supported_architectures() {
  std::vector<std::string_view> names;
  for (const auto& a : kArchitectures) names.push_back(a.name);
  return names;
}

std::shared_ptr<const Model> Model::load(const std::string& path) {
  return from_gguf(gguf::GgufFile::open(path));
}

std::shared_ptr<const Model> Model::from_gguf(std::shared_ptr<const gguf::GgufFile> file) {
  const std::string arch = file->get_string("general.architecture").value_or("");
  if (arch.empty()) throw FormatError("model '" + file->path() + "' has no general.architecture");
  const auto* it = std::find_if(std::begin(kArchitectures), std::end(kArchitectures),
                                [&](const Architecture& a) { return a.name == arch; });
  if (it == std::end(kArchitectures)) {
    std::string names;
    for (const auto& a : kArchitectures) names += (names.empty() ? "" : ", ") + std::string(a.name);
    throw UnsupportedError("unknown model architecture '" + arch + "' in '" + file->path() +
                           "'; supported: " + names);
  }
  std::shared_ptr<Model> model(new Model());
  model->file_ = file;
  model->config_.architecture = arch;
  model->config_.name = file->get_string("general.name").value_or("");
  ModelLoader loader(*model, *file, arch);
  it->load(loader);
  loader.finish();
  if (model->config_.n_vocab <= 0) throw FormatError("model has an empty vocabulary");
  model->pack_matrices();
  return model;
}

void Model::pack_matrices() {
  std::vector<kernels::WeightView*> matrices{&weights_.output};
  for (LayerWeights& l : weights_.layers)
    for (kernels::WeightView* w : {&l.wq, &l.wk, &l.wv, &l.wqkv, &l.wo, &l.ffn_gate, &l.ffn_up,
                                   &l.ffn_down, &l.conv_in, &l.conv_out})
      matrices.push_back(w);
  std::unique_ptr<ThreadPool> pool;
  for (kernels::WeightView* w : matrices) {
    if (!present(*w) || w->packed) continue;
    const kernels::WeightPacking packing = kernels::best_packing(w->type);
    if (packing == kernels::WeightPacking::None) continue;
    if (!pool)
      pool = std::make_unique<ThreadPool>(int(std::max(1u, std::thread::hardware_concurrency())));
    const size_t bytes = kernels::packed_bytes(*w, packing);
    auto& buffer = packed_.emplace_back(new uint8_t[bytes]);
    kernels::pack_weights(*w, packing, buffer.get(), pool.get());
    w->packed = buffer.get();
    w->packing = packing;
    // Look-ups still read the token embedding's rows when the head is tied to it.
    if (w->data != weights_.token_embd.data)
      file_->release_pages(w->data, size_t(w->rows) * w->row_stride);
  }
}

}  // namespace ruvllm
