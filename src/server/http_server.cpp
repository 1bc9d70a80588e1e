#include "server/http_server.h"

#include <httplib.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "server/api_error.h"
#include "server/cache_stats_json.h"
#include "server/client_connection.h"
#include "server/embedding_service.h"
#include "server/openai_request.h"
#include "server/openai_response.h"
#include "server/request_log.h"
#include "server/tool_call_output.h"

namespace ruvllm::server {

namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kFingerprint = "fp_ruvllm_0.1.0";
constexpr const char* kJson = "application/json";

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(dump_json(body), kJson);
}

void send_error(httplib::Response& res, const ApiError& error) {
  send_json(res, error.status(), error.to_json());
}

// Compares without an early exit, so response timing does not reveal a key's prefix.
bool constant_time_equal(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) diff |= a[i] ^ b[i % (b.empty() ? 1 : b.size())];
  return diff == 0 && !b.empty();
}

// The metrics label of a path: the known routes, everything else "other" (so arbitrary paths
// cannot create unbounded series).
std::string route_label(const std::string& path) {
  for (const char* route : {"/v1/chat/completions", "/v1/completions", "/v1/models",
                            "/v1/embeddings", "/health", "/metrics"})
    if (path == route) return route;
  return "other";
}

// Everything a finished non-streaming generation produced.
struct Collected {
  std::string text;
  std::vector<TokenLogprobInfo> logprobs;
  GenerationOutcome outcome;
};

// Waits for a non-streaming generation to finish. A client that hangs up meanwhile cancels it
// (its connection is looked up only once the answer takes a while, so quick requests pay nothing).
Collected collect(RequestChannel& channel, const httplib::Request& req) {
  Collected out;
  GeneratedPiece piece;
  bool timed_out = false;
  std::optional<ClientConnection> connection;
  auto next_check = std::chrono::steady_clock::now() + 200ms;
  while (channel.next(piece, 200ms, &timed_out) || timed_out) {
    if (std::chrono::steady_clock::now() >= next_check) {
      next_check += 200ms;
      if (!connection)
        connection = ClientConnection::find(req.remote_addr, req.remote_port, req.local_port);
      if (connection->closed()) channel.cancel();
    }
    if (timed_out) continue;
    out.text += piece.text;
    for (auto& lp : piece.logprobs) out.logprobs.push_back(std::move(lp));
  }
  out.outcome = channel.outcome();
  if (out.outcome.error) throw *out.outcome.error;
  return out;
}

// The state of one streamed response, shared by the calls httplib makes to the provider.
struct StreamState {
  std::shared_ptr<RequestChannel> channel;
  ResponseIdentity identity;
  bool chat = true;
  bool with_logprobs = false;
  bool include_usage = false;
  bool started = false;
  std::string echo_text;                      // completions with echo: sent first
  size_t text_offset = 0;                     // legacy logprobs text_offset of the next token
  std::optional<ToolCallOutput> tool_output;  // chat with tools: calls kept out of the content
};

// Writes to the client; a failed write means it went away, which cancels the generation.
bool write_event(StreamState& s, httplib::DataSink& sink, std::string_view data) {
  if (sink.write(data.data(), data.size())) return true;
  s.channel->cancel();
  return false;
}

// Chat with tools, at the end: the content held back, then the calls' deltas.
bool write_tool_calls(StreamState& s, httplib::DataSink& sink, FinishReason& reason) {
  ToolCallOutput::Final final = s.tool_output->finish();
  if (!final.content.empty() &&
      !write_event(
          s, sink,
          sse_event(chat_chunk_json(s.identity, {{"content", final.content}}, std::nullopt))))
    return false;
  for (json& delta : final.deltas)
    if (!write_event(s, sink,
                     sse_event(chat_chunk_json(s.identity, std::move(delta), std::nullopt))))
      return false;
  reason = finish_reason_with_calls(reason, !final.calls.empty());
  return true;
}

