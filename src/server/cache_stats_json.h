// The body of GET /v1/cache/stats: the prefix cache's counters and memory use.
#pragma once

#include <nlohmann/json.hpp>

#include "cache/radix_prefix_cache.h"

namespace ruvllm::server {

// {"lookups", "hits", "hit_tokens", "miss_tokens", "hit_rate", "inserts", "evictions",
//  "cached_blocks", "cached_bytes", "pinned_blocks", "pool_bytes", "peak_pool_bytes",
//  "budget_bytes"}
nlohmann::json cache_stats_json(const cache::PrefixCacheStats& stats);

}  // namespace ruvllm::server
