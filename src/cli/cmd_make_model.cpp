// ruvllm make-model: writes a random-weight GGUF of a real model's shape (for benchmarks).
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>

#include "cli/command.h"
#include "core/ggml_type.h"
#include "core/thread_pool.h"
#include "model/model_shapes.h"
#include "model/quantize_model.h"
#include "model/random_model.h"

namespace {

int run_make_model(int argc, char** argv) {
  CLI::App app{"Write a random-weight GGUF model of a real model's shape", argv[0]};
  std::string arch, shape_name, type_name = "q8_0", out, vocab;
  uint64_t seed = 1;
  bool list = false;
  app.add_option("--arch", arch, "architecture (checked against the shape's)");
  app.add_option("--shape", shape_name, "model shape, e.g. smollm2-135m (see --list)");
  app.add_option("--type", type_name, "weight type: f32, f16, bf16, q8_0, q4_0, q4_k, ...");
  app.add_option("-o,--output", out, "output GGUF path");
  app.add_option("--seed", seed, "random seed");
  app.add_option("--vocab", vocab, "GGUF whose tokenizer metadata to copy (default: synthetic)");
  app.add_flag("--list", list, "list the known shapes");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (list) {
    for (const auto& s : ruvllm::known_model_shapes())
      std::printf("%-14s %-7s dim %5lld  layers %3lld  heads %2lld/%2lld  ffn %5lld  vocab %6lld\n",
                  s.name.c_str(), s.arch.c_str(), (long long)s.n_embd, (long long)s.n_layer,
                  (long long)s.n_head, (long long)s.n_head_kv, (long long)s.n_ff,
                  (long long)s.n_vocab);
    return 0;
  }
  if (shape_name.empty() || out.empty()) {
    std::fprintf(stderr, "ruvllm make-model: --shape and -o are required\n");
    return 2;
  }
  const auto& shape = ruvllm::find_model_shape(shape_name);
  if (!arch.empty() && arch != shape.arch) {
    std::fprintf(stderr, "ruvllm make-model: shape %s is architecture %s, not %s\n",
                 shape_name.c_str(), shape.arch.c_str(), arch.c_str());
    return 2;
  }
  // Types with blocks of at most 32 fit every real shape's rows and are written directly. K-quant
  // types and llama.cpp mixes (q4_k_m, q5_k_s, ...) are written as F16 first and then quantized
  // with the same per-tensor rules and fallbacks as `ruvllm quantize` (e.g. SmolLM2's rows of
  // 576 cannot hold 256-element K-quant blocks).
  auto type = ruvllm::ggml_type_from_name(type_name);
  if (type && ruvllm::ggml_traits(*type).block_size > 32) type.reset();
  const auto mix = ruvllm::model::parse_quant_mix(type_name);
  if (!type && !mix) {
    std::fprintf(stderr, "ruvllm make-model: unknown type '%s'\n", type_name.c_str());
    return 2;
  }
  ruvllm::RandomModelOptions options;
  options.type = type ? *type : ruvllm::GgmlType::F16;
  options.seed = seed;
  options.vocab_path = vocab;
  const auto t0 = std::chrono::steady_clock::now();
  if (type) {
    ruvllm::write_random_model(shape, options, out);
  } else {
    const std::string tmp = out + ".f16.tmp";
    ruvllm::write_random_model(shape, options, tmp);
    ruvllm::model::QuantizeOptions q;
    q.mix = *mix;
    ruvllm::ThreadPool pool;
    try {
      ruvllm::model::quantize_model(tmp, out, q, &pool);
    } catch (...) {
      std::remove(tmp.c_str());
      throw;
    }
    std::remove(tmp.c_str());
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "wrote %s (%s, %s) in %.1f s\n", out.c_str(), shape.name.c_str(),
               type_name.c_str(), s);
  return 0;
}

ruvllm::cli::CommandRegistration reg("make-model",
                                     "write a random-weight GGUF of a real model's shape",
                                     run_make_model);

}  // namespace
