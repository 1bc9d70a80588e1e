#include "server/cache_stats_json.h"

namespace ruvllm::server {

nlohmann::json cache_stats_json(const cache::PrefixCacheStats& s) {
  return {{"lookups", s.lookups},           {"hits", s.hits},
          {"hit_tokens", s.hit_tokens},     {"miss_tokens", s.miss_tokens},
          {"hit_rate", s.hit_rate()},       {"inserts", s.inserts},
          {"evictions", s.evictions},       {"cached_blocks", s.cached_blocks},
          {"cached_bytes", s.cached_bytes}, {"pinned_blocks", s.pinned_blocks},
          {"pool_bytes", s.pool_bytes},     {"peak_pool_bytes", s.peak_pool_bytes},
          {"budget_bytes", s.budget_bytes}};
}

}  // namespace ruvllm::server
