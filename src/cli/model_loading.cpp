#include "cli/model_loading.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>

#include "cli/progress_bar.h"

namespace ruvllm::cli {

namespace {

void prefault_file(const gguf::GgufFile& file) {
  const auto& tensors = file.tensors();
  uint64_t total = 0;
  for (const auto& t : tensors) total += t.n_bytes;
  ProgressBar bar("loading " + std::filesystem::path(file.path()).filename().string(), total);
  const size_t page = size_t(sysconf(_SC_PAGESIZE));
  uint64_t done = 0;
  volatile uint8_t sink = 0;
  for (const auto& t : tensors) {
    // Ask the kernel to start reading ahead, then touch each page so it is resident.
    const uintptr_t begin = reinterpret_cast<uintptr_t>(t.data) & ~uintptr_t(page - 1);
    madvise(reinterpret_cast<void*>(begin),
            size_t(reinterpret_cast<uintptr_t>(t.data) + t.n_bytes - begin), MADV_WILLNEED);
    for (uint64_t off = 0; off < t.n_bytes; off += page) {
      sink = sink + t.data[off];
      if ((off & ((uint64_t(1) << 24) - 1)) == 0) bar.update(done + off);
    }
    done += t.n_bytes;
    bar.update(done);
  }
  bar.finish();
}

}  // namespace

void prefault_model(const Model& model) {
  prefault_file(model.file());
}

void warm_page_cache(const std::string& path) {
  if (!is_terminal(stderr)) return;
  std::shared_ptr<gguf::GgufFile> file;
  try {
    file = gguf::GgufFile::open(path);
  } catch (const std::exception&) {
    return;
  }
  prefault_file(*file);
}

std::shared_ptr<const Model> load_model_with_progress(const std::string& path,
                                                      bool force_prefault) {
  std::shared_ptr<const Model> model = Model::load(path);
  if (force_prefault || is_terminal(stderr)) prefault_model(*model);
  return model;
}

}  // namespace ruvllm::cli
