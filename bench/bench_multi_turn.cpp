// Multi-turn chat benchmark of the prefix cache through the HTTP server.
//
// Hit rate: many conversations share a system prompt; each turn sends the whole history so far
// (rendered by the server's chat template from /v1/chat/completions messages) plus a new user
// message, and appends the model's answer to the history. The share of prompt tokens served
// from the cache (usage.prompt_tokens_details.cached_tokens over usage.prompt_tokens, all
// requests) is the hit rate. It is measured twice, each time on a fresh server:
//   - raw: the model's own answers (temperature 1). A random-weight model writes token
//     sequences no tokenizer would produce (broken UTF-8, odd splits of words), so its answer
//     re-tokenizes differently in the next turn's prompt and the cache hit ends inside it.
//   - canonical: a trained model's answers are (nearly) canonical tokenizations of their text.
//     This is simulated by steering the random model onto whole-word tokens of its vocabulary
//     that re-tokenize to themselves: logit_bias +97 on --canonical-words tokens whose text is
//     a space and 3 to 12 ASCII letters and whose text encodes to that token alone (a space
//     and letters form one pre-token, so any sequence of them round-trips), and +100 on the
//     end-of-generation token, so answers end on their own (mean ~20 tokens) or at max_tokens.
// Each turn after a conversation's first is classified by where its cache hit ended, against
// the previous turn's prompt and answer: inside the history before the previous answer, inside
// the answer, or after it (the template's end of turn and the new user message: the expected
// miss). The previous prompt's length comes from the server's own tokenization of the previous
// request (ModelService::prepare_chat), so the figures need the in-process server.
//
// Miss overhead: prompts that never hit (new random token ids each time) sent one at a time to
// two servers of the same model, one with the prefix cache (holding the conversations above)
// and one without (what `ruvllm serve --no-prefix-cache` runs), alternating runs so that a
// drifting machine load affects both alike: time to first token (max_tokens 1) and request
// time (max_tokens N), per-run medians, then the median, min and max over runs of the ratio
// cache/no cache of each pair of back-to-back runs.
//
//   bench_multi_turn --model MODEL.gguf [--conversations 16] [--turns 6] [--clients 4]
//                    [--answer-tokens 48] [--answers raw,canonical] [--canonical-words 400]
//                    [--miss-prompt 256] [--miss-requests 6] [--miss-runs 5] [--miss-tokens 16]
//                    [--threads 0] [--json]
#include <httplib.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "server/http_server.h"
#include "server/model_service.h"
#include "server/openai_request.h"

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

// logit_bias steering a random model onto canonical whole-word output (see the file comment).
json canonical_bias(const ruvllm::Tokenizer& tokenizer, int n_words) {
  json bias = json::object();
  int found = 0;
  for (int32_t id = 0; id < tokenizer.n_vocab() && found < n_words; ++id) {
    if (tokenizer.is_control(id) || tokenizer.is_eog(id)) continue;
    const std::string text = tokenizer.token_to_bytes(id);
    if (text.size() < 4 || text.size() > 13 || text[0] != ' ') continue;
    if (!std::all_of(text.begin() + 1, text.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }))
      continue;
    if (tokenizer.encode(text, /*add_special=*/false, /*parse_special=*/false) !=
        std::vector<int32_t>{id})
      continue;
    bias[std::to_string(id)] = 97;
    ++found;
  }
  for (int32_t id = 0; id < tokenizer.n_vocab(); ++id)
    if (tokenizer.is_eog(id)) {
      bias[std::to_string(id)] = 100;
      break;
    }
  return bias;
}

// Where a turn's cache hit ended, against the previous turn of its conversation.
struct Divergence {
  int before_answer = 0;     // inside the history before the previous answer
  int inside_answer = 0;     // inside the previous answer's tokens
  int at_answer_end = 0;     // at the previous answer's last token
  int after_answer = 0;      // after the previous answer (template end of turn, new message)
  int64_t after_tokens = 0;  // tokens after the previous answer not served (over after_answer)
};

