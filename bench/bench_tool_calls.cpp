// Function-calling benchmark: N chat requests with random tools (random JSON Schemas for the
// arguments) and tool_choice required / named / auto at temperature 1, through the HTTP server
// with a model, reporting the share of answers whose calls all parse and validate against
// their tool's schema, and the latency against plain chat.
//
//   bench_tool_calls --model MODEL.gguf [--requests 200] [--seed 1] [--max-tokens 2048]
//                    [--threads 0] [--json]
// Requests cycle through tool_choice required / named / auto, each with parallel_tool_calls on
// or off at random. In auto mode the model is pushed to start a call (logit_bias on the format's
// trigger token when it is one token, e.g. Llama 3's <|python_tag|>); without such a token auto
// runs unpushed and counts as valid when every call it returns is (for required and named, a
// valid call must be present). Plain chat runs with the same max_tokens for the comparison.
#include <httplib.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>
#include <vector>

#include "server/http_server.h"
#include "server/model_service.h"
#include "tools/tool_validation.h"

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// A random JSON Schema for one argument value, `depth` levels of nesting left.
json random_value_schema(std::mt19937& rng, int depth) {
  const auto pick = [&](int n) { return int(rng() % uint32_t(n)); };
  switch (pick(depth > 0 ? 7 : 6)) {
    case 0:
      return {{"type", "string"}};
    case 1: {
      json values = json::array();
      for (int i = 0, n = 2 + pick(3); i < n; ++i)
        values.push_back("v" + std::to_string(pick(100)));
      return {{"type", "string"}, {"enum", values}};
    }
    case 2:
      return {{"type", "string"}, {"maxLength", 4 + pick(20)}};
    case 3: {
      const int lo = pick(50) - 25;
      return {{"type", "integer"}, {"minimum", lo}, {"maximum", lo + 1 + pick(100)}};
    }
    case 4:
      return {{"type", pick(2) ? "number" : "boolean"}};
    case 5:
      return {{"type", "array"},
              {"items", {{"type", "string"}, {"enum", {"a", "b", "c"}}}},
              {"maxItems", 1 + pick(4)}};
    default: {
      json object = {{"type", "object"}, {"properties", json::object()}};
      for (int i = 0, n = 1 + pick(2); i < n; ++i)
        object["properties"]["f" + std::to_string(i)] = random_value_schema(rng, depth - 1);
      object["required"] = {"f0"};
      object["additionalProperties"] = false;
      return object;
    }
  }
}

json random_tools(std::mt19937& rng) {
  json tools = json::array();
  const int n = 1 + int(rng() % 3);
  for (int t = 0; t < n; ++t) {
    json params = {{"type", "object"}, {"properties", json::object()}, {"required", json::array()}};
    const int props = 1 + int(rng() % 5);
    for (int p = 0; p < props; ++p) {
      const std::string name = "arg" + std::to_string(p);
      params["properties"][name] = random_value_schema(rng, 1);
      if (rng() % 2 == 0 || p == 0) params["required"].push_back(name);
    }
    if (rng() % 2) params["additionalProperties"] = false;
    tools.push_back({{"type", "function"},
                     {"function",
                      {{"name", "tool_" + std::to_string(t) + "_" + std::to_string(rng() % 1000)},
                       {"description", "A randomly generated tool"},
                       {"parameters", params}}}});
  }
  return tools;
}

struct Tally {
  int requests = 0, with_calls = 0, all_valid = 0, failed = 0;
  int64_t calls = 0, tokens = 0;
  double seconds = 0;
};

void print_tally(const char* name, const Tally& t) {
  std::printf(
      "%-18s %5d requests  %5.1f%% answered with calls  %5.1f%% valid  "
      "%6lld calls  %8.1f ms/request  %6.2f ms/token  (%d failed)\n",
      name, t.requests, 100.0 * t.with_calls / std::max(1, t.requests),
      100.0 * t.all_valid / std::max(1, t.requests), (long long)t.calls,
      1000.0 * t.seconds / std::max(1, t.requests),
      1000.0 * t.seconds / double(std::max<int64_t>(1, t.tokens)), t.failed);
}