bool stream_step(StreamState& s, httplib::DataSink& sink) {
  if (!s.started) {
    s.started = true;
    if (s.chat)
      return write_event(s, sink,
                         sse_event(chat_chunk_json(
                             s.identity, {{"role", "assistant"}, {"content", ""}}, std::nullopt)));
    if (!s.echo_text.empty()) {
      s.text_offset = s.echo_text.size();
      return write_event(s, sink,
                         sse_event(text_chunk_json(s.identity, s.echo_text, std::nullopt)));
    }
  }
  GeneratedPiece piece;
  bool timed_out = false;
  if (s.channel->next(piece, 250ms, &timed_out)) {
    std::vector<json> call_deltas;
    if (s.tool_output) {
      ToolCallOutput::Update update = s.tool_output->push(piece.text);
      piece.text = std::move(update.content);
      call_deltas = std::move(update.deltas);
    }
    for (json& delta : call_deltas)
      if (!write_event(s, sink,
                       sse_event(chat_chunk_json(s.identity, std::move(delta), std::nullopt))))
        return false;
    if (piece.text.empty() && (!s.with_logprobs || piece.logprobs.empty())) return true;
    const auto* logprobs = s.with_logprobs ? &piece.logprobs : nullptr;
    json chunk;
    if (s.chat) {
      json delta = json::object();
      if (!piece.text.empty()) delta["content"] = piece.text;
      chunk = chat_chunk_json(s.identity, std::move(delta), std::nullopt, logprobs);
    } else {
      chunk = text_chunk_json(s.identity, piece.text, std::nullopt, logprobs, s.text_offset);
      for (const auto& lp : piece.logprobs) s.text_offset += lp.token.size();
    }
    return write_event(s, sink, sse_event(chunk));
  }
  if (timed_out) return true;  // nothing new yet; httplib calls again
  const GenerationOutcome& outcome = s.channel->outcome();
  if (outcome.error) {
    // Mid-stream failures arrive as an event carrying the error object (the SDKs raise it).
    write_event(s, sink, sse_event(outcome.error->to_json()));
  } else {
    FinishReason reason = outcome.finish_reason;
    if (s.tool_output && !write_tool_calls(s, sink, reason)) return false;
    json last = s.chat ? chat_chunk_json(s.identity, json::object(), reason)
                       : text_chunk_json(s.identity, "", outcome.finish_reason);
    if (!write_event(s, sink, sse_event(last))) return false;
    if (s.include_usage &&
        !write_event(
            s, sink,
            sse_event(usage_chunk_json(
                s.identity, s.chat ? "chat.completion.chunk" : "text_completion", outcome.usage))))
      return false;
    if (!write_event(s, sink, kSseDone)) return false;
  }
  sink.done();
  return true;
}

std::shared_ptr<StreamState> new_stream_state(std::shared_ptr<RequestChannel> channel,
                                              ResponseIdentity identity,
                                              const GenerationOptions& options, bool chat) {
  auto state = std::make_shared<StreamState>();
  state->channel = std::move(channel);
  state->identity = std::move(identity);
  state->chat = chat;
  state->with_logprobs = options.logprobs;
  state->include_usage = options.include_usage;
  return state;
}

void start_stream(httplib::Response& res, std::shared_ptr<StreamState> state) {
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  res.set_chunked_content_provider(
      "text/event-stream",
      [state](size_t, httplib::DataSink& sink) { return stream_step(*state, sink); },
      [state](bool success) {
        if (!success) state->channel->cancel();
      });
}

}  // namespace

struct HttpServer::Impl {
  Impl(ModelService& service, ServerMetrics& metrics, HttpServerParams params)
      : service(service), metrics(metrics), params(std::move(params)) {}

  void handle_chat(const httplib::Request& req, httplib::Response& res);
  void handle_completion(const httplib::Request& req, httplib::Response& res);
  void handle_embeddings(const httplib::Request& req, httplib::Response& res);
  void install_routes();

