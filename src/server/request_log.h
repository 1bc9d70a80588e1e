// Request ids and the HTTP server's access log: one structured line per request (spdlog).
//
// Each request gets an id: the client's X-Request-Id when it sends a usable one (1 to 128
// letters, digits, '-', '_', '.' or ':'), else a fresh one made of a random per-process prefix
// and a counter. The id is returned in the X-Request-Id response header and written, once the
// response has been sent, on a logfmt line of the "http" logger (stderr):
//   2026-11-25T11:20:31.123 info http request id=5f2c01ab-12 method=POST
//   path=/v1/chat/completions status=200 ms=41.7 remote=127.0.0.1
// Server errors (5xx) are logged at warning level. SPDLOG_LEVEL (e.g. "warn" or "http=off")
// tunes the output.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace spdlog {
class logger;
}

namespace ruvllm::server {

class RequestLog {
 public:
  RequestLog();

  // Starts a request: gives it its id (and the response header) and starts its clock. Called
  // when routing begins; calling it again for the same request does nothing.
  void begin(const httplib::Request& req, httplib::Response& res);
  // Writes the request's line; called after the response has been sent.
  void finish(const httplib::Request& req, const httplib::Response& res);

 private:
  std::string next_id();

  std::shared_ptr<spdlog::logger> logger_;
  uint32_t prefix_;
  std::atomic<uint64_t> counter_{0};
};

}  // namespace ruvllm::server
