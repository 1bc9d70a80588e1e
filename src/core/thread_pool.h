// A fixed pool of worker threads for data-parallel kernels.
//
// `run(fn)` calls fn(thread_index, n_threads) once on every thread (the caller is thread 0) and
// returns when all have finished. Workers spin briefly before parking, so the back-to-back calls
// of a forward pass (hundreds per token) do not pay a futex wake-up each.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ruvllm {

class ThreadPool {
 public:
  // n_threads <= 0 picks the number of hardware threads.
  explicit ThreadPool(int n_threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }

  // Runs fn(thread_index, n_threads) on all threads; blocks until every call returned.
  // Not reentrant: fn must not call run() on the same pool.
  void run(const std::function<void(int, int)>& fn);

  // Calls fn(begin, end) over contiguous chunks covering [0, n), in parallel. Chunks shrink as
  // the work runs out (the first ones long, so each thread streams a long run of rows; the last
  // ones short), and threads take them as they finish the last one, so a thread the OS preempts
  // for a while (an HTTP thread sending a token, another process) does not hold the others up.
  // Which thread runs a chunk is not fixed: fn must not depend on it.
  void parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn);

 private:
  void worker(int index);

  int n_threads_;
  std::vector<std::thread> workers_;
  const std::function<void(int, int)>* job_ = nullptr;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<int> sleepers_{0};
};

}  // namespace ruvllm
