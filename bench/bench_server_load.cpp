// Load benchmark of the HTTP server: decode throughput of one streaming client against N
// concurrent streaming clients (aggregate completion tokens per second), and failed requests.
//
//   bench_server_load --model MODEL.gguf [--parallel 8] [--clients 8] [--max-tokens 64]
//                     [--threads 0] [--json]
// starts the server in-process on 127.0.0.1 (any free port) and drives it over loopback.
#include <httplib.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "server/http_server.h"
#include "server/model_service.h"

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

struct RoundResult {
  int64_t completion_tokens = 0;
  int failed = 0;
  double seconds = 0;
};

// One streamed chat completion; returns its completion tokens (from the usage chunk) or -1.
int64_t stream_one(int port, int max_tokens, int seed) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(600, 0);
  json body = {{"messages", {{{"role", "user"}, {"content", "Tell me a story."}}}},
               {"max_tokens", max_tokens},
               {"seed", seed},
               {"stream", true},
               {"stream_options", {{"include_usage", true}}}};
  auto r = client.Post("/v1/chat/completions", body.dump(), "application/json");
  if (!r || r->status != 200) return -1;
  const std::string& text = r->body;
  const size_t at = text.rfind("\"completion_tokens\":");
  if (at == std::string::npos || text.find("data: [DONE]") == std::string::npos) return -1;
  return std::stoll(text.substr(at + 20));
}

RoundResult run_round(int port, int clients, int max_tokens) {
  RoundResult result;
  std::atomic<int64_t> tokens{0};
  std::atomic<int> failed{0};
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i)
    threads.emplace_back([&, i] {
      const int64_t n = stream_one(port, max_tokens, 1000 + i);
      if (n < 0) {
        failed.fetch_add(1);
      } else {
        tokens.fetch_add(n);
      }
    });
  for (auto& t : threads) t.join();
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  result.completion_tokens = tokens.load();
  result.failed = failed.load();
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Server load benchmark: one client vs N concurrent streaming clients"};
  std::string model;
  int parallel = 8, clients = 8, max_tokens = 64, threads = 0;
  bool as_json = false;
  app.add_option("--model", model, "GGUF model")->required()->check(CLI::ExistingFile);
  app.add_option("--parallel", parallel, "Server slots")->capture_default_str();
  app.add_option("--clients", clients, "Concurrent clients")->capture_default_str();
  app.add_option("--max-tokens", max_tokens, "Tokens per request")->capture_default_str();
  app.add_option("--threads", threads, "Compute threads (0: all)")->capture_default_str();
  app.add_flag("--json", as_json, "Print one JSON object");
  CLI11_PARSE(app, argc, argv);

  ruvllm::server::ServerMetrics metrics;
  ruvllm::server::ModelServiceParams params;
  params.model_path = model;
  params.threads = threads;
  params.scheduler.n_slots = parallel;
  ruvllm::server::ModelService service(params, &metrics);
  ruvllm::server::HttpServerParams http;
  http.port = 0;
  ruvllm::server::HttpServer server(service, metrics, http);
  const int port = server.start();

  run_round(port, 1, 4);  // warm-up
  const RoundResult one = run_round(port, 1, max_tokens);
  const RoundResult many = run_round(port, clients, max_tokens);
  server.stop();

  const double one_tps = one.completion_tokens / one.seconds;
  const double many_tps = many.completion_tokens / many.seconds;
  if (as_json) {
    json out = {{"model", model},
                {"parallel", parallel},
                {"clients", clients},
                {"max_tokens", max_tokens},
                {"single_client_tokens_per_s", one_tps},
                {"aggregate_tokens_per_s", many_tps},
                {"speedup", many_tps / one_tps},
                {"failed", one.failed + many.failed}};
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    std::printf("one client:  %7.1f tok/s (%lld tokens in %.2f s)\n", one_tps,
                static_cast<long long>(one.completion_tokens), one.seconds);
    std::printf("%d clients: %7.1f tok/s aggregate (%lld tokens in %.2f s), %.2fx, %d failed\n",
                clients, many_tps, static_cast<long long>(many.completion_tokens), many.seconds,
                many_tps / one_tps, one.failed + many.failed);
  }
  return one.failed + many.failed == 0 ? 0 : 1;
}
