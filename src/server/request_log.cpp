#include "server/request_log.h"

#include <httplib.h>
#include <spdlog/cfg/env.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <random>

namespace ruvllm::server {
namespace {

using Clock = std::chrono::steady_clock;

// The request a connection thread is working on. httplib handles a request from routing to the
// end of its response (streamed ones included) on one thread, so begin() and finish() meet here.
struct CurrentRequest {
  const httplib::Request* request = nullptr;
  Clock::time_point start;
};
thread_local CurrentRequest current;

bool usable_client_id(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.' &&
        c != ':')
      return false;
  return true;
}

std::shared_ptr<spdlog::logger> http_logger() {
  static const std::shared_ptr<spdlog::logger> logger = [] {
    spdlog::cfg::load_env_levels();
    std::shared_ptr<spdlog::logger> l = spdlog::get("http");
    if (!l) {
      l = spdlog::stderr_color_mt("http");
      l->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %n %v");
    }
    return l;
  }();
  return logger;
}

}  // namespace

RequestLog::RequestLog() : logger_(http_logger()), prefix_(std::random_device{}()) {}

std::string RequestLog::next_id() {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%08x-%llu", prefix_,
                static_cast<unsigned long long>(counter_.fetch_add(1) + 1));
  return buf;
}

void RequestLog::begin(const httplib::Request& req, httplib::Response& res) {
  if (current.request == &req && res.has_header("X-Request-Id")) return;
  current.request = &req;
  current.start = Clock::now();
  const std::string client_id = req.get_header_value("X-Request-Id");
  res.set_header("X-Request-Id", usable_client_id(client_id) ? client_id : next_id());
}

void RequestLog::finish(const httplib::Request& req, const httplib::Response& res) {
  std::string ms = "-";
  if (current.request == &req) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f",
                  std::chrono::duration<double, std::milli>(Clock::now() - current.start).count());
    ms = buf;
    current.request = nullptr;
  }
  const std::string id =
      res.has_header("X-Request-Id") ? res.get_header_value("X-Request-Id") : std::string("-");
  logger_->log(res.status >= 500 ? spdlog::level::warn : spdlog::level::info,
               "request id={} method={} path={} status={} ms={} remote={}", id, req.method,
               req.path, res.status, ms, req.remote_addr);
}

}  // namespace ruvllm::server
