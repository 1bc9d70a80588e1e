// Paged attention (rows found through a block table) against the contiguous layout: the results
// must be bit-identical for every block size, both cache types, sliding windows and soft-capping,
// on the scalar, AVX2 and AVX-512 paths.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

#include "core/cpu_features.h"
#include "core/error.h"
#include "core/half.h"
#include "kernel_test_util.h"
#include "kernels/attention.h"

namespace ruvllm::kernels {
namespace {

struct PagedCase {
  AttentionShape shape;
  int64_t n_kv;
  int64_t n_tokens;
  int64_t block_size;
};

// A contiguous cache and the same rows scattered over blocks (in shuffled memory order, with
// junk between the K and V areas, so that any row-address mistake shows).
struct TwoLayouts {
  std::vector<uint8_t> k, v;                  // contiguous
  std::vector<std::vector<uint8_t>> storage;  // one per block
  std::vector<const uint8_t*> table;
  size_t k_offset = 0, v_offset = 0;
};

TwoLayouts make_layouts(const PagedCase& c, GgmlType type, uint32_t seed) {
  const size_t elem = type == GgmlType::F16 ? 2 : 4;
  const size_t k_row = size_t(c.shape.n_head_kv) * size_t(c.shape.head_dim_k) * elem;
  const size_t v_row = size_t(c.shape.n_head_kv) * size_t(c.shape.head_dim_v) * elem;
  std::mt19937 rng(seed);
  TwoLayouts l;
  l.k = test::random_cache_bytes(type, size_t(c.n_kv) * k_row / elem, rng);
  l.v = test::random_cache_bytes(type, size_t(c.n_kv) * v_row / elem, rng);
  const int64_t n_blocks = (c.n_kv + c.block_size - 1) / c.block_size;
  l.k_offset = 64;
  l.v_offset = l.k_offset + size_t(c.block_size) * k_row + 32;
  const size_t block_bytes = l.v_offset + size_t(c.block_size) * v_row;
  l.storage.assign(size_t(n_blocks), std::vector<uint8_t>(block_bytes, 0xA5));
  std::vector<size_t> order(static_cast<size_t>(n_blocks));
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  l.table.resize(size_t(n_blocks));
  for (int64_t b = 0; b < n_blocks; ++b) l.table[size_t(b)] = l.storage[order[size_t(b)]].data();
  for (int64_t j = 0; j < c.n_kv; ++j) {
    auto* block = const_cast<uint8_t*>(l.table[size_t(j / c.block_size)]);
    const size_t in = size_t(j % c.block_size);
    std::memcpy(block + l.k_offset + in * k_row, l.k.data() + size_t(j) * k_row, k_row);
    std::memcpy(block + l.v_offset + in * v_row, l.v.data() + size_t(j) * v_row, v_row);
  }
  return l;
}

std::vector<float> run(const PagedCase& c, const KvView& kv, const std::vector<float>& q,
                       ThreadPool* pool) {
  const auto& s = c.shape;
  const int threads = pool ? pool->size() : 1;
  std::vector<float> scratch(size_t(attention_scratch_per_thread(c.n_kv, s) * threads));
  std::vector<float> out(size_t(c.n_tokens * s.n_head * s.head_dim_v));
  attention(s, q.data(), int64_t(s.n_head) * s.head_dim_k, c.n_tokens, c.n_kv - c.n_tokens, kv,
            out.data(), int64_t(s.n_head) * s.head_dim_v, scratch.data(), pool);
  return out;
}

void expect_identical(const PagedCase& c, GgmlType type, ThreadPool* pool) {
  const TwoLayouts l = make_layouts(c, type, 11);
  std::mt19937 rng(5);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> q(size_t(c.n_tokens * c.shape.n_head * c.shape.head_dim_k));
  for (float& x : q) x = dist(rng);
  const KvView contiguous{type, l.k.data(), l.v.data(), c.n_kv};
  KvView paged{type, nullptr, nullptr, c.n_kv};
  paged.blocks = l.table.data();
  paged.block_size = c.block_size;
  paged.k_offset = l.k_offset;
  paged.v_offset = l.v_offset;
  const auto a = run(c, contiguous, q, pool);
  const auto b = run(c, paged, q, pool);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(0, std::memcmp(a.data(), b.data(), a.size() * sizeof(float)))
      << "block size " << c.block_size << ", " << ggml_type_name(type);
}

class PagedAttention : public testing::TestWithParam<IsaLevel> {
 protected:
  void SetUp() override { set_isa_cap(GetParam()); }
  void TearDown() override { set_isa_cap(IsaLevel::Avx512); }
};

TEST_P(PagedAttention, BitIdenticalToContiguousForEveryBlockSize) {
  for (GgmlType type : {GgmlType::F16, GgmlType::F32})
    for (int64_t bs : {1, 3, 16, 32, 64}) {
      expect_identical({{8, 2, 64, 64, 0.125f, 0.0f, 0}, 77, 77, bs}, type, nullptr);
      expect_identical({{4, 4, 32, 32, 0.2f, 0.0f, 0}, 130, 1, bs}, type, nullptr);
    }
}

TEST_P(PagedAttention, BitIdenticalWithSlidingWindowAndSoftcap) {
  for (GgmlType type : {GgmlType::F16, GgmlType::F32})
    for (int64_t bs : {1, 7, 16})
      expect_identical({{4, 1, 64, 64, 0.125f, 30.0f, 9}, 50, 19, bs}, type, nullptr);
}

TEST_P(PagedAttention, BitIdenticalOnSeveralThreads) {
  ThreadPool pool(3);
  for (GgmlType type : {GgmlType::F16, GgmlType::F32})
    expect_identical({{8, 4, 16, 16, 0.25f, 0.0f, 5}, 45, 12, 16}, type, &pool);
}

TEST(PagedAttentionErrors, RejectsAZeroBlockSize) {
  const AttentionShape s{1, 1, 4, 4, 1.0f, 0.0f, 0};
  std::vector<uint8_t> block(64);
  const uint8_t* table[] = {block.data()};
  KvView kv{GgmlType::F32, nullptr, nullptr, 1};
  kv.blocks = table;
  std::vector<float> q(4), out(4), scratch(size_t(attention_scratch_per_thread(1, s)));
  EXPECT_THROW(attention(s, q.data(), 4, 1, 0, kv, out.data(), 4, scratch.data(), nullptr), Error);
}

INSTANTIATE_TEST_SUITE_P(Isa, PagedAttention,
                         testing::Values(IsaLevel::Scalar, IsaLevel::Avx2, IsaLevel::Avx512),
                         [](const testing::TestParamInfo<IsaLevel>& info) {
                           return std::string(info.param == IsaLevel::Scalar ? "Scalar"
                                              : info.param == IsaLevel::Avx2 ? "Avx2"
                                                                             : "Avx512");
                         });

}  // namespace
}  // namespace ruvllm::kernels
