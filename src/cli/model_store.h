// The local models directory that `ruvllm pull` fills and `ruvllm list` shows, and the names of
// what can be pulled into it.
//
// The directory is --models-dir, else $RUVLLM_MODELS, else $XDG_CACHE_HOME/ruvllm/models, else
// ~/.cache/ruvllm/models. Sources are Hugging Face files, hf://OWNER/REPO/PATH.gguf (optionally
// hf://OWNER/REPO@REVISION/PATH.gguf; the host is $HF_ENDPOINT when set, as in Hugging Face's own
// tools), or plain http:// and https:// URLs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ruvllm::cli {

// The models directory: `requested` when not empty, else the environment's default.
std::filesystem::path models_directory(const std::string& requested);

struct PullSource {
  std::string url;        // what to download
  std::string file_name;  // the name it gets locally by default ("model.gguf")
  bool hugging_face = false;
};

// Resolves a source. Throws Error (a usage error) for anything that is not an hf:// path to a
// file or an http(s) URL with a file name.
PullSource resolve_pull_source(const std::string& source);

// What `ruvllm list` shows about one local model file.
struct LocalModel {
  std::filesystem::path path;
  std::string name;  // path relative to the models directory
  uint64_t size = 0;
  std::string architecture;  // general.architecture ("" when absent)
  std::string quantization;  // llama.cpp's file type name ("Q4_K_M") or the dominant tensor type
  int64_t parameters = 0;    // elements of all tensors
  std::string error;         // set when the file is not a readable GGUF
};

// Describes one GGUF file (never throws: a bad file comes back with `error` set).
LocalModel describe_local_model(const std::filesystem::path& path);

// Every *.gguf file under `dir` (recursively), sorted by name. Partial downloads are skipped.
std::vector<LocalModel> list_local_models(const std::filesystem::path& dir);

// "135M", "1.2B": a parameter count for people.
std::string format_parameters(int64_t n);

}  // namespace ruvllm::cli
