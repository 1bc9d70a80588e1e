// Load benchmark of the HTTP server: throughput of one streaming client against N concurrent
// streaming clients (aggregate completion tokens per second, end to end and in the decode phase
// alone, after the prompts are evaluated), and failed requests.
//
//   bench_server_load --model MODEL.gguf [--parallel 8] [--clients 8] [--max-tokens 64]
//                     [--threads 0] [--repeat 1] [--json]
// With --repeat N, each repetition runs one client and then the N clients back to back, and the
// medians over repetitions are reported (the speedup is the median of the per-repetition ratios).
// starts the server in-process on 127.0.0.1 (any free port) and drives it over loopback.
#include <httplib.h>

#include <CLI/CLI.hpp>
#include <algorithm>
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
  // Decode phase: tokens after each stream's first, over the window from the earliest first
  // token to the last stream's end (prompt evaluation excluded).
  int64_t decode_tokens = 0;
  double decode_seconds = 0;
};

struct StreamResult {
  int64_t completion_tokens = -1;  // from the usage chunk; -1: the request failed
  Clock::time_point first_token, end;
};

// One streamed chat completion, timing its first content chunk and its end.
StreamResult stream_one(int port, int max_tokens, int seed) {
  StreamResult out;
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(600, 0);
  json body = {{"messages", {{{"role", "user"}, {"content", "Tell me a story."}}}},
               {"max_tokens", max_tokens},
               {"seed", seed},
               {"stream", true},
               {"stream_options", {{"include_usage", true}}}};
  std::string text;
  bool seen_content = false;
  httplib::Request req;
  req.method = "POST";
  req.path = "/v1/chat/completions";
  req.body = body.dump();
  req.set_header("Content-Type", "application/json");
  req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    text.append(data, n);
    // The role chunk comes before the prompt is evaluated; the first text after it.
    if (!seen_content &&
        text.find("\"content\":\"", text.find("\"content\":\"\"") + 1) != std::string::npos) {
      seen_content = true;
      out.first_token = Clock::now();
    }
    return true;
  };
  auto r = client.send(req);
  out.end = Clock::now();
  if (!r || r->status != 200 || !seen_content) return out;
  const size_t at = text.rfind("\"completion_tokens\":");
  if (at == std::string::npos || text.find("data: [DONE]") == std::string::npos) return out;
  out.completion_tokens = std::stoll(text.substr(at + 20));
  return out;
}

RoundResult run_round(int port, int clients, int max_tokens) {
  RoundResult result;
  std::vector<StreamResult> streams(static_cast<size_t>(clients));
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i)
    threads.emplace_back([&, i] { streams[size_t(i)] = stream_one(port, max_tokens, 1000 + i); });
  for (auto& t : threads) t.join();
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  Clock::time_point first = Clock::time_point::max(), last = start;
  for (const StreamResult& s : streams) {
    if (s.completion_tokens < 0) {
      ++result.failed;
      continue;
    }
    result.completion_tokens += s.completion_tokens;
    result.decode_tokens += s.completion_tokens - 1;
    first = std::min(first, s.first_token);
    last = std::max(last, s.end);
  }
  if (result.decode_tokens > 0)
    result.decode_seconds = std::chrono::duration<double>(last - first).count();
  return result;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// One repetition: a single client, then N at once, back to back (so both see the same machine).
struct Repetition {
  RoundResult one, many;
  double one_tps() const { return one.completion_tokens / one.seconds; }
  double many_tps() const { return many.completion_tokens / many.seconds; }
  double one_decode() const { return one.decode_tokens / one.decode_seconds; }
  double many_decode() const { return many.decode_tokens / many.decode_seconds; }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Server load benchmark: one client vs N concurrent streaming clients"};
  std::string model;
  int parallel = 8, clients = 8, max_tokens = 64, threads = 0, repeat = 1;
  bool as_json = false;
  app.add_option("--model", model, "GGUF model")->required()->check(CLI::ExistingFile);
  app.add_option("--parallel", parallel, "Server slots")->capture_default_str();
  app.add_option("--clients", clients, "Concurrent clients")->capture_default_str();
  app.add_option("--max-tokens", max_tokens, "Tokens per request")->capture_default_str();
  app.add_option("--threads", threads, "Compute threads (0: all)")->capture_default_str();
  app.add_option("--repeat", repeat, "Repetitions (medians are reported)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
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
  std::vector<Repetition> reps;
  int failed = 0;
  for (int r = 0; r < repeat; ++r) {
    Repetition rep{run_round(port, 1, max_tokens), run_round(port, clients, max_tokens)};
    failed += rep.one.failed + rep.many.failed;
    if (!as_json && repeat > 1)
      std::printf(
          "rep %d: one client %.1f tok/s, %d clients %.1f tok/s (%.2fx); decode %.1f vs "
          "%.1f (%.2fx)\n",
          r + 1, rep.one_tps(), clients, rep.many_tps(), rep.many_tps() / rep.one_tps(),
          rep.one_decode(), rep.many_decode(), rep.many_decode() / rep.one_decode());
    reps.push_back(rep);
  }
  server.stop();

  auto med = [&](auto fn) {
    std::vector<double> v;
    for (const Repetition& r : reps) v.push_back(fn(r));
    return median(v);
  };
  const double one_tps = med([](const Repetition& r) { return r.one_tps(); });
  const double many_tps = med([](const Repetition& r) { return r.many_tps(); });
  const double speedup = med([](const Repetition& r) { return r.many_tps() / r.one_tps(); });
  const double one_decode = med([](const Repetition& r) { return r.one_decode(); });
  const double many_decode = med([](const Repetition& r) { return r.many_decode(); });
  const double decode_speedup =
      med([](const Repetition& r) { return r.many_decode() / r.one_decode(); });
  if (as_json) {
    json out = {{"model", model},
                {"parallel", parallel},
                {"clients", clients},
                {"max_tokens", max_tokens},
                {"threads", threads},
                {"repetitions", repeat},
                {"single_client_tokens_per_s", one_tps},
                {"aggregate_tokens_per_s", many_tps},
                {"speedup", speedup},
                {"single_client_decode_tokens_per_s", one_decode},
                {"aggregate_decode_tokens_per_s", many_decode},
                {"decode_speedup", decode_speedup},
                {"failed", failed}};
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    const char* what = repeat > 1 ? "median " : "";
    std::printf("%sone client:  %7.1f tok/s\n", what, one_tps);
    std::printf("%s%d clients: %7.1f tok/s aggregate, %.2fx, %d failed\n", what, clients, many_tps,
                speedup, failed);
    std::printf("%sdecode only: one client %.1f tok/s, %d clients %.1f tok/s aggregate, %.2fx\n",
                what, one_decode, clients, many_decode, decode_speedup);
  }
  return failed == 0 ? 0 : 1;
}
