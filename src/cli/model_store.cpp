#include "cli/model_store.h"

#include <algorithm>
#include <cstdlib>
#include <map>

#include "core/error.h"
#include "gguf/gguf_file.h"
#include "model/quantize_model.h"

namespace ruvllm::cli {

namespace fs = std::filesystem;

fs::path models_directory(const std::string& requested) {
  if (!requested.empty()) return fs::path(requested);
  if (const char* env = std::getenv("RUVLLM_MODELS"); env && *env) return fs::path(env);
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return fs::path(xdg) / "ruvllm" / "models";
  if (const char* home = std::getenv("HOME"); home && *home)
    return fs::path(home) / ".cache" / "ruvllm" / "models";
  throw Error("no models directory: set RUVLLM_MODELS or HOME, or pass --models-dir");
}

namespace {

std::string last_segment(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

PullSource resolve_pull_source(const std::string& source) {
  PullSource out;
  constexpr std::string_view kHf = "hf://";
  if (source.rfind(kHf, 0) == 0) {
    // OWNER/REPO[@REVISION]/PATH
    const std::string rest = source.substr(kHf.size());
    const size_t owner_end = rest.find('/');
    const size_t repo_end =
        owner_end == std::string::npos ? owner_end : rest.find('/', owner_end + 1);
    if (owner_end == 0 || repo_end == std::string::npos || repo_end == owner_end + 1 ||
        repo_end + 1 >= rest.size() || rest.back() == '/')
      throw Error("'" + source + "' is not of the form hf://OWNER/REPO/FILE.gguf");
    std::string repo = rest.substr(0, repo_end);
    std::string revision = "main";
    if (const size_t at = repo.find('@'); at != std::string::npos) {
      revision = repo.substr(at + 1);
      repo.resize(at);
      if (revision.empty()) throw Error("'" + source + "' has an empty revision after '@'");
    }
    const std::string file = rest.substr(repo_end + 1);
    std::string endpoint = "https://huggingface.co";
    if (const char* env = std::getenv("HF_ENDPOINT"); env && *env) endpoint = env;
    while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
    out.url = endpoint + "/" + repo + "/resolve/" + revision + "/" + file;
    out.file_name = last_segment(file);
    out.hugging_face = true;
    return out;
  }
  if (source.rfind("http://", 0) == 0 || source.rfind("https://", 0) == 0) {
    out.url = source;
    std::string path = source.substr(source.find("//") + 2);
    path = path.substr(0, path.find_first_of("?#"));
    const size_t slash = path.find('/');
    out.file_name = slash == std::string::npos ? "" : last_segment(path.substr(slash));
    if (out.file_name.empty())
      throw Error("'" + source + "' has no file name; give one with --name");
    return out;
  }
  throw Error("'" + source +
              "' is not a source ruvllm can pull: use hf://OWNER/REPO/FILE.gguf or an "
              "http(s):// URL");
}

namespace {

std::string upper(std::string s) {
  for (char& c : s) c = char(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// llama.cpp's name for general.file_type, as far as RuvLLM's quantizer knows the mixes.
std::optional<std::string> file_type_name(int64_t file_type) {
  for (const std::string& name : model::quant_mix_names()) {
    const auto mix = model::parse_quant_mix(name);
    if (mix && int64_t(model::llama_file_type(*mix)) == file_type &&
        model::quant_mix_name(*mix) == name)
      return upper(name);
  }
  return std::nullopt;
}

// The type holding most bytes of the file's matrices, for files without a known file type.
std::string dominant_type(const gguf::GgufFile& file) {
  std::map<GgmlType, uint64_t> bytes;
  for (const auto& t : file.tensors())
    if (t.dims.size() >= 2) bytes[t.type] += t.n_bytes;
  if (bytes.empty()) return "";
  const auto best = std::max_element(
      bytes.begin(), bytes.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  return upper(std::string(ggml_type_name(best->first)));
}

}  // namespace

LocalModel describe_local_model(const fs::path& path) {
  LocalModel m;
  m.path = path;
  m.name = path.filename().string();
  std::error_code ec;
  m.size = fs::file_size(path, ec);
  try {
    const auto file = gguf::GgufFile::open(path.string());
    m.architecture = file->get_string("general.architecture").value_or("");
    std::optional<std::string> quant;
    if (const auto ft = file->get_int("general.file_type")) quant = file_type_name(*ft);
    m.quantization = quant ? *quant : dominant_type(*file);
    for (const auto& t : file->tensors()) m.parameters += t.n_elements;
  } catch (const std::exception& e) {
    m.error = e.what();
  }
  return m;
}

std::vector<LocalModel> list_local_models(const fs::path& dir) {
  std::vector<LocalModel> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (auto it =
           fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (!it->is_regular_file(ec) || it->path().extension() != ".gguf") continue;
    LocalModel m = describe_local_model(it->path());
    m.name = fs::relative(it->path(), dir, ec).string();
    out.push_back(std::move(m));
  }
  std::sort(out.begin(), out.end(),
            [](const LocalModel& a, const LocalModel& b) { return a.name < b.name; });
  return out;
}

std::string format_parameters(int64_t n) {
  char buf[32];
  // Three significant digits at most: 135M, 1.2B, 8.0M.
  static const struct {
    double scale;
    const char* suffix;
  } units[] = {{1e9, "B"}, {1e6, "M"}, {1e3, "K"}};
  for (const auto& u : units) {
    const double v = double(n) / u.scale;
    if (v >= 1) {
      std::snprintf(buf, sizeof buf, v < 10 ? "%.1f%s" : "%.0f%s", v, u.suffix);
      return buf;
    }
  }
  std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(n));
  return buf;
}

}  // namespace ruvllm::cli
