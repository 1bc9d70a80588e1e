// Multi-turn chat benchmark of the prefix cache through the HTTP server.
//
// Hit rate: many conversations share a system prompt; each turn sends the whole history so far
// (rendered by the server's chat template from /v1/chat/completions messages) plus a new user
// message, and appends the model's answer to the history. The share of prompt tokens served
// from the cache (usage.prompt_tokens_details.cached_tokens over usage.prompt_tokens, all
// requests) is the hit rate.
//
// Miss overhead: prompts that never hit (new random token ids each time) sent one at a time to
// two servers of the same model, one with the prefix cache (holding the conversations above)
// and one without (what
// `ruvllm serve --no-prefix-cache` runs), alternating runs so that a drifting machine load
// affects both alike: time to first token (max_tokens 1) and request time (max_tokens N),
// per-run medians, then the median over runs.
//
//   bench_multi_turn --model MODEL.gguf [--conversations 16] [--turns 6] [--clients 4]
//                    [--answer-tokens 48] [--miss-prompt 256] [--miss-requests 6]
//                    [--miss-runs 3] [--miss-tokens 16] [--threads 0] [--json]
#include <httplib.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "server/http_server.h"
#include "server/model_service.h"

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

const char* const kWords[] = {
    "the",     "model",  "cache",    "answer",   "question", "please",  "explain", "why",
    "how",     "river",  "mountain", "city",     "garden",   "recipe",  "travel",  "history",
    "number",  "small",  "large",    "quickly",  "slowly",   "because", "before",  "after",
    "summary", "list",   "three",    "reasons",  "example",  "compare", "write",   "short",
    "letter",  "friend", "weather",  "tomorrow", "library",  "book",    "music",   "science",
    "energy",  "water",  "light",    "computer", "memory",   "network", "simple",  "detail"};