json tally_json(const Tally& t) {
  return {{"requests", t.requests}, {"with_calls", t.with_calls},    {"all_valid", t.all_valid},
          {"calls", t.calls},       {"completion_tokens", t.tokens}, {"seconds", t.seconds},
          {"failed", t.failed}};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Function-calling validity and latency benchmark"};
  std::string model;
  int requests = 200, max_tokens = 2048, threads = 0;
  unsigned seed = 1;
  bool as_json = false;
  app.add_option("--model", model, "GGUF chat model")->required()->check(CLI::ExistingFile);
  app.add_option("--requests", requests, "Tool-calling requests")->capture_default_str();
  app.add_option("--seed", seed, "Seed of the random tools and requests")->capture_default_str();
  app.add_option("--max-tokens", max_tokens, "max_tokens per request")->capture_default_str();
  app.add_option("--threads", threads, "Compute threads (0: all)")->capture_default_str();
  app.add_flag("--json", as_json, "Print the figures as JSON");
  CLI11_PARSE(app, argc, argv);

  ruvllm::server::ServerMetrics metrics;
  ruvllm::server::ModelServiceParams params;
  params.model_path = model;
  params.threads = threads;
  params.scheduler.n_ctx = 8192;
  ruvllm::server::ModelService service(params, &metrics);
  ruvllm::server::HttpServerParams http_params;
  http_params.port = 0;
  ruvllm::server::HttpServer server(service, metrics, http_params);
  const int port = server.start();
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(3600, 0);

  // The auto-mode push: the format's trigger when it is a single token.
  json trigger_bias;
  for (const std::string& trigger : service.tool_calling().syntax().triggers()) {
    const auto ids = service.tokenizer().encode(trigger, false, true);
    if (ids.size() == 1) trigger_bias[std::to_string(ids[0])] = 100;
  }

  std::mt19937 rng(seed);
  const json messages = {{{"role", "user"}, {"content", "Please use the tools to help me."}}};
  Tally forced, named, automatic, plain;
  for (int i = 0; i < requests; ++i) {
    const json tools = random_tools(rng);
    const int mode = i % 3;
    json body = {{"messages", messages},
                 {"tools", tools},
                 {"temperature", 1.0},
                 {"seed", rng() % 1000000},
                 {"parallel_tool_calls", rng() % 2 == 0},
                 {"max_tokens", max_tokens}};
    Tally& tally = mode == 0 ? forced : mode == 1 ? named : automatic;
    if (mode == 0) body["tool_choice"] = "required";
    if (mode == 1)
      body["tool_choice"] = {
          {"type", "function"},
          {"function", {{"name", tools[rng() % tools.size()]["function"]["name"]}}}};
    if (mode == 2) {
      body["tool_choice"] = "auto";
      if (!trigger_bias.is_null()) body["logit_bias"] = trigger_bias;
    }
    std::vector<ruvllm::tools::FunctionTool> defs;
    for (const json& t : tools)
      defs.push_back({t["function"]["name"], "",
                      nlohmann::ordered_json::parse(t["function"]["parameters"].dump())});
    const ruvllm::tools::ToolCallValidator validator(defs);
    const auto start = Clock::now();
    auto r = client.Post("/v1/chat/completions", body.dump(), "application/json");
    tally.seconds += std::chrono::duration<double>(Clock::now() - start).count();
    ++tally.requests;
    if (!r || r->status != 200) {
      ++tally.failed;
      std::fprintf(stderr, "request %d failed: %s\n", i, r ? r->body.c_str() : "no response");
      continue;
    }
    const json response = json::parse(r->body);
    tally.tokens += response["usage"]["completion_tokens"].get<int64_t>();
    const json& message = response["choices"][0]["message"];
    if (!message.contains("tool_calls")) {
      if (mode == 2) {
        ++tally.all_valid;  // auto: answering in text is valid
        continue;
      }
      std::fprintf(stderr, "request %d (%s): no calls: %s\n", i, body["tool_choice"].dump().c_str(),
                   response.dump().substr(0, 1500).c_str());
      continue;
    }
    ++tally.with_calls;
    bool valid = true;
    for (const json& call : message["tool_calls"]) {
      ++tally.calls;
      const auto problem = validator.check({"", call["function"]["name"].get<std::string>(),
                                            call["function"]["arguments"].get<std::string>()});
      if (problem) {
        valid = false;
        std::fprintf(stderr, "request %d: invalid call %s: %s\ntools: %s\n", i, call.dump().c_str(),
                     problem->c_str(), tools.dump().c_str());
      }
    }
    if (valid) ++tally.all_valid;
  }
  // Plain chat with the same prompt, for the per-token latency without tools or grammar.
  for (int i = 0; i < std::max(10, requests / 10); ++i) {
    json body = {
        {"messages", messages}, {"temperature", 1.0}, {"seed", i}, {"max_tokens", max_tokens}};
    const auto start = Clock::now();
    auto r = client.Post("/v1/chat/completions", body.dump(), "application/json");
    plain.seconds += std::chrono::duration<double>(Clock::now() - start).count();
    ++plain.requests;
    if (!r || r->status != 200) {
      ++plain.failed;
      continue;
    }
    plain.tokens += json::parse(r->body)["usage"]["completion_tokens"].get<int64_t>();
  }
  server.stop();
  if (as_json) {
    std::printf("%s\n", json({{"model", model},
                              {"format", std::string(ruvllm::tools::tool_format_name(
                                             service.tool_calling().format()))},
                              {"required", tally_json(forced)},
                              {"named", tally_json(named)},
                              {"auto", tally_json(automatic)},
                              {"plain_chat", tally_json(plain)}})
                            .dump(2)
                            .c_str());
  } else {
    std::printf(
        "model %s, tool format %s\n", model.c_str(),
        std::string(ruvllm::tools::tool_format_name(service.tool_calling().format())).c_str());
    print_tally("required", forced);
    print_tally("named", named);
    print_tally(trigger_bias.is_null() ? "auto" : "auto (pushed)", automatic);
    print_tally("plain chat", plain);
    const int total = forced.requests + named.requests + automatic.requests;
    const int valid = forced.all_valid + named.all_valid + automatic.all_valid;
    std::printf("valid answers: %d of %d (%.2f%%)\n", valid, total,
                100.0 * valid / std::max(1, total));
  }
  return 0;
}
