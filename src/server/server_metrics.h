// The metrics the server exports on GET /metrics, as named handles into one registry.
//
// Latencies are split the way a request lives: waiting in the queue, evaluating its prompt
// (prefill), generating (decode) and end to end. KV-cache use is the share of all slots'
// context cells that hold tokens.
#pragma once

#include <string>

#include "server/metrics.h"

namespace ruvllm::server {

class ServerMetrics {
  // Declared before the handles: members are initialised in declaration order.
  MetricsRegistry registry_;

 public:
  ServerMetrics();

  MetricsRegistry& registry() { return registry_; }
  std::string render() const { return registry_.render(); }

  // One finished HTTP request; `endpoint` is the route ("/v1/chat/completions", ...).
  void count_request(const std::string& endpoint, int status);

  Histogram& queue_seconds;
  Histogram& prefill_seconds;
  Histogram& decode_seconds;
  Histogram& request_seconds;
  Counter& prompt_tokens;
  Counter& cached_prompt_tokens;
  Counter& generated_tokens;
  Counter& cancelled_requests;
  Gauge& active_requests;
  Gauge& queued_requests;
  Gauge& slots;
  Gauge& kv_cache_used_cells;
  Gauge& kv_cache_cells;
  Gauge& kv_cache_usage_ratio;
};

}  // namespace ruvllm::server