std::string words(std::mt19937& rng, int n) {
  std::uniform_int_distribution<size_t> pick(0, std::size(kWords) - 1);
  std::string s;
  for (int i = 0; i < n; ++i) {
    if (i) s += ' ';
    s += kWords[pick(rng)];
  }
  return s;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// An in-process server on a free loopback port.
struct Server {
  Server(const ruvllm::server::ModelServiceParams& params)
      : service(params, &metrics), http(service, metrics, http_params()) {
    port = http.start();
  }
  ~Server() { http.stop(); }
  static ruvllm::server::HttpServerParams http_params() {
    ruvllm::server::HttpServerParams p;
    p.port = 0;
    return p;
  }
  ruvllm::server::ServerMetrics metrics;
  ruvllm::server::ModelService service;
  ruvllm::server::HttpServer http;
  int port = 0;
};

struct TurnTotals {
  int64_t prompt_tokens = 0;
  int64_t cached_tokens = 0;
  int requests = 0;
  int failed = 0;
  std::vector<double> seconds;  // request times of turns after the first
};

// Runs the conversations, `clients` of them at a time, turn by turn.
TurnTotals run_conversations(int port, int conversations, int turns, int clients,
                             int answer_tokens) {
  std::mt19937 rng(42);
  const std::string system = "You are a helpful assistant for a travel and science library. " +
                             words(rng, 160) + ". Answer briefly.";
  std::vector<json> histories(static_cast<size_t>(conversations));
  std::vector<std::mt19937> rngs;
  for (int c = 0; c < conversations; ++c) {
    histories[size_t(c)] = json::array({{{"role", "system"}, {"content", system}}});
    rngs.emplace_back(1000 + c);
  }
  TurnTotals totals;
  std::mutex mutex;
  std::atomic<int> next{0};
  for (int turn = 0; turn < turns; ++turn) {
    next = 0;
    std::vector<std::thread> threads;
    for (int k = 0; k < clients; ++k)
      threads.emplace_back([&, turn] {
        httplib::Client client("127.0.0.1", port);
        client.set_read_timeout(3600, 0);
        for (int c; (c = next++) < conversations;) {
          json& history = histories[size_t(c)];
          std::uniform_int_distribution<int> length(15, 45);
          history.push_back(
              {{"role", "user"}, {"content", words(rngs[size_t(c)], length(rngs[size_t(c)]))}});
          const json body = {{"messages", history},
                             {"max_tokens", answer_tokens},
                             {"temperature", 1.0},
                             {"seed", c * 1000 + turn}};
          const auto start = Clock::now();
          auto r = client.Post("/v1/chat/completions", body.dump(), "application/json");
          const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
          std::lock_guard lock(mutex);
          ++totals.requests;
          if (!r || r->status != 200) {
            ++totals.failed;
            history.push_back({{"role", "assistant"}, {"content", "(no answer)"}});
            continue;
          }
          const json out = json::parse(r->body);
          totals.prompt_tokens += out["usage"]["prompt_tokens"].get<int64_t>();
          totals.cached_tokens +=
              out["usage"]["prompt_tokens_details"]["cached_tokens"].get<int64_t>();
          if (turn > 0) totals.seconds.push_back(seconds);
          history.push_back(
              {{"role", "assistant"}, {"content", out["choices"][0]["message"]["content"]}});
        }
      });
    for (auto& t : threads) t.join();
  }
  return totals;
}

// One request of new random token ids; its time, or a negative value when it failed.
double time_cold_request(int port, std::mt19937& rng, int32_t n_vocab, int prompt_tokens,
                         int max_tokens) {
  std::uniform_int_distribution<int32_t> token(100, n_vocab - 1);
  std::vector<int32_t> prompt(static_cast<size_t>(prompt_tokens));
  for (auto& t : prompt) t = token(rng);
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(3600, 0);
  const json body = {{"prompt", prompt}, {"max_tokens", max_tokens}, {"temperature", 0}};
  const auto start = Clock::now();
  auto r = client.Post("/v1/completions", body.dump(), "application/json");
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (!r || r->status != 200) return -1;
  if (json::parse(r->body)["usage"]["prompt_tokens_details"]["cached_tokens"].get<int64_t>() > 0)
    return -1;  // not a miss after all
  return seconds;
}

struct MissFigures {
  double ttft_cache = 0, ttft_plain = 0;    // medians over runs of per-run medians
  double total_cache = 0, total_plain = 0;  // likewise, max_tokens requests
  int failed = 0;
};

MissFigures measure_misses(Server& cached, Server& plain, int runs, int requests, int prompt_tokens,
                           int max_tokens) {
  const int32_t n_vocab = cached.service.tokenizer().n_vocab();
  std::mt19937 rng(7);
  std::vector<double> ttft[2], total[2];
  MissFigures f;
  for (int run = 0; run < runs; ++run)
    for (int which = 0; which < 2; ++which) {
      // Alternate which server goes first, so neither always follows the other's warm-up.
      Server& server = (which ^ (run & 1)) == 0 ? cached : plain;
      const int slot = &server == &cached ? 0 : 1;
      std::vector<double> first, whole;
      for (int i = 0; i < requests; ++i) {
        const double a = time_cold_request(server.port, rng, n_vocab, prompt_tokens, 1);
        const double b = time_cold_request(server.port, rng, n_vocab, prompt_tokens, max_tokens);
        if (a < 0 || b < 0) {
          ++f.failed;
          continue;
        }
        first.push_back(a);
        whole.push_back(b);
      }
      ttft[slot].push_back(median(first));
      total[slot].push_back(median(whole));
    }
  f.ttft_cache = median(ttft[0]);
  f.ttft_plain = median(ttft[1]);
  f.total_cache = median(total[0]);
  f.total_plain = median(total[1]);
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Prefix cache on a multi-turn chat workload: hit rate and the cost of a miss"};
  std::string model;
  int conversations = 16, turns = 6, clients = 4, answer_tokens = 48, threads = 0;
  int miss_prompt = 256, miss_requests = 6, miss_runs = 3, miss_tokens = 16;
  bool as_json = false;
  app.add_option("--model", model, "GGUF model")->required()->check(CLI::ExistingFile);
  app.add_option("--conversations", conversations, "Conversations")->capture_default_str();
  app.add_option("--turns", turns, "Turns per conversation")->capture_default_str();
  app.add_option("--clients", clients, "Concurrent clients (and server slots)")
      ->capture_default_str();
  app.add_option("--answer-tokens", answer_tokens, "max_tokens of an answer")
      ->capture_default_str();
  app.add_option("--miss-prompt", miss_prompt, "Tokens of a never-cached prompt")
      ->capture_default_str();
  app.add_option("--miss-requests", miss_requests, "Miss requests per run and server")
      ->capture_default_str();
  app.add_option("--miss-runs", miss_runs, "Alternating runs of the miss measurement")
      ->capture_default_str();
  app.add_option("--miss-tokens", miss_tokens, "max_tokens of a timed whole miss request")
      ->capture_default_str();
  app.add_option("--threads", threads, "Compute threads (0: all)")->capture_default_str();
  app.add_flag("--json", as_json, "Print one JSON object");
  CLI11_PARSE(app, argc, argv);

  ruvllm::server::ModelServiceParams params;
  params.model_path = model;
  params.threads = threads;
  params.scheduler.n_slots = clients;
  Server cached(params);
  params.scheduler.prefix_cache = false;
  Server plain(params);

  const TurnTotals chat =
      run_conversations(cached.port, conversations, turns, clients, answer_tokens);
  const double hit_rate =
      chat.prompt_tokens ? double(chat.cached_tokens) / double(chat.prompt_tokens) : 0.0;
  const auto stats = cached.service.scheduler().cache_stats();
  const MissFigures miss =
      measure_misses(cached, plain, miss_runs, miss_requests, miss_prompt, miss_tokens);
  const double ttft_overhead = miss.ttft_cache / miss.ttft_plain - 1;
  const double total_overhead = miss.total_cache / miss.total_plain - 1;
  const int failed = chat.failed + miss.failed;

  if (as_json) {
    std::printf("%s\n", json({{"model", model},
                              {"multi_turn",
                               {{"conversations", conversations},
                                {"turns", turns},
                                {"clients", clients},
                                {"requests", chat.requests},
                                {"prompt_tokens", chat.prompt_tokens},
                                {"cached_tokens", chat.cached_tokens},
                                {"hit_rate", hit_rate},
                                {"median_request_s_after_first_turn", median(chat.seconds)},
                                {"evictions", stats.evictions}}},
                              {"miss",
                               {{"prompt_tokens", miss_prompt},
                                {"ttft_cache_s", miss.ttft_cache},
                                {"ttft_no_cache_s", miss.ttft_plain},
                                {"ttft_overhead", ttft_overhead},
                                {"request_cache_s", miss.total_cache},
                                {"request_no_cache_s", miss.total_plain},
                                {"request_overhead", total_overhead}}},
                              {"failed", failed}})
                            .dump(2)
                            .c_str());
  } else {
    std::printf(
        "multi-turn: %d conversations x %d turns, %d clients: %lld of %lld prompt tokens cached, "
        "hit rate %.3f (median request %.3f s after the first turn, %llu evictions)\n",
        conversations, turns, clients, static_cast<long long>(chat.cached_tokens),
        static_cast<long long>(chat.prompt_tokens), hit_rate, median(chat.seconds),
        static_cast<unsigned long long>(stats.evictions));
    std::printf(
        "miss (%d-token new prompts, median of %d runs x %d): TTFT %.4f s with cache, %.4f s "
        "without (%+.1f%%); %d-token request %.4f s vs %.4f s (%+.1f%%)\n",
        miss_prompt, miss_runs, miss_requests, miss.ttft_cache, miss.ttft_plain,
        100 * ttft_overhead, miss_tokens, miss.total_cache, miss.total_plain, 100 * total_overhead);
    if (failed) std::printf("%d requests failed\n", failed);
  }
  return failed == 0 ? 0 : 1;
}
