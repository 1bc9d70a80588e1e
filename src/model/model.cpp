#include "model/model.h"

#include <algorithm>
#include <utility>

#include "core/error.h"
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
  return model;
}

}  // namespace ruvllm