struct TurnTotals {
  int64_t prompt_tokens = 0;
  int64_t cached_tokens = 0;
  int requests = 0;
  int failed = 0;
  int finished_stop = 0, finished_length = 0;
  std::vector<double> seconds;  // request times of turns after the first
  Divergence divergence;
  std::vector<std::string> examples;  // the first few in-answer divergences, as text
};

// Runs the conversations, `clients` of them at a time, turn by turn.
TurnTotals run_conversations(Server& server, int conversations, int turns, int clients,
                             int answer_tokens, const json& bias) {
  const int port = server.port;
  std::mt19937 rng(42);
  const std::string system = "You are a helpful assistant for a travel and science library. " +
                             words(rng, 160) + ". Answer briefly.";
  std::vector<json> histories(static_cast<size_t>(conversations));
  struct Previous {
    int64_t prompt_tokens = 0;  // the server's tokenization of the previous request
    int64_t answer_tokens = 0;  // generated tokens that are content (end-of-generation excluded)
  };
  std::vector<Previous> previous(static_cast<size_t>(conversations));
  std::vector<std::mt19937> rngs;
  for (int c = 0; c < conversations; ++c) {
    histories[size_t(c)] = json::array({{{"role", "system"}, {"content", system}}});
    rngs.emplace_back(1000 + c);
  }
  TurnTotals totals;
  std::mutex mutex;
  std::atomic<int> next{0};
  const ruvllm::Tokenizer& tokenizer = server.service.tokenizer();
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
          json body = {{"messages", history},
                       {"max_tokens", answer_tokens},
                       {"temperature", 1.0},
                       {"seed", c * 1000 + turn}};
          if (!bias.empty()) body["logit_bias"] = bias;
          const std::vector<int32_t> prompt =
              server.service.prepare_chat(ruvllm::server::parse_chat_completion_request(body))
                  .job.prompt;
          const auto start = Clock::now();
          auto r = client.Post("/v1/chat/completions", body.dump(), "application/json");
          const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
          std::lock_guard lock(mutex);
          ++totals.requests;
          if (!r || r->status != 200) {
            ++totals.failed;
            history.push_back({{"role", "assistant"}, {"content", "(no answer)"}});
            previous[size_t(c)] = {};
            continue;
          }
          const json out = json::parse(r->body);
          const int64_t cached =
              out["usage"]["prompt_tokens_details"]["cached_tokens"].get<int64_t>();
          totals.prompt_tokens += out["usage"]["prompt_tokens"].get<int64_t>();
          totals.cached_tokens += cached;
          const Previous& prev = previous[size_t(c)];
          if (turn > 0 && prev.prompt_tokens > 0) {
            totals.seconds.push_back(seconds);
            Divergence& d = totals.divergence;
            const int64_t answer_end = prev.prompt_tokens + prev.answer_tokens;
            if (cached < prev.prompt_tokens) {
              ++d.before_answer;
            } else if (cached >= answer_end) {
              ++d.after_answer;
              d.after_tokens += int64_t(prompt.size()) - cached;
            } else if (cached == answer_end - 1) {
              ++d.at_answer_end;
            } else {
              ++d.inside_answer;
              if (totals.examples.size() < 3) {
                // The next prompt's tokens around the point where the hit ended.
                std::string text;
                for (int64_t i = std::max(prev.prompt_tokens, cached - 3);
                     i < std::min<int64_t>(int64_t(prompt.size()), cached + 3); ++i) {
                  if (i == cached) text += "| ";
                  text += json(tokenizer.token_to_bytes(prompt[size_t(i)], true))
                              .dump(-1, ' ', false, json::error_handler_t::replace) +
                          " ";
                }
                totals.examples.push_back(
                    "answer token " + std::to_string(cached - prev.prompt_tokens) + " of " +
                    std::to_string(prev.answer_tokens) + ", next prompt: " + text);
              }
            }
          }
          const std::string finish = out["choices"][0]["finish_reason"].get<std::string>();
          const int64_t completion = out["usage"]["completion_tokens"].get<int64_t>();
          (finish == "stop" ? totals.finished_stop : totals.finished_length) += 1;
          previous[size_t(c)] = {int64_t(prompt.size()), completion - (finish == "stop" ? 1 : 0)};
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

struct Spread {
  double median = 0, min = 0, max = 0;
};

Spread spread(std::vector<double> v) {
  if (v.empty()) return {};
  return {median(v), *std::min_element(v.begin(), v.end()), *std::max_element(v.begin(), v.end())};
}

struct MissFigures {
  double ttft_cache = 0, ttft_plain = 0;    // medians over runs of per-run medians
  double total_cache = 0, total_plain = 0;  // likewise, max_tokens requests
  Spread ttft_ratio, total_ratio;           // cache / no cache, pairs of back-to-back runs
  int failed = 0;
};

MissFigures measure_misses(Server& cached, Server& plain, int runs, int requests, int prompt_tokens,
                           int max_tokens) {
  const int32_t n_vocab = cached.service.tokenizer().n_vocab();
  std::mt19937 rng(7);
  std::vector<double> ttft[2], total[2], ttft_ratio, total_ratio;
  MissFigures f;
  for (int run = 0; run < runs; ++run) {
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
    ttft_ratio.push_back(ttft[0].back() / ttft[1].back());
    total_ratio.push_back(total[0].back() / total[1].back());
  }
  f.ttft_cache = median(ttft[0]);
  f.ttft_plain = median(ttft[1]);
  f.total_cache = median(total[0]);
  f.total_plain = median(total[1]);
  f.ttft_ratio = spread(ttft_ratio);
  f.total_ratio = spread(total_ratio);
  return f;
}

json divergence_json(const Divergence& d) {
  return {
      {"before_answer", d.before_answer},
      {"inside_answer", d.inside_answer},
      {"at_answer_end", d.at_answer_end},
      {"after_answer", d.after_answer},
      {"mean_missed_after_answer", d.after_answer ? double(d.after_tokens) / d.after_answer : 0.0}};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Prefix cache on a multi-turn chat workload: hit rate and the cost of a miss"};
  std::string model;
  int conversations = 16, turns = 6, clients = 4, answer_tokens = 48, threads = 0;
  int canonical_words = 400;
  std::vector<std::string> answers = {"raw", "canonical"};
  int miss_prompt = 256, miss_requests = 6, miss_runs = 5, miss_tokens = 16;
  bool as_json = false;
  app.add_option("--model", model, "GGUF model")->required()->check(CLI::ExistingFile);
  app.add_option("--conversations", conversations, "Conversations")->capture_default_str();
  app.add_option("--turns", turns, "Turns per conversation")->capture_default_str();
  app.add_option("--clients", clients, "Concurrent clients (and server slots)")
      ->capture_default_str();
  app.add_option("--answer-tokens", answer_tokens, "max_tokens of an answer")
      ->capture_default_str();
  app.add_option("--answers", answers, "Answer kinds to measure: raw, canonical (or both)")
      ->delimiter(',')
      ->check(CLI::IsMember({"raw", "canonical"}));
  app.add_option("--canonical-words", canonical_words,
                 "Whole-word tokens the canonical answers are steered onto")
      ->capture_default_str();
  app.add_option("--miss-prompt", miss_prompt, "Tokens of a never-cached prompt (0: skip)")
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

  int failed = 0;
  json results = json::object();
  std::unique_ptr<Server> cached;
  for (const std::string& kind : answers) {
    cached = std::make_unique<Server>(params);  // a fresh cache for each kind of answer
    const json bias = kind == "canonical"
                          ? canonical_bias(cached->service.tokenizer(), canonical_words)
                          : json::object();
    const TurnTotals chat =
        run_conversations(*cached, conversations, turns, clients, answer_tokens, bias);
    const double hit_rate =
        chat.prompt_tokens ? double(chat.cached_tokens) / double(chat.prompt_tokens) : 0.0;
    const auto stats = cached->service.scheduler().cache_stats();
    failed += chat.failed;
    results[kind] = {{"requests", chat.requests},
                     {"prompt_tokens", chat.prompt_tokens},
                     {"cached_tokens", chat.cached_tokens},
                     {"hit_rate", hit_rate},
                     {"finished_stop", chat.finished_stop},
                     {"finished_length", chat.finished_length},
                     {"median_request_s_after_first_turn", median(chat.seconds)},
                     {"evictions", stats.evictions},
                     {"hit_ended", divergence_json(chat.divergence)},
                     {"examples", chat.examples}};
    if (kind == "canonical") results[kind]["steered_words"] = int(bias.size()) - 1;
    if (!as_json) {
      const Divergence& d = chat.divergence;
      std::printf(
          "multi-turn, %s answers: %d conversations x %d turns, %d clients: %lld of %lld prompt "
          "tokens cached, hit rate %.3f (answers ended %d by end of generation, %d by max_tokens; "
          "median request %.3f s after the first turn, %llu evictions)\n"
          "  later turns' hits ended: before the previous answer %d, inside it %d, at its last "
          "token %d, after it %d (then %.1f tokens missed on average)\n",
          kind.c_str(), conversations, turns, clients, static_cast<long long>(chat.cached_tokens),
          static_cast<long long>(chat.prompt_tokens), hit_rate, chat.finished_stop,
          chat.finished_length, median(chat.seconds),
          static_cast<unsigned long long>(stats.evictions), d.before_answer, d.inside_answer,
          d.at_answer_end, d.after_answer,
          d.after_answer ? double(d.after_tokens) / d.after_answer : 0.0);
      for (const std::string& e : chat.examples) std::printf("    e.g. %s\n", e.c_str());
    }
  }

  json miss_json = nullptr;
  if (miss_prompt > 0 && cached) {
    params.scheduler.prefix_cache = false;
    Server plain(params);
    const MissFigures miss =
        measure_misses(*cached, plain, miss_runs, miss_requests, miss_prompt, miss_tokens);
    failed += miss.failed;
    const auto pct = [](double ratio) { return 100 * (ratio - 1); };
    miss_json = {{"prompt_tokens", miss_prompt},
                 {"runs", miss_runs},
                 {"ttft_cache_s", miss.ttft_cache},
                 {"ttft_no_cache_s", miss.ttft_plain},
                 {"ttft_overhead", miss.ttft_ratio.median - 1},
                 {"ttft_overhead_min", miss.ttft_ratio.min - 1},
                 {"ttft_overhead_max", miss.ttft_ratio.max - 1},
                 {"request_cache_s", miss.total_cache},
                 {"request_no_cache_s", miss.total_plain},
                 {"request_overhead", miss.total_ratio.median - 1},
                 {"request_overhead_min", miss.total_ratio.min - 1},
                 {"request_overhead_max", miss.total_ratio.max - 1}};
    if (!as_json)
      std::printf(
          "miss (%d-token new prompts, %d alternating runs x %d): TTFT %.4f s with cache, %.4f s "
          "without (%+.1f%%, runs %+.1f%% .. %+.1f%%); %d-token request %.4f s vs %.4f s "
          "(%+.1f%%, runs %+.1f%% .. %+.1f%%)\n",
          miss_prompt, miss_runs, miss_requests, miss.ttft_cache, miss.ttft_plain,
          pct(miss.ttft_ratio.median), pct(miss.ttft_ratio.min), pct(miss.ttft_ratio.max),
          miss_tokens, miss.total_cache, miss.total_plain, pct(miss.total_ratio.median),
          pct(miss.total_ratio.min), pct(miss.total_ratio.max));
  }
  if (as_json) {
    std::printf("%s\n", json({{"model", model},
                              {"conversations", conversations},
                              {"turns", turns},
                              {"clients", clients},
                              {"answer_tokens", answer_tokens},
                              {"multi_turn", results},
                              {"miss", miss_json},
                              {"failed", failed}})
                            .dump(2)
                            .c_str());
  } else if (failed) {
    std::printf("%d requests failed\n", failed);
  }
  return failed == 0 ? 0 : 1;
}
