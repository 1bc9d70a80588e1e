// ruvllm bench: prompt-processing and decode throughput of a model, like llama-bench -p/-n.
//
// Prefill evaluates `p` random tokens from an empty context in one batched call; decode evaluates
// `n` tokens one at a time from an empty context. Each is repeated `r` times; we report the
// median and the spread, plus the share of the memory-bandwidth ceiling that decode reaches
// (every decoded token streams all weights once, so bandwidth / model bytes bounds tokens/s).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>
#include <vector>

#include "cli/command.h"
#include "core/cpu_features.h"
#include "core/memory_bandwidth.h"
#include "core/thread_pool.h"
#include "model/model.h"
#include "runtime/session.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Stats {
  double median = 0, min = 0, max = 0;
};

Stats summarize(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  Stats s;
  s.min = v.front();
  s.max = v.back();
  const size_t n = v.size();
  s.median = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
  return s;
}

int run_bench(int argc, char** argv) {
  CLI::App app{"Measure prefill and decode throughput", argv[0]};
  std::string model_path;
  int p = 512, n = 128, threads = 0, reps = 5;
  double bandwidth = 0;
  bool json = false;
  app.add_option("-m,--model", model_path, "GGUF model")->required();
  app.add_option("-p,--prompt-tokens", p, "prompt tokens per prefill run (0: skip)");
  app.add_option("-n,--gen-tokens", n, "tokens per decode run (0: skip)");
  app.add_option("-t,--threads", threads, "threads (default: all cores)");
  app.add_option("-r,--reps", reps, "repetitions")->check(CLI::PositiveNumber);
  app.add_option("--bandwidth", bandwidth, "memory bandwidth in GB/s (default: measured)");
  app.add_flag("--json", json, "print one JSON object");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (p < 0 || n < 0 || (p == 0 && n == 0)) {
    std::fprintf(stderr, "ruvllm bench: -p and -n must be >= 0, not both 0\n");
    return 2;
  }
  auto model = ruvllm::Model::load(model_path);
  const auto& cfg = model->config();
  ruvllm::ThreadPool pool(threads);
  uint64_t model_bytes = 0;
  for (const auto& t : model->file().tensors()) model_bytes += t.n_bytes;

  ruvllm::SessionParams sp;
  sp.n_ctx = std::max(p, n + 1) + 16;
  sp.max_batch = std::max(p, 1);
  ruvllm::Session session(model, sp, &pool);
  std::mt19937 rng(1234);
  std::uniform_int_distribution<int32_t> tok(0, int32_t(cfg.n_vocab - 1));
  std::vector<int32_t> prompt(size_t(std::max(p, 1)));
  for (auto& t : prompt) t = tok(rng);

  // Warm-up: fault in the mapped weights and the caches.
  session.eval(std::span<const int32_t>(prompt.data(), size_t(std::min(p > 0 ? p : 1, 16))));
  session.clear();

  std::vector<double> prefill, decode;
  for (int r = 0; r < reps; ++r) {
    if (p > 0) {
      session.clear();
      const auto t0 = Clock::now();
      session.eval(std::span<const int32_t>(prompt.data(), size_t(p)));
      prefill.push_back(p / std::chrono::duration<double>(Clock::now() - t0).count());
    }
    if (n > 0) {
      session.clear();
      int32_t next = prompt[0];
      const auto t0 = Clock::now();
      for (int i = 0; i < n; ++i) {
        session.eval(std::span<const int32_t>(&next, 1));
        next = tok(rng);
      }
      decode.push_back(n / std::chrono::duration<double>(Clock::now() - t0).count());
    }
  }
  if (bandwidth <= 0 && n > 0) bandwidth = ruvllm::measure_read_bandwidth_gbps(pool);

  const Stats pf = prefill.empty() ? Stats{} : summarize(prefill);
  const Stats dc = decode.empty() ? Stats{} : summarize(decode);
  const double ceiling = bandwidth > 0 ? bandwidth * 1e9 / double(model_bytes) : 0;
  const double share = ceiling > 0 ? dc.median / ceiling : 0;
  if (json) {
    nlohmann::ordered_json j;
    j["model"] = model_path;
    j["architecture"] = cfg.architecture;
    j["model_bytes"] = model_bytes;
    j["threads"] = pool.size();
    j["isa"] = std::string(ruvllm::isa_name(ruvllm::isa_level()));
    j["prompt_tokens"] = p;
    j["gen_tokens"] = n;
    j["reps"] = reps;
    j["prefill_tok_s"] = pf.median;
    j["prefill_tok_s_min"] = pf.min;
    j["prefill_tok_s_max"] = pf.max;
    j["decode_tok_s"] = dc.median;
    j["decode_tok_s_min"] = dc.min;
    j["decode_tok_s_max"] = dc.max;
    j["bandwidth_gbps"] = bandwidth;
    j["decode_ceiling_tok_s"] = ceiling;
    j["decode_ceiling_share"] = share;
    std::printf("%s\n", j.dump().c_str());
    return 0;
  }
  std::printf("model      %s (%s, %.1f MiB)\n", model_path.c_str(), cfg.architecture.c_str(),
              double(model_bytes) / (1 << 20));
  std::printf("threads    %d (%s kernels)\n", pool.size(),
              std::string(ruvllm::isa_name(ruvllm::isa_level())).c_str());
  if (p > 0)
    std::printf("prefill    pp%-5d %8.1f tok/s  (min %.1f, max %.1f, %d reps)\n", p, pf.median,
                pf.min, pf.max, reps);
  if (n > 0) {
    std::printf("decode     tg%-5d %8.1f tok/s  (min %.1f, max %.1f, %d reps)\n", n, dc.median,
                dc.min, dc.max, reps);
    std::printf("ceiling    %.1f GB/s -> %.1f tok/s; decode reaches %.0f%%\n", bandwidth, ceiling,
                share * 100);
  }
  return 0;
}

ruvllm::cli::CommandRegistration reg("bench", "measure prefill and decode throughput", run_bench);

}  // namespace
