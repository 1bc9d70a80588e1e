// Prefix-cache benchmark through the HTTP server: time to first token of a long shared prefix
// plus a short new suffix, cold (prefix never seen) against a cache hit, with several different
// prefixes used in turn (system prompts or RAG documents), then with concurrent clients: there
// the cold figure is each client's TTFT when all clients send new prefixes at once, and the hit
// figure each client's TTFT when all send cached prefixes (the four in turn) at once.
//
//   bench_prefix_cache --model MODEL.gguf [--prefix 1024,4096] [--prefixes 4] [--suffix 16]
//                      [--rounds 3] [--clients 8] [--threads 0] [--json]
// starts the server in-process on 127.0.0.1 and sends /v1/completions requests with token-id
// prompts and max_tokens 1, so a request's latency is its time to first token (prefill, one
// sample, loopback HTTP).
#include <httplib.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>
#include <vector>

#include "server/http_server.h"
#include "server/model_service.h"

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Timed {
  double seconds = 0;
  int64_t cached_tokens = 0;
  bool ok = false;
};

Timed time_request(int port, const std::vector<int32_t>& prompt) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(3600, 0);
  const json body = {{"prompt", prompt}, {"max_tokens", 1}, {"temperature", 0}};
  const auto start = Clock::now();
  auto r = client.Post("/v1/completions", body.dump(), "application/json");
  Timed t;
  t.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (!r || r->status != 200) return t;
  const json out = json::parse(r->body);
  t.cached_tokens = out["usage"]["prompt_tokens_details"]["cached_tokens"].get<int64_t>();
  t.ok = true;
  return t;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

struct Figures {
  int64_t prefix = 0;
  double cold = 0;             // median TTFT of a prefix's first request
  double hit = 0;              // median TTFT of later requests, prefixes in turn, one client
  double cold_concurrent = 0;  // median TTFT of new prefixes, N clients at once
  double hit_concurrent = 0;   // median TTFT of cached prefixes, N clients at once
  int64_t min_cached = 0;      // fewest cached tokens seen on a hit
  int failed = 0;
};

class Workload {
 public:
  Workload(int32_t n_vocab, uint32_t seed) : rng_(seed), dist_(100, n_vocab - 1) {}
  std::vector<int32_t> tokens(size_t n) {
    std::lock_guard lock(mutex_);
    std::vector<int32_t> t(n);
    for (auto& x : t) x = dist_(rng_);
    return t;
  }

 private:
  std::mutex mutex_;
  std::mt19937 rng_;
  std::uniform_int_distribution<int32_t> dist_;
};

std::vector<int32_t> with_suffix(const std::vector<int32_t>& prefix, Workload& w, size_t n) {
  auto p = prefix;
  const auto s = w.tokens(n);
  p.insert(p.end(), s.begin(), s.end());
  return p;
}

