#include "core/memory_bandwidth.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "core/cpu_features.h"

namespace ruvllm {
namespace detail {
uint64_t read_sum_avx2(const uint8_t* p, size_t n);
}

namespace {

uint64_t read_sum_scalar(const uint8_t* p, size_t n) {
  const auto* q = reinterpret_cast<const uint64_t*>(p);
  uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  for (size_t i = 0; i + 4 <= n / 8; i += 4) {
    a0 ^= q[i];
    a1 ^= q[i + 1];
    a2 ^= q[i + 2];
    a3 ^= q[i + 3];
  }
  return a0 ^ a1 ^ a2 ^ a3;
}

}  // namespace

double measure_read_bandwidth_gbps(ThreadPool& pool, size_t buffer_bytes, int reps) {
  buffer_bytes = buffer_bytes / 4096 * 4096;
  std::unique_ptr<uint8_t, decltype(&std::free)> buf(
      static_cast<uint8_t*>(std::aligned_alloc(4096, buffer_bytes)), &std::free);
  // Touch every page from the thread that will read it (first-touch placement).
  pool.parallel_for(int64_t(buffer_bytes / 4096), [&](int64_t b, int64_t e) {
    std::memset(buf.get() + b * 4096, int(b & 0xff), size_t(e - b) * 4096);
  });
  const bool avx2 = isa_level() >= IsaLevel::Avx2;
  std::atomic<uint64_t> sink{0};
  double best = 0;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    pool.parallel_for(int64_t(buffer_bytes / 4096), [&](int64_t b, int64_t e) {
      const uint8_t* p = buf.get() + b * 4096;
      const size_t n = size_t(e - b) * 4096;
      sink.fetch_xor(avx2 ? detail::read_sum_avx2(p, n) : read_sum_scalar(p, n));
    });
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::max(best, double(buffer_bytes) / s / 1e9);
  }
  return best;
}

}  // namespace ruvllm
