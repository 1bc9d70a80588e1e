// Measures the machine's memory read bandwidth, the ceiling for decoding speed: each decoded
// token streams every weight once, so tokens/s can never exceed bandwidth / model bytes.
#pragma once

#include <cstddef>

#include "core/thread_pool.h"

namespace ruvllm {

// Reads a buffer much larger than the caches with every thread of `pool`, `reps` times, and
// returns the best observed rate in GB/s (1e9 bytes per second).
double measure_read_bandwidth_gbps(ThreadPool& pool, size_t buffer_bytes = size_t(1) << 29,
                                   int reps = 5);

}  // namespace ruvllm
