// Batched attention over several sequences (one job for all of them) against one attention()
// call per sequence: bit-identical outputs for both cache types, with and without a pool, for
// sequences of different lengths mixing decode rows and prompt chunks.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "core/thread_pool.h"
#include "kernel_test_util.h"
#include "kernels/attention.h"

namespace ruvllm::kernels {
namespace {

struct Sequence {
  int64_t n_kv;      // rows in its cache
  int64_t n_tokens;  // query rows (the last n_tokens positions)
  std::vector<uint8_t> k, v;
  std::vector<float> q, out;
};

std::vector<Sequence> make_sequences(const AttentionShape& s, GgmlType type) {
  const int64_t shapes[][2] = {{1, 1}, {37, 1}, {150, 1}, {16, 16}, {90, 7}, {300, 1}};
  std::mt19937 rng(5);
  std::normal_distribution<float> dist(0.f, 1.f);
  std::vector<Sequence> seqs;
  for (const auto& [n_kv, n_tokens] : shapes) {
    Sequence q{n_kv, n_tokens, {}, {}, {}, {}};
    q.k = test::random_cache_bytes(type, size_t(n_kv * s.n_head_kv * s.head_dim_k), rng);
    q.v = test::random_cache_bytes(type, size_t(n_kv * s.n_head_kv * s.head_dim_v), rng);
    q.q.resize(size_t(n_tokens * s.n_head * s.head_dim_k));
    for (auto& x : q.q) x = dist(rng);
    q.out.assign(size_t(n_tokens * s.n_head * s.head_dim_v), -1.f);
    seqs.push_back(std::move(q));
  }
  return seqs;
}

AttentionItem item_of(const AttentionShape& s, GgmlType type, Sequence& q) {
  KvView kv;
  kv.type = type;
  kv.k = q.k.data();
  kv.v = q.v.data();
  kv.n_kv = q.n_kv;
  return {q.q.data(),   int64_t(s.n_head) * s.head_dim_k, q.n_tokens, q.n_kv - q.n_tokens, kv,
          q.out.data(), int64_t(s.n_head) * s.head_dim_v};
}

void check(GgmlType type, int threads) {
  AttentionShape s{9, 3, 64, 64, 0.125f, 0.f, 0};
  auto one_by_one = make_sequences(s, type);
  auto batched = make_sequences(s, type);
  ThreadPool pool(threads);
  ThreadPool* p = threads > 1 ? &pool : nullptr;
  std::vector<float> scratch(size_t(attention_scratch_per_thread(300, s) * threads));
  for (auto& q : one_by_one) {
    const AttentionItem it = item_of(s, type, q);
    attention(s, it.q, it.q_stride, it.n_tokens, it.pos0, it.kv, it.out, it.out_stride,
              scratch.data(), p);
  }
  std::vector<AttentionItem> items;
  for (auto& q : batched) items.push_back(item_of(s, type, q));
  attention_batch(s, items, scratch.data(), p);
  for (size_t i = 0; i < batched.size(); ++i) {
    ASSERT_EQ(batched[i].out.size(), one_by_one[i].out.size());
    for (size_t j = 0; j < batched[i].out.size(); ++j)
      ASSERT_EQ(batched[i].out[j], one_by_one[i].out[j]) << "sequence " << i << " element " << j;
    for (float x : batched[i].out) ASSERT_NE(x, -1.f) << "sequence " << i << " not written";
  }
}

TEST(AttentionBatch, F16MatchesOneCallPerSequence) {
  check(GgmlType::F16, 1);
  check(GgmlType::F16, 2);
  check(GgmlType::F16, 3);
}

TEST(AttentionBatch, F32MatchesOneCallPerSequence) {
  check(GgmlType::F32, 1);
  check(GgmlType::F32, 2);
}

}  // namespace
}  // namespace ruvllm::kernels
