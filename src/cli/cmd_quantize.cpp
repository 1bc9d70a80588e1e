// ruvllm quantize: converts a GGUF model to another weight type, choosing per-tensor types as
// llama.cpp's quantizer does (see model/quantize_model.h).
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "cli/command.h"
#include "core/error.h"
#include "core/thread_pool.h"
#include "model/quantize_model.h"

namespace {

std::string join_names() {
  std::string s;
  for (const auto& n : ruvllm::model::quant_mix_names()) s += (s.empty() ? "" : ", ") + n;
  return s;
}

int run_quantize(int argc, char** argv) {
  using namespace ruvllm::model;
  CLI::App app{"Quantize a GGUF model: ruvllm quantize IN.gguf OUT.gguf TYPE", argv[0]};
  std::string in, out, type_name;
  int threads = 0;
  bool pure = false, quiet = false;
  app.add_option("input", in, "input GGUF model (F32, F16, BF16 or quantized)")->required();
  app.add_option("output", out, "output GGUF path")->required();
  app.add_option("type", type_name, "target: " + join_names())->required();
  app.add_option("-t,--threads", threads, "worker threads (default: all cores)");
  app.add_flag("--pure", pure, "give every weight matrix the base type (no llama.cpp mix rules)");
  app.add_flag("-q,--quiet", quiet, "print only the summary");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  const auto mix = parse_quant_mix(type_name);
  if (!mix) {
    std::fprintf(stderr, "ruvllm quantize: unknown type '%s' (expected one of: %s)\n",
                 type_name.c_str(), join_names().c_str());
    return 2;
  }
  if (!std::filesystem::exists(in)) {
    std::fprintf(stderr, "ruvllm quantize: input file '%s' does not exist\n", in.c_str());
    return 2;
  }
  if (std::filesystem::exists(out) && std::filesystem::equivalent(in, out)) {
    std::fprintf(stderr, "ruvllm quantize: output would overwrite the input\n");
    return 2;
  }
  QuantizeOptions options;
  options.mix = *mix;
  options.pure = pure;
  ruvllm::ThreadPool pool(threads);
  const auto t0 = std::chrono::steady_clock::now();
  QuantizeProgress progress;
  if (!quiet)
    progress = [](const TensorPlan& p, size_t i, size_t n) {
      std::fprintf(stderr, "[%4zu/%4zu] %-40s %6s -> %-6s%s\n", i + 1, n, p.name.c_str(),
                   std::string(ruvllm::ggml_type_name(p.from)).c_str(),
                   std::string(ruvllm::ggml_type_name(p.to)).c_str(),
                   p.fallback ? " (fallback: rows do not fit the block size)" : "");
    };
  QuantizeSummary summary;
  try {
    summary = quantize_model(in, out, options, &pool, progress);
  } catch (const ruvllm::FormatError& e) {
    std::fprintf(stderr, "ruvllm quantize: %s: %s\n", in.c_str(), e.what());
    return 2;
  } catch (const ruvllm::UnsupportedError& e) {
    std::fprintf(stderr, "ruvllm quantize: %s\n", e.what());
    return 2;
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("wrote %s (%s, file type %u): %.1f MiB -> %.1f MiB in %.1f s\n", out.c_str(),
              std::string(quant_mix_name(*mix)).c_str(), llama_file_type(*mix),
              double(summary.bytes_in) / (1 << 20), double(summary.bytes_out) / (1 << 20), s);
  return 0;
}

const ruvllm::cli::CommandRegistration reg("quantize",
                                           "convert a GGUF model to another weight type",
                                           run_quantize);

}  // namespace