  // Runs a handler, turning exceptions into OpenAI error responses.
  template <typename Fn>
  httplib::Server::Handler guarded(Fn fn) {
    return [this, fn](const httplib::Request& req, httplib::Response& res) {
      try {
        (this->*fn)(req, res);
      } catch (const ApiError& e) {
        send_error(res, e);
      } catch (const std::exception& e) {
        send_error(res, ApiError::internal(e.what()));
      }
    };
  }

  ModelService& service;
  ServerMetrics& metrics;
  HttpServerParams params;
  RequestLog request_log;
  httplib::Server http;
  std::thread thread;
  std::mutex embeddings_mutex;
  std::unique_ptr<EmbeddingService> embeddings;
};

void HttpServer::Impl::handle_chat(const httplib::Request& req, httplib::Response& res) {
  const ChatCompletionRequest request = parse_chat_completion_request(parse_json_body(req.body));
  PreparedJob prepared = service.prepare_chat(request);
  auto channel = service.scheduler().submit(std::move(prepared.job));
  ResponseIdentity identity = new_response_identity("chatcmpl-", service.model_id(), kFingerprint);
  const GenerationOptions& o = request.options;
  if (o.stream) {
    auto state = new_stream_state(std::move(channel), std::move(identity), o, /*chat=*/true);
    if (prepared.tool_output) state->tool_output.emplace(*prepared.tool_output);
    start_stream(res, std::move(state));
    return;
  }
  Collected c = collect(*channel, req);
  ChatResult result;
  result.content = std::move(c.text);
  result.finish_reason = c.outcome.finish_reason;
  result.usage = c.outcome.usage;
  result.with_logprobs = o.logprobs;
  result.logprobs = std::move(c.logprobs);
  if (prepared.tool_output) ToolCallOutput::split(*prepared.tool_output, result.content, result);
  send_json(res, 200, chat_completion_json(identity, result));
}

void HttpServer::Impl::handle_completion(const httplib::Request& req, httplib::Response& res) {
  const CompletionRequest request = parse_completion_request(parse_json_body(req.body));
  PreparedJob prepared = service.prepare_completion(request);
  auto channel = service.scheduler().submit(std::move(prepared.job));
  ResponseIdentity identity = new_response_identity("cmpl-", service.model_id(), kFingerprint);
  const GenerationOptions& o = request.options;
  if (o.stream) {
    auto state = new_stream_state(std::move(channel), std::move(identity), o, /*chat=*/false);
    state->echo_text = std::move(prepared.echo_text);
    start_stream(res, std::move(state));
    return;
  }
  Collected c = collect(*channel, req);
  TextResult result;
  result.text = prepared.echo_text + c.text;
  result.finish_reason = c.outcome.finish_reason;
  result.usage = c.outcome.usage;
  result.with_logprobs = o.logprobs;
  result.logprobs = std::move(c.logprobs);
  result.offset_base = prepared.echo_text.size();
  send_json(res, 200, text_completion_json(identity, result));
}

void HttpServer::Impl::handle_embeddings(const httplib::Request& req, httplib::Response& res) {
  const EmbeddingRequest request = parse_embedding_request(parse_json_body(req.body));
  EmbeddingService* embedder = nullptr;
  {
    // Made on first use: its session's scratch is only worth holding when embeddings are asked.
    std::lock_guard lock(embeddings_mutex);
    if (!embeddings)
      embeddings =
          std::make_unique<EmbeddingService>(service.model(), service.tokenizer(), service.n_ctx());
    embedder = embeddings.get();
  }
  const Embeddings result = embedder->embed(request);
  send_json(
      res, 200,
      embeddings_json(service.model_id(), result.vectors, request.base64, result.prompt_tokens));
}