Figures measure(int port, Workload& w, int64_t length, int n_prefixes, size_t suffix, int rounds,
                int clients) {
  Figures f;
  f.prefix = length;
  f.min_cached = length;
  std::vector<std::vector<int32_t>> prefixes;
  for (int i = 0; i < n_prefixes; ++i) prefixes.push_back(w.tokens(size_t(length)));
  std::vector<double> cold, hit, concurrent;
  auto record_hit = [&](const Timed& t, std::vector<double>& into) {
    if (!t.ok) {
      ++f.failed;
      return;
    }
    into.push_back(t.seconds);
    f.min_cached = std::min(f.min_cached, t.cached_tokens);
  };
  for (const auto& p : prefixes) {
    const Timed t = time_request(port, with_suffix(p, w, suffix));
    if (t.ok)
      cold.push_back(t.seconds);
    else
      ++f.failed;
  }
  for (int r = 0; r < rounds; ++r)
    for (const auto& p : prefixes) record_hit(time_request(port, with_suffix(p, w, suffix)), hit);
  std::mutex mutex;
  std::vector<double> cold_concurrent;
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c)
    threads.emplace_back([&] {
      const Timed t = time_request(port, with_suffix(w.tokens(size_t(length)), w, suffix));
      std::lock_guard lock(mutex);
      if (t.ok)
        cold_concurrent.push_back(t.seconds);
      else
        ++f.failed;
    });
  for (auto& t : threads) t.join();
  threads.clear();
  for (int c = 0; c < clients; ++c)
    threads.emplace_back([&, c] {
      for (int r = 0; r < rounds; ++r) {
        const auto& p = prefixes[size_t(c + r) % prefixes.size()];
        const Timed t = time_request(port, with_suffix(p, w, suffix));
        std::lock_guard lock(mutex);
        record_hit(t, concurrent);
      }
    });
  for (auto& t : threads) t.join();
  f.cold = median(cold);
  f.hit = median(hit);
  f.cold_concurrent = median(cold_concurrent);
  f.hit_concurrent = median(concurrent);
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Prefix-cache benchmark: time to first token, cold vs cache hit, over HTTP"};
  std::string model;
  std::vector<int64_t> lengths = {1024, 4096};
  int n_prefixes = 4, rounds = 3, clients = 8, threads = 0;
  size_t suffix = 16;
  bool as_json = false;
  app.add_option("--model", model, "GGUF model")->required()->check(CLI::ExistingFile);
  app.add_option("--prefix", lengths, "Prefix lengths in tokens")->delimiter(',');
  app.add_option("--prefixes", n_prefixes, "Different prefixes used in turn")
      ->capture_default_str();
  app.add_option("--suffix", suffix, "New tokens after the prefix")->capture_default_str();
  app.add_option("--rounds", rounds, "Hit requests per prefix (and per concurrent client)")
      ->capture_default_str();
  app.add_option("--clients", clients, "Concurrent clients")->capture_default_str();
  app.add_option("--threads", threads, "Compute threads (0: all)")->capture_default_str();
  app.add_flag("--json", as_json, "Print one JSON object");
  CLI11_PARSE(app, argc, argv);

  const int64_t longest = *std::max_element(lengths.begin(), lengths.end());
  ruvllm::server::ServerMetrics metrics;
  ruvllm::server::ModelServiceParams params;
  params.model_path = model;
  params.threads = threads;
  params.scheduler.n_slots = clients;
  params.scheduler.n_ctx = (longest + int64_t(suffix) + 64 + 15) / 16 * 16;
  ruvllm::server::ModelService service(params, &metrics);
  ruvllm::server::HttpServerParams http;
  http.port = 0;
  ruvllm::server::HttpServer server(service, metrics, http);
  const int port = server.start();

  Workload workload(service.tokenizer().n_vocab(), 1234);
  std::vector<Figures> results;
  for (int64_t length : lengths)
    results.push_back(measure(port, workload, length, n_prefixes, suffix, rounds, clients));
  const auto stats = service.scheduler().cache_stats();
  server.stop();

  int failed = 0;
  json out = json::array();
  for (const Figures& f : results) {
    failed += f.failed;
    if (as_json) {
      out.push_back({{"prefix_tokens", f.prefix},
                     {"cold_ttft_s", f.cold},
                     {"hit_ttft_s", f.hit},
                     {"speedup", f.cold / f.hit},
                     {"cold_ttft_concurrent_s", f.cold_concurrent},
                     {"hit_ttft_concurrent_s", f.hit_concurrent},
                     {"speedup_concurrent", f.cold_concurrent / f.hit_concurrent},
                     {"min_cached_tokens", f.min_cached},
                     {"failed", f.failed}});
    } else {
      std::printf(
          "prefix %5lld tokens x %d in turn: cold %8.3f s, hit %7.4f s (%6.1fx); %d clients at "
          "once: "
          "cold %8.3f s, hit %7.4f s (%6.1fx); fewest cached tokens on a hit %lld, %d failed\n",
          static_cast<long long>(f.prefix), n_prefixes, f.cold, f.hit, f.cold / f.hit, clients,
          f.cold_concurrent, f.hit_concurrent, f.cold_concurrent / f.hit_concurrent,
          static_cast<long long>(f.min_cached), f.failed);
    }
  }
  if (as_json) {
    std::printf("%s\n", json({{"model", model},
                              {"results", out},
                              {"cache",
                               {{"hit_rate", stats.hit_rate()},
                                {"evictions", stats.evictions},
                                {"peak_pool_bytes", stats.peak_pool_bytes},
                                {"budget_bytes", stats.budget_bytes}}}})
                            .dump(2)
                            .c_str());
  } else {
    std::printf("cache: hit rate %.3f, %llu evictions, peak KV %.1f MiB of %.1f MiB budget\n",
                stats.hit_rate(), static_cast<unsigned long long>(stats.evictions),
                double(stats.peak_pool_bytes) / (1 << 20), double(stats.budget_bytes) / (1 << 20));
  }
  return failed == 0 ? 0 : 1;
}
