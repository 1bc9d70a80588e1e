// The OpenAI-compatible HTTP server (cpp-httplib).
//
// Routes: POST /v1/chat/completions, POST /v1/completions (JSON or Server-Sent Events with
// `"stream": true`, ending in `data: [DONE]`), GET /v1/models, POST /v1/embeddings, GET /health,
// GET /metrics (Prometheus text). Every error is an OpenAI error object: bad JSON or a bad field
// 400, missing/wrong API key 401, unknown route 404, body over the limit 413, queue full 429,
// internal failure 500, shutting down 503. With an API key set, /v1/* requires
// `Authorization: Bearer KEY` (/health and /metrics stay open). CORS headers go on every
// response and OPTIONS preflights are answered. A streaming client that disconnects cancels its
// generation at the next token.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "server/model_service.h"
#include "server/server_metrics.h"

namespace ruvllm::server {

struct HttpServerParams {
  std::string host = "127.0.0.1";
  int port = 8080;      // 0: any free port (see bound_port())
  std::string api_key;  // empty: no authentication
  size_t max_body_bytes = 8u << 20;
  int http_threads = 0;  // connection threads (0: enough for every slot and queued request)
};

class HttpServer {
 public:
  HttpServer(ModelService& service, ServerMetrics& metrics, HttpServerParams params);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds the listening socket; returns the port. Throws Error when binding fails.
  int bind();
  // Serves until stop(); bind() must have succeeded.
  void serve();
  // bind() and serve() on a background thread; returns the port once it accepts connections.
  int start();
  // Stops accepting and returns once serve() has returned (safe from any thread).
  void stop();

  int bound_port() const { return port_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = -1;
};

}  // namespace ruvllm::server
