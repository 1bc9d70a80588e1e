// The default byte budget of the KV memory (prefix cache plus active sequences): a quarter of
// the machine's RAM, at most 2 GiB.
#pragma once

#include <cstddef>

namespace ruvllm::cache {

inline constexpr size_t kMaxDefaultCacheBytes = size_t(2) << 30;

// min(2 GiB, physical RAM / 4); 2 GiB when the RAM size cannot be read.
size_t default_cache_bytes();

}  // namespace ruvllm::cache
