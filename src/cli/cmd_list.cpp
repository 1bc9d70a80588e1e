// ruvllm list: the GGUF models in the models directory with their size, architecture,
// quantization and parameter count.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/command.h"
#include "cli/model_store.h"
#include "cli/progress_bar.h"
#include "core/error.h"

namespace ruvllm::cli {
namespace {

int run_list(int argc, char** argv) {
  CLI::App app{"List the models in the models directory", argv[0]};
  std::string models_dir;
  bool as_json = false;
  app.add_option("--models-dir", models_dir,
                 "models directory (default: $RUVLLM_MODELS or ~/.cache/ruvllm/models)");
  app.add_flag("--json", as_json, "print a JSON array instead of a table");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  std::filesystem::path dir;
  try {
    dir = models_directory(models_dir);
  } catch (const Error& e) {
    std::fprintf(stderr, "ruvllm list: %s\n", e.what());
    return 2;
  }
  const std::vector<LocalModel> models = list_local_models(dir);
  if (as_json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& m : models) {
      nlohmann::json entry = {{"name", m.name}, {"path", m.path.string()}, {"size", m.size}};
      if (m.error.empty()) {
        entry["architecture"] = m.architecture;
        entry["quantization"] = m.quantization;
        entry["parameters"] = m.parameters;
      } else {
        entry["error"] = m.error;
      }
      out.push_back(std::move(entry));
    }
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  if (models.empty()) {
    std::fprintf(stderr, "no models in %s (get one with 'ruvllm pull')\n", dir.c_str());
    return 0;
  }
  size_t width = 4;
  for (const auto& m : models) width = std::max(width, m.name.size());
  std::printf("%-*s  %10s  %-12s  %-8s  %s\n", int(width), "NAME", "SIZE", "ARCH", "QUANT",
              "PARAMS");
  for (const auto& m : models) {
    if (!m.error.empty()) {
      std::printf("%-*s  %10s  invalid GGUF: %s\n", int(width), m.name.c_str(),
                  format_bytes(m.size).c_str(), m.error.c_str());
      continue;
    }
    std::printf("%-*s  %10s  %-12s  %-8s  %s\n", int(width), m.name.c_str(),
                format_bytes(m.size).c_str(), m.architecture.empty() ? "?" : m.architecture.c_str(),
                m.quantization.empty() ? "?" : m.quantization.c_str(),
                format_parameters(m.parameters).c_str());
  }
  return 0;
}

CommandRegistration reg("list", "list the local models (size, architecture, quantization)",
                        run_list);

}  // namespace
}  // namespace ruvllm::cli
