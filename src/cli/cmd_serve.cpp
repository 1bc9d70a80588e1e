// `ruvllm serve`: the OpenAI-compatible HTTP server (see server/http_server.h).
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <thread>

#include "cli/command.h"
#include "cli/model_loading.h"
#include "cli/text_file.h"
#include "server/http_server.h"
#include "server/model_service.h"
#include "server/server_metrics.h"
#include "tools/tool_format.h"

namespace {

int run_serve(int argc, char** argv) {
  CLI::App app{"Serve a GGUF model over an OpenAI-compatible HTTP API"};
  std::string model_path, host = "127.0.0.1", api_key, template_file, alias, tool_format;
  int port = 8080, parallel = 1, threads = 0;
  int64_t ctx = 0, prefill_chunk = 256;
  size_t max_queue = 64, max_body = 8u << 20;
  int timeout_s = 600;
  app.add_option("-m,--model", model_path, "GGUF model file")->required()->check(CLI::ExistingFile);
  app.add_option("--host", host, "Address to listen on")->capture_default_str();
  app.add_option("--port", port, "Port to listen on (0: any free port)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  app.add_option("--parallel", parallel, "Sequences generated at once (slots)")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  app.add_option("-c,--ctx", ctx, "Context size of each slot (0: model's, at most 4096)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--api-key", api_key, "Require 'Authorization: Bearer KEY' on /v1/*");
  app.add_option("-t,--threads", threads, "Compute threads (0: all hardware threads)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--chat-template", template_file,
                 "Jinja chat template file overriding the model's")
      ->check(CLI::ExistingFile);
  app.add_option("--tool-format", tool_format,
                 "Tool-call format overriding the one detected from the chat template: hermes, "
                 "llama3, mistral, functionary-v3.1, functionary-v3.2, command-r, deepseek-r1, "
                 "generic")
      ->check([](const std::string& name) {
        return ruvllm::tools::tool_format_from_name(name) ? "" : "unknown tool-call format";
      });
  app.add_option("--alias", alias, "Model name reported by /v1/models (default: file name)");
  app.add_option("--max-queue", max_queue, "Requests waiting for a slot before 429")
      ->capture_default_str();
  app.add_option("--prefill-chunk", prefill_chunk,
                 "Tokens evaluated per step (one forward pass, all slots)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--max-body", max_body, "Largest request body in bytes (413 above)")
      ->capture_default_str();
  size_t cache_bytes = 0;
  bool no_prefix_cache = false;
  app.add_option("--cache-bytes", cache_bytes,
                 "KV memory budget of the prefix cache and running requests, in bytes "
                 "(0: min(2 GiB, RAM/4)); requests wait for room rather than exceed it")
      ->capture_default_str();
  app.add_flag("--no-prefix-cache", no_prefix_cache,
               "Do not reuse prompt prefixes across requests");
  app.add_option("--timeout", timeout_s, "Per-request time limit in seconds (0: none)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  ruvllm::server::ModelServiceParams service_params;
  service_params.model_path = model_path;
  service_params.model_id = alias;
  service_params.threads = threads;
  service_params.scheduler.n_slots = parallel;
  service_params.scheduler.n_ctx = ctx;
  service_params.scheduler.max_queue = max_queue;
  service_params.scheduler.prefill_chunk = prefill_chunk;
  service_params.scheduler.cache_bytes = cache_bytes;
  service_params.scheduler.prefix_cache = !no_prefix_cache;
  service_params.request_timeout = std::chrono::seconds(timeout_s);
  if (!tool_format.empty())
    service_params.tool_format = ruvllm::tools::tool_format_from_name(tool_format);
  if (!template_file.empty()) {
    try {
      service_params.chat_template = ruvllm::cli::read_text_file(template_file);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "error: --chat-template: %s\n", e.what());
      return 2;
    }
  }

  // SIGINT/SIGTERM are taken by a dedicated thread (sigwait), so shutdown runs as normal code
  // rather than inside a signal handler. Blocked before any other thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  ruvllm::cli::warm_page_cache(model_path);  // a progress bar while the weights are read
  ruvllm::server::ServerMetrics metrics;
  std::unique_ptr<ruvllm::server::ModelService> service;
  try {
    service = std::make_unique<ruvllm::server::ModelService>(service_params, &metrics);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: cannot load %s: %s\n", model_path.c_str(), e.what());
    return 1;
  }
  ruvllm::server::HttpServerParams http_params;
  http_params.host = host;
  http_params.port = port;
  http_params.api_key = api_key;
  http_params.max_body_bytes = max_body;
  ruvllm::server::HttpServer server(*service, metrics, http_params);
  int bound = 0;
  try {
    bound = server.bind();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr, "ruvllm: serving '%s' on http://%s:%d (%d slot%s, context %lld)\n",
               service->model_id().c_str(), host.c_str(), bound, parallel, parallel == 1 ? "" : "s",
               static_cast<long long>(service->n_ctx()));
  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    std::fprintf(stderr, "ruvllm: shutting down\n");
    service->scheduler().stop();  // ends running generations so open streams close
    server.stop();
  });
  server.serve();
  // serve() also returns when listening fails; wake the signal thread so it can be joined.
  pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  return 0;
}

ruvllm::cli::CommandRegistration serve_command("serve",
                                               "serve a model over an OpenAI-compatible HTTP API",
                                               run_serve);

}  // namespace