void HttpServer::Impl::install_routes() {
  http.set_payload_max_length(params.max_body_bytes);
  http.set_default_headers({{"Access-Control-Allow-Origin", "*"},
                            {"Access-Control-Allow-Headers", "Authorization, Content-Type"},
                            {"Access-Control-Allow-Methods", "GET, POST, OPTIONS"}});
  const int threads = params.http_threads > 0 ? params.http_threads
                                              : std::max(8, 4 * service.scheduler().n_slots() + 4);
  http.new_task_queue = [threads] { return new httplib::ThreadPool(size_t(threads)); };

  http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    request_log.begin(req, res);
    if (params.api_key.empty() || req.method == "OPTIONS" || req.path.rfind("/v1/", 0) != 0)
      return httplib::Server::HandlerResponse::Unhandled;
    const std::string auth = req.get_header_value("Authorization");
    const std::string prefix = "Bearer ";
    if (auth.rfind(prefix, 0) == 0 &&
        constant_time_equal(auth.substr(prefix.size()), params.api_key))
      return httplib::Server::HandlerResponse::Unhandled;
    send_error(res, ApiError::unauthorized(auth.empty()
                                               ? "Missing API key: send 'Authorization: Bearer KEY'"
                                               : "Incorrect API key provided"));
    return httplib::Server::HandlerResponse::Handled;
  });

  http.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
    request_log.begin(req, res);    // requests refused before routing (413) get an id here
    if (!res.body.empty()) return;  // a handler already wrote an error object
    switch (res.status) {
      case 404:
        send_error(res, ApiError::not_found("Unknown route: " + req.method + " " + req.path));
        break;
      case 413:
        send_error(res, ApiError::payload_too_large(params.max_body_bytes));
        break;
      default:
        send_error(
            res, ApiError(res.status, res.status >= 500 ? "server_error" : "invalid_request_error",
                          "HTTP error " + std::to_string(res.status)));
    }
  });
  http.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string message = "internal error";
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          message = e.what();
        } catch (...) {
        }
        send_error(res, ApiError::internal(message));
      });
  // Counted just before the response is written (httplib's logger runs after it is sent, so a
  // client could read /metrics before its previous request was counted).
  http.set_post_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    metrics.count_request(route_label(req.path), res.status);
  });

  http.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    request_log.finish(req, res);
  });

  http.Options(R"(.*)", [](const httplib::Request&, httplib::Response& res) {
    res.status = 204;
    res.set_header("Access-Control-Max-Age", "86400");
  });
  http.Post("/v1/chat/completions", guarded(&Impl::handle_chat));
  http.Post("/v1/completions", guarded(&Impl::handle_completion));
  http.Post("/v1/embeddings", guarded(&Impl::handle_embeddings));
  http.Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
    send_json(res, 200, model_list_json(service.model_id(), service.created()));
  });
  http.Get("/health", [](const httplib::Request&, httplib::Response& res) {
    send_json(res, 200, {{"status", "ok"}});
  });
  http.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  http.Get("/v1/cache/stats", [this](const httplib::Request&, httplib::Response& res) {
    send_json(res, 200, cache_stats_json(service.scheduler().cache_stats()));
  });
}

HttpServer::HttpServer(ModelService& service, ServerMetrics& metrics, HttpServerParams params)
    : impl_(std::make_unique<Impl>(service, metrics, std::move(params))) {
  impl_->install_routes();
}

HttpServer::~HttpServer() {
  stop();
}

int HttpServer::bind() {
  const HttpServerParams& p = impl_->params;
  if (p.port == 0) {
    port_ = impl_->http.bind_to_any_port(p.host);
  } else {
    port_ = impl_->http.bind_to_port(p.host, p.port) ? p.port : -1;
  }
  if (port_ < 0)
    throw Error("cannot listen on " + p.host + ":" + std::to_string(p.port) +
                " (address in use or not available)");
  return port_;
}

void HttpServer::serve() {
  impl_->http.listen_after_bind();
}

int HttpServer::start() {
  bind();
  impl_->thread = std::thread([this] { serve(); });
  for (int i = 0; i < 500 && !impl_->http.is_running(); ++i) std::this_thread::sleep_for(10ms);
  return port_;
}

void HttpServer::stop() {
  if (!impl_) return;
  impl_->http.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace ruvllm::server
