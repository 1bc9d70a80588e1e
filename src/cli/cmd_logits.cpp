// ruvllm logits -m MODEL --tokens ID,ID,... -o OUT.f32: evaluates the tokens teacher-forced and
// writes one little-endian float32 row of n_vocab logits per position (the reference format of
// the golden logits files).
#include <CLI/CLI.hpp>
#include <bit>
#include <cstdio>
#include <string>
#include <vector>

#include "cli/command.h"
#include "core/error.h"
#include "core/thread_pool.h"
#include "model/model.h"
#include "runtime/session.h"

namespace ruvllm::cli {
namespace {

// Parses "1,2,3" (spaces allowed); nullopt-like empty vector with an error message on failure.
bool parse_tokens(const std::string& text, std::vector<int32_t>& out, std::string& error) {
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == ',')) ++i;
    if (i >= text.size()) break;
    size_t end = i;
    while (end < text.size() && text[end] != ',' && text[end] != ' ') ++end;
    const std::string item = text.substr(i, end - i);
    try {
      size_t used = 0;
      const long long v = std::stoll(item, &used);
      if (used != item.size() || v < 0 || v > INT32_MAX) throw std::invalid_argument(item);
      out.push_back(int32_t(v));
    } catch (const std::exception&) {
      error = "'" + item + "' is not a token id";
      return false;
    }
    i = end;
  }
  if (out.empty()) error = "no token ids given";
  return !out.empty();
}

int run_logits(int argc, char** argv) {
  CLI::App app{"Write the logits of every position of a token sequence (teacher forcing)", argv[0]};
  std::string model_path, tokens_text, out_path, kv_type = "f16";
  int threads = 0;
  app.add_option("-m,--model", model_path, "GGUF model file")->required();
  app.add_option("--tokens", tokens_text, "comma-separated token ids")->required();
  app.add_option("-o,--output", out_path, "output file (float32 rows of n_vocab)")->required();
  app.add_option("-t,--threads", threads, "threads (0: all hardware threads)");
  app.add_option("--kv-type", kv_type, "KV cache type: f16 or f32")
      ->check(CLI::IsMember({"f16", "f32"}));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  std::vector<int32_t> tokens;
  std::string error;
  if (!parse_tokens(tokens_text, tokens, error)) {
    std::fprintf(stderr, "ruvllm logits: --tokens: %s\n", error.c_str());
    return 2;
  }
  std::shared_ptr<const Model> model;
  try {
    model = Model::load(model_path);
  } catch (const Error& e) {
    std::fprintf(stderr, "ruvllm logits: %s\n", e.what());
    return 2;
  }
  const int64_t n_vocab = model->config().n_vocab;
  for (int32_t t : tokens) {
    if (t >= n_vocab) {
      std::fprintf(stderr, "ruvllm logits: token %d is outside the vocabulary of %lld\n", t,
                   (long long)n_vocab);
      return 2;
    }
  }
  ThreadPool pool(threads);
  SessionParams sp;
  sp.n_ctx = int64_t(tokens.size());
  sp.kv_type = kv_type == "f32" ? GgmlType::F32 : GgmlType::F16;
  Session session(model, sp, &pool);
  auto logits = session.eval(tokens, /*all_logits=*/true);
  static_assert(std::endian::native == std::endian::little, "logits are written little-endian");
  FILE* f = std::fopen(out_path.c_str(), "wb");
  if (!f) {
    std::fprintf(stderr, "ruvllm logits: cannot write %s\n", out_path.c_str());
    return 1;
  }
  const bool ok = std::fwrite(logits.data(), sizeof(float), logits.size(), f) == logits.size();
  if (std::fclose(f) != 0 || !ok) {
    std::fprintf(stderr, "ruvllm logits: writing %s failed\n", out_path.c_str());
    return 1;
  }
  std::fprintf(stderr, "wrote %zu rows of %lld logits to %s\n", tokens.size(), (long long)n_vocab,
               out_path.c_str());
  return 0;
}

CommandRegistration reg("logits", "write teacher-forced logits of a token sequence", run_logits);

}  // namespace
}  // namespace ruvllm::cli
