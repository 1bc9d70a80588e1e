#include "core/thread_pool.h"

#include <algorithm>
#include <atomic>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define RUVLLM_PAUSE() _mm_pause()
#else
#define RUVLLM_PAUSE() ((void)0)
#endif

namespace ruvllm {
namespace {
// Waiting has three stages. Pause-spinning (a few microseconds) catches the back-to-back jobs of
// a forward pass. Then yielding: on an oversubscribed machine (more runnable threads than cores,
// e.g. tests running in parallel) a pure spin would burn the time slice that the thread we wait
// for needs, so each check gives the core away. Only then does a worker park on the condition
// variable.
constexpr int kSpinIterations = 2000;
constexpr int kYieldIterations = 200;
// parallel_for hands out shrinking chunks ("guided" scheduling): each takes 1/(2 threads) of
// what is left, but at least 1/(kSmallestChunkPerThread threads) of the whole. The first chunks
// are long, contiguous runs (a matrix-vector product streams each thread's rows from memory with
// few restarts of the hardware prefetcher); the small last ones let a thread the OS held up
// (an HTTP thread sending a token, another process) be covered by the others.
constexpr int64_t kSmallestChunkPerThread = 8;

// Waits until `done()` holds, spinning, then yielding.
template <typename Done>
bool spin_then_yield(Done done) {
  for (int i = 0; i < kSpinIterations; ++i) {
    if (done()) return true;
    RUVLLM_PAUSE();
  }
  for (int i = 0; i < kYieldIterations; ++i) {
    if (done()) return true;
    std::this_thread::yield();
  }
  return done();
}
}  // namespace

ThreadPool::ThreadPool(int n_threads) {
  if (n_threads <= 0) n_threads = int(std::max(1u, std::thread::hardware_concurrency()));
  n_threads_ = n_threads;
  for (int i = 1; i < n_threads_; ++i) workers_.emplace_back([this, i] { worker(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_.store(true);
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::run(const std::function<void(int, int)>& fn) {
  if (n_threads_ == 1) {
    fn(0, 1);
    return;
  }
  job_ = &fn;
  pending_.store(n_threads_ - 1, std::memory_order_relaxed);
  {
    // Publishing under the mutex pairs with a parked worker's predicate check.
    std::lock_guard<std::mutex> lock(mutex_);
    generation_.fetch_add(1, std::memory_order_release);
  }
  if (sleepers_.load(std::memory_order_acquire) > 0) wake_.notify_all();
  fn(0, n_threads_);
  auto finished = [&] { return pending_.load(std::memory_order_acquire) == 0; };
  while (!spin_then_yield(finished)) {
  }
  job_ = nullptr;
}

void ThreadPool::parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  const int threads = int(std::min<int64_t>(n_threads_, n));
  if (threads == 1) {
    fn(0, n);
    return;
  }
  const int64_t smallest = std::max<int64_t>(1, n / (int64_t(threads) * kSmallestChunkPerThread));
  std::atomic<int64_t> next{0};
  run([&](int, int) {
    int64_t begin = next.load(std::memory_order_relaxed);
    for (;;) {
      if (begin >= n) return;
      const int64_t size = std::max(smallest, (n - begin) / (2 * int64_t(threads)));
      if (!next.compare_exchange_weak(begin, begin + size, std::memory_order_relaxed)) continue;
      fn(begin, std::min(n, begin + size));
      begin = next.load(std::memory_order_relaxed);
    }
  });
}

void ThreadPool::worker(int index) {
  uint64_t seen = 0;
  for (;;) {
    spin_then_yield([&] { return generation_.load(std::memory_order_acquire) != seen; });
    uint64_t gen = generation_.load(std::memory_order_acquire);
    if (gen == seen) {
      std::unique_lock<std::mutex> lock(mutex_);
      sleepers_.fetch_add(1, std::memory_order_acq_rel);
      wake_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
      sleepers_.fetch_sub(1, std::memory_order_acq_rel);
      gen = generation_.load(std::memory_order_acquire);
    }
    seen = gen;
    if (stop_.load(std::memory_order_acquire)) return;
    (*job_)(index, n_threads_);
    pending_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

}  // namespace ruvllm
