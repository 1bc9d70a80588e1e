// The AVX-512 query tiles (attention_avx512.cpp: several query rows per block of keys) against
// the AVX2 head-group path, one query row at a time: bit-identical outputs for prefill and
// decode, contiguous and paged caches, sliding windows, soft-capping, head sizes with 8- and
// 16-element tails, and threads (decode steps too); and each prompt row equal to the same row
// decoded alone.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/cpu_features.h"
#include "core/thread_pool.h"
#include "kernel_test_util.h"
#include "kernels/attention.h"

namespace ruvllm::kernels {
namespace {

struct TileCase {
  AttentionShape shape;
  int64_t n_kv;
  int64_t n_tokens;  // the last n_tokens positions are queries
};

struct Cache {
  std::vector<uint8_t> k, v;
  std::vector<std::vector<uint8_t>> blocks;
  std::vector<const uint8_t*> table;
  size_t k_offset = 0, v_offset = 0;
};

Cache make_cache(const TileCase& c, int64_t block_size, uint32_t seed) {
  std::mt19937 rng(seed);
  const size_t k_row = size_t(c.shape.n_head_kv * c.shape.head_dim_k) * 2;
  const size_t v_row = size_t(c.shape.n_head_kv * c.shape.head_dim_v) * 2;
  Cache cache;
  cache.k = test::random_cache_bytes(GgmlType::F16, size_t(c.n_kv) * k_row / 2, rng);
  cache.v = test::random_cache_bytes(GgmlType::F16, size_t(c.n_kv) * v_row / 2, rng);
  if (block_size > 0) {
    cache.k_offset = 32;
    cache.v_offset = cache.k_offset + size_t(block_size) * k_row + 16;
    const int64_t n_blocks = (c.n_kv + block_size - 1) / block_size;
    cache.blocks.assign(size_t(n_blocks),
                        std::vector<uint8_t>(cache.v_offset + size_t(block_size) * v_row, 0x7B));
    for (int64_t j = 0; j < c.n_kv; ++j) {
      uint8_t* b = cache.blocks[size_t(j / block_size)].data();
      const size_t in = size_t(j % block_size);
      std::memcpy(b + cache.k_offset + in * k_row, cache.k.data() + size_t(j) * k_row, k_row);
      std::memcpy(b + cache.v_offset + in * v_row, cache.v.data() + size_t(j) * v_row, v_row);
    }
    for (const auto& b : cache.blocks) cache.table.push_back(b.data());
  }
  return cache;
}

KvView view(const Cache& cache, int64_t n_kv, int64_t block_size) {
  KvView kv{GgmlType::F16, cache.k.data(), cache.v.data(), n_kv};
  if (block_size > 0) {
    kv.blocks = cache.table.data();
    kv.block_size = block_size;
    kv.k_offset = cache.k_offset;
    kv.v_offset = cache.v_offset;
  }
  return kv;
}

// The case's query rows at once (or one call per row, each over the cache up to its position).
std::vector<float> run(const TileCase& c, const Cache& cache, int64_t block_size,
                       const std::vector<float>& q, ThreadPool* pool, bool row_by_row) {
  const auto& s = c.shape;
  const int threads = pool ? pool->size() : 1;
  std::vector<float> scratch(size_t(attention_scratch_per_thread(c.n_kv, s) * threads));
  const int64_t q_width = int64_t(s.n_head) * s.head_dim_k,
                o_width = int64_t(s.n_head) * s.head_dim_v;
  std::vector<float> out(size_t(c.n_tokens * o_width), -1.0f);
  const int64_t pos0 = c.n_kv - c.n_tokens;
  if (!row_by_row) {
    attention(s, q.data(), q_width, c.n_tokens, pos0, view(cache, c.n_kv, block_size), out.data(),
              o_width, scratch.data(), pool);
  } else {
    for (int64_t t = 0; t < c.n_tokens; ++t)
      attention(s, q.data() + t * q_width, q_width, 1, pos0 + t,
                view(cache, pos0 + t + 1, block_size), out.data() + t * o_width, o_width,
                scratch.data(), pool);
  }
  return out;
}

void check(const TileCase& c) {
  const auto& s = c.shape;
  std::mt19937 rng(uint32_t(c.n_kv * 31 + s.head_dim_k));
  const auto q = test::random_floats(c.n_tokens * s.n_head * s.head_dim_k, rng);
  const Cache contiguous = make_cache(c, 0, 3);
  set_isa_cap(IsaLevel::Avx2);
  const auto ref = run(c, contiguous, 0, q, nullptr, true);
  set_isa_cap(IsaLevel::Avx512);
  const std::string label = "heads " + std::to_string(s.n_head) + "/" +
                            std::to_string(s.n_head_kv) + ", dims " + std::to_string(s.head_dim_k) +
                            "/" + std::to_string(s.head_dim_v) + ", rows " +
                            std::to_string(c.n_kv) + ", queries " + std::to_string(c.n_tokens);
  auto expect_same = [&](const std::vector<float>& out, const std::string& how) {
    ASSERT_EQ(out.size(), ref.size());
    for (size_t i = 0; i < out.size(); ++i)
      ASSERT_EQ(std::memcmp(&out[i], &ref[i], sizeof(float)), 0)
          << label << ", " << how << ": element " << i << " " << out[i] << " vs " << ref[i];
  };
  expect_same(run(c, contiguous, 0, q, nullptr, false), "tiles");
  expect_same(run(c, contiguous, 0, q, nullptr, true), "row by row");
  ThreadPool pool(3);
  expect_same(run(c, contiguous, 0, q, &pool, false), "tiles on 3 threads");
  // One query row per call, as decode steps run: fewer tasks than threads.
  expect_same(run(c, contiguous, 0, q, &pool, true), "row by row on 3 threads");
  set_isa_cap(IsaLevel::Avx2);
  expect_same(run(c, contiguous, 0, q, &pool, true), "AVX2 row by row on 3 threads");
  set_isa_cap(IsaLevel::Avx512);
  for (int64_t bs : {5, 16, 40}) {
    const Cache paged = make_cache(c, bs, 3);
    expect_same(run(c, paged, bs, q, nullptr, false), "paged " + std::to_string(bs));
  }
}

class AttentionTile : public testing::Test {
 protected:
  void SetUp() override {
    if (isa_level() < IsaLevel::Avx512) GTEST_SKIP() << "no AVX-512 on this CPU";
  }
  void TearDown() override { set_isa_cap(IsaLevel::Avx512); }
};

TEST_F(AttentionTile, PrefillMatchesAvx2RowByRowBitForBit) {
  check({{9, 3, 64, 64, 0.125f, 0.0f, 0}, 150, 150});  // smollm2-135m
  check({{14, 2, 64, 64, 0.125f, 0.0f, 0}, 61, 61});   // qwen2.5-0.5b: seven heads per KV head
  check({{8, 2, 128, 128, 0.09f, 0.0f, 0}, 45, 45});
}

TEST_F(AttentionTile, ChunksAfterACachedPrefixAndDecodeRows) {
  check({{9, 3, 64, 64, 0.125f, 0.0f, 0}, 200, 37});
  check({{9, 3, 64, 64, 0.125f, 0.0f, 0}, 90, 1});
  check({{4, 1, 64, 64, 0.125f, 0.0f, 0}, 17, 3});
}

TEST_F(AttentionTile, SlidingWindowAndSoftcap) {
  check({{4, 2, 256, 256, 0.0625f, 50.0f, 20}, 70, 70});  // gemma-2
  check({{6, 3, 64, 64, 0.125f, 0.0f, 9}, 100, 45});
}

TEST_F(AttentionTile, HeadSizesWithTails) {
  check({{4, 2, 72, 80, 0.11f, 0.0f, 0}, 40, 40});  // an 8-element key tail
  check({{2, 1, 40, 48, 0.15f, 0.0f, 0}, 33, 20});
  check({{4, 2, 96, 96, 0.1f, 0.0f, 0}, 29, 29});  // phi-3
  check({{4, 2, 36, 36, 0.1f, 0.0f, 0}, 21, 21});  // not tiled: the AVX2 path
}

}  // namespace
}  // namespace ruvllm::kernels
