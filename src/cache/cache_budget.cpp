#include "cache/cache_budget.h"

#include <unistd.h>

#include <algorithm>

namespace ruvllm::cache {

size_t default_cache_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page_size <= 0) return kMaxDefaultCacheBytes;
  return std::min(kMaxDefaultCacheBytes, size_t(pages) * size_t(page_size) / 4);
}

}  // namespace ruvllm::cache
