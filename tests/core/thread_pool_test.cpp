#include "core/thread_pool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

using namespace ruvllm;

// Every index of every size is covered exactly once, with chunks that are contiguous and in range.
TEST(ThreadPool, ParallelForCoversEachIndexOnce) {
  for (int threads : {1, 2, 3, 5}) {
    ThreadPool pool(threads);
    for (int64_t n : {1, 2, 3, 7, 8, 9, 31, 64, 100, 1001}) {
      std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
      pool.parallel_for(n, [&](int64_t b, int64_t e) {
        ASSERT_LE(0, b);
        ASSERT_LT(b, e);
        ASSERT_LE(e, n);
        for (int64_t i = b; i < e; ++i) hits[size_t(i)].fetch_add(1);
      });
      for (int64_t i = 0; i < n; ++i)
        ASSERT_EQ(hits[size_t(i)].load(), 1) << "n " << n << " threads " << threads << " i " << i;
    }
  }
}

// The first chunks are long runs (a thread streams contiguous rows), and they shrink as the
// work runs out.
TEST(ThreadPool, ParallelForChunksShrink) {
  ThreadPool pool(2);
  std::mutex mutex;
  std::vector<std::pair<int64_t, int64_t>> chunks;
  pool.parallel_for(1000, [&](int64_t begin, int64_t end) {
    std::lock_guard lock(mutex);
    chunks.emplace_back(begin, end);
  });
  std::sort(chunks.begin(), chunks.end());
  ASSERT_GE(chunks.size(), 3u);
  EXPECT_EQ(chunks.front().second - chunks.front().first, 250);  // a quarter: half per thread
  for (size_t i = 1; i < chunks.size(); ++i) {
    EXPECT_EQ(chunks[i].first, chunks[i - 1].second);
    EXPECT_LE(chunks[i].second - chunks[i].first, chunks[i - 1].second - chunks[i - 1].first);
  }
  EXPECT_EQ(chunks.back().second, 1000);
}

// A thread held up in its first chunk does not keep its share: the other thread takes the rest.
TEST(ThreadPool, ParallelForGivesAStalledThreadsShareToOthers) {
  ThreadPool pool(2);
  std::atomic<int> chunks{0}, caller_chunks{0};
  std::atomic<bool> stalled{false};
  const std::thread::id caller = std::this_thread::get_id();
  pool.parallel_for(64, [&](int64_t, int64_t) {
    chunks.fetch_add(1);
    if (std::this_thread::get_id() == caller) {
      caller_chunks.fetch_add(1);
    } else if (!stalled.exchange(true)) {
      // The worker's first chunk stalls long enough for the caller to do everything else.
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
  });
  // The worker ran at most the chunk it stalled in; the caller ran every other one.
  EXPECT_GE(chunks.load(), 4);
  EXPECT_GE(caller_chunks.load(), chunks.load() - 1);
}
