#include "model/model.h"

#include <algorithm>
#include <utility>

#include <thread>

#include "core/error.h"
#include "core/huge_page_buffer.h"
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
  // In the order a forward pass reads them, the output head last.
  std::vector<kernels::WeightView*> matrices;
  for (LayerWeights& l : weights_.layers)
    for (kernels::WeightView* w : {&l.wq, &l.wk, &l.wv, &l.wqkv, &l.wo, &l.ffn_gate, &l.ffn_up,
                                   &l.ffn_down, &l.conv_in, &l.conv_out})
      matrices.push_back(w);
  matrices.push_back(&weights_.output);
  // One buffer on huge pages holds every packed copy, one after the other (64-byte aligned).
  struct Plan {
    kernels::WeightView* w;
    kernels::WeightPacking packing;
    size_t offset;
  };
  std::vector<Plan> plans;
  size_t total = 0;
  for (kernels::WeightView* w : matrices) {
    if (!present(*w) || w->packed) continue;
    const kernels::WeightPacking packing = kernels::best_packing(w->type);
    if (packing == kernels::WeightPacking::None) continue;
    plans.push_back({w, packing, total});
    total += (kernels::packed_bytes(*w, packing) + 63) / 64 * 64;
  }
  if (plans.empty()) return;
  packed_ = HugePageBuffer(total);
  ThreadPool pool(int(std::max(1u, std::thread::hardware_concurrency())));
  for (const Plan& p : plans) {
    kernels::WeightView* w = p.w;
    kernels::pack_weights(*w, p.packing, packed_.data() + p.offset, &pool);
    w->packed = packed_.data() + p.offset;
    w->packing = p.packing;
    // Look-ups still read the token embedding's rows when the head is tied to it.
    if (w->data != weights_.token_embd.data)
      file_->release_pages(w->data, size_t(w->rows) * w->row_stride);
  }
}

}  // namespace ruvllm
