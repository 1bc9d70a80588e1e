#include "server/server_metrics.h"

namespace ruvllm::server {

namespace {

Histogram& phase(MetricsRegistry& r, const char* name, const char* help) {
  return r.histogram(name, help, latency_buckets());
}

}  // namespace

ServerMetrics::ServerMetrics()
    : queue_seconds(phase(registry_, "ruvllm_request_queue_seconds",
                          "Time a request waited in the queue before a slot took it.")),
      prefill_seconds(phase(registry_, "ruvllm_request_prefill_seconds",
                            "Time spent evaluating a request's prompt.")),
      decode_seconds(phase(registry_, "ruvllm_request_decode_seconds",
                           "Time spent generating a request's tokens.")),
      request_seconds(phase(registry_, "ruvllm_request_duration_seconds",
                            "Time from submission to the last generated token.")),
      prompt_tokens(registry_.counter("ruvllm_prompt_tokens_total", "Prompt tokens received.")),
      cached_prompt_tokens(registry_.counter("ruvllm_prompt_tokens_cached_total",
                                             "Prompt tokens reused from a slot's cache.")),
      generated_tokens(
          registry_.counter("ruvllm_generated_tokens_total", "Completion tokens generated.")),
      cancelled_requests(registry_.counter("ruvllm_requests_cancelled_total",
                                           "Generations stopped because the client went away.")),
      active_requests(
          registry_.gauge("ruvllm_requests_active", "Requests being processed in a slot.")),
      queued_requests(
          registry_.gauge("ruvllm_requests_queued", "Requests waiting for a free slot.")),
      slots(registry_.gauge("ruvllm_slots", "Parallel sequence slots.")),
      kv_cache_used_cells(
          registry_.gauge("ruvllm_kv_cache_used_cells", "KV-cache cells holding tokens.")),
      kv_cache_cells(registry_.gauge("ruvllm_kv_cache_cells", "KV-cache cells in all slots.")),
      kv_cache_usage_ratio(registry_.gauge("ruvllm_kv_cache_usage_ratio",
                                           "Share of KV-cache cells holding tokens (0..1).")) {}

void ServerMetrics::count_request(const std::string& endpoint, int status) {
  registry_
      .counter("ruvllm_http_requests_total", "HTTP requests by endpoint and status.",
               {{"endpoint", endpoint}, {"status", std::to_string(status)}})
      .inc();
}

}  // namespace ruvllm::server
