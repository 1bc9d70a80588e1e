// The paged KV cache: block pool accounting and budget, reservations, the evictor hook,
// copy-on-write of shared blocks, convolution snapshots at block boundaries.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "model/model.h"
#include "runtime/kv_block_pool.h"
#include "runtime/kv_cache.h"
#include "runtime/session.h"
#include "support/golden.h"

namespace ruvllm {
namespace {

std::shared_ptr<const Model> load(const std::string& name) {
  return Model::load(test::golden("models/" + name + ".gguf").string());
}

std::vector<int32_t> random_tokens(size_t n, int32_t n_vocab, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int32_t> dist(1, n_vocab - 1);
  std::vector<int32_t> t(n);
  for (auto& x : t) x = dist(rng);
  return t;
}

std::vector<float> copy(std::span<const float> s) {
  return {s.begin(), s.end()};
}

bool same_bits(std::span<const float> a, std::span<const float> b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

ModelConfig two_layer_config() {
  ModelConfig c;
  c.n_embd = 32;
  c.head_dim_k = c.head_dim_v = 8;
  c.conv_kernel = 3;
  LayerConfig att;
  att.kind = LayerKind::Attention;
  att.n_head_kv = 2;
  LayerConfig conv;
  conv.kind = LayerKind::ShortConv;
  c.layers = {att, conv};
  c.n_layer = 2;
  return c;
}

TEST(KvBlockPool, LayoutHoldsRowsAndConvSnapshots) {
  const ModelConfig c = two_layer_config();
  KvBlockPool f16(c, GgmlType::F16, 16), f32(c, GgmlType::F32, 16);
  EXPECT_TRUE(f16.is_attention(0));
  EXPECT_FALSE(f16.is_attention(1));
  EXPECT_TRUE(f16.has_conv());
  EXPECT_EQ(f16.k_row(0), 16);
  EXPECT_EQ(f16.conv_floats(1), 2 * 32);
  // K and V of 16 rows of 16 elements, then the snapshot of 2 x 32 floats.
  EXPECT_EQ(f16.block_bytes(), 2 * 16 * 16 * 2 + 2 * 32 * 4);
  EXPECT_EQ(f32.block_bytes(), 2 * 16 * 16 * 4 + 2 * 32 * 4);
  EXPECT_GE(f16.v_offset(0), f16.k_offset(0) + 16 * 16 * 2);
  EXPECT_TRUE(f16.compatible(c));
  ModelConfig other = c;
  other.layers[0].n_head_kv = 1;
  EXPECT_FALSE(f16.compatible(other));
  EXPECT_EQ(f16.blocks_for(0), 0u);
  EXPECT_EQ(f16.blocks_for(16), 1u);
  EXPECT_EQ(f16.blocks_for(17), 2u);
  EXPECT_THROW(KvBlockPool(c, GgmlType::Q8_0), UnsupportedError);
  EXPECT_THROW(KvBlockPool(c, GgmlType::F16, 0), Error);
  EXPECT_THROW(KvBlockPool(c, GgmlType::F16, 16, 10), Error);  // budget below one block
}

TEST(KvBlockPool, BudgetBoundsTheBlocksHeld) {
  const ModelConfig c = two_layer_config();
  KvBlockPool probe(c, GgmlType::F16, 16);
  KvBlockPool pool(c, GgmlType::F16, 16, 3 * probe.block_bytes() + 7);
  EXPECT_EQ(pool.capacity_blocks(), 3u);
  KvBlock* a = pool.allocate();
  KvBlock* b = pool.allocate();
  KvBlock* d = pool.allocate();
  EXPECT_EQ(KvBlockPool::refs(a), 1);
  EXPECT_THROW(pool.allocate(), KvBudgetError);
  pool.retain(b);
  pool.release(b);  // still referenced once
  EXPECT_THROW(pool.allocate(), KvBudgetError);
  pool.release(b);  // recycled
  KvBlock* e = pool.allocate();
  EXPECT_EQ(e, b);
  const auto s = pool.stats();
  EXPECT_EQ(s.live_blocks, 3u);
  EXPECT_EQ(s.bytes, 3 * pool.block_bytes());
  EXPECT_EQ(s.peak_bytes, 3 * pool.block_bytes());
  for (KvBlock* x : {a, d, e}) pool.release(x);
  EXPECT_EQ(pool.stats().live_blocks, 0u);
  EXPECT_EQ(pool.stats().free_blocks, 3u);
}

TEST(KvBlockPool, FullPoolAsksTheEvictor) {
  const ModelConfig c = two_layer_config();
  KvBlockPool probe(c, GgmlType::F16, 16);
  KvBlockPool pool(c, GgmlType::F16, 16, 2 * probe.block_bytes());
  std::vector<KvBlock*> cached = {pool.allocate(), pool.allocate()};
  int calls = 0;
  pool.set_evictor([&](size_t) -> size_t {
    ++calls;
    if (cached.empty()) return 0;
    pool.release(cached.back());
    cached.pop_back();
    return 1;
  });
  KvBlock* x = pool.allocate();
  KvBlock* y = pool.allocate();
  EXPECT_EQ(calls, 2);
  EXPECT_THROW(pool.allocate(), KvBudgetError);
  pool.set_evictor(nullptr);
  pool.release(x);
  pool.release(y);
}

TEST(KvBlockPool, ReservationsNeverExceedTheCapacity) {
  const ModelConfig c = two_layer_config();
  KvBlockPool probe(c, GgmlType::F16, 16);
  KvBlockPool pool(c, GgmlType::F16, 16, 4 * probe.block_bytes());
  auto r1 = pool.try_reserve(3);
  ASSERT_TRUE(r1);
  EXPECT_FALSE(pool.try_reserve(2));
  EXPECT_FALSE(pool.try_reserve(5));
  {
    auto r2 = pool.try_reserve(1);
    ASSERT_TRUE(r2);
    EXPECT_EQ(pool.stats().reserved_blocks, 4u);
  }
  EXPECT_EQ(pool.stats().reserved_blocks, 3u);
  KvBlockPool::Reservation moved = std::move(*r1);
  r1.reset();
  EXPECT_EQ(pool.stats().reserved_blocks, 3u);
  moved = KvBlockPool::Reservation();
  EXPECT_EQ(pool.stats().reserved_blocks, 0u);
  EXPECT_TRUE(pool.try_reserve(4));
}

class PagedSession : public testing::Test {
 protected:
  void SetUp() override {
    RUVLLM_REQUIRE_GOLDEN(test::golden("models/stories260Ktok512.gguf"));
    model_ = load("stories260Ktok512");
    pool_ = std::make_shared<KvBlockPool>(model_->config(), GgmlType::F16, 16);
  }
  SessionParams params() const { return SessionParams{.kv_pool = pool_}; }
  std::shared_ptr<const Model> model_;
  std::shared_ptr<KvBlockPool> pool_;
};

TEST_F(PagedSession, SharedPartialBlockIsCopiedBeforeWriting) {
  const auto tokens = random_tokens(40, 512, 1);
  const auto prefix = std::span(tokens).first(21);  // ends 5 rows into the second block
  Session a(model_, params(), nullptr);
  a.eval(prefix);
  ASSERT_EQ(a.cache().blocks().size(), 2u);
  KvBlock* shared = a.cache().blocks()[1];
  std::vector<uint8_t> before(shared->data, shared->data + pool_->block_bytes());

  Session b(model_, params(), nullptr);
  b.load_prefix(prefix, a.cache().blocks());
  EXPECT_EQ(b.n_past(), 21);
  EXPECT_EQ(KvBlockPool::refs(shared), 2);
  const auto cached = copy(b.eval(std::span(tokens).subspan(21)));
  EXPECT_NE(b.cache().blocks()[1], shared);  // b wrote into its own copy
  EXPECT_EQ(b.cache().blocks()[0], a.cache().blocks()[0]);
  EXPECT_EQ(KvBlockPool::refs(shared), 1);
  EXPECT_EQ(0, std::memcmp(before.data(), shared->data, before.size()));

  Session fresh(model_, params(), nullptr);
  fresh.eval(std::span(tokens).first(21));
  const auto expected = copy(fresh.eval(std::span(tokens).subspan(21)));
  EXPECT_TRUE(same_bits(cached, expected));

  // The owner keeps going undisturbed too.
  const auto next = std::span(tokens).subspan(30, 4);
  const auto a_logits = copy(a.eval(next));
  Session again(model_, params(), nullptr);
  again.eval(prefix);
  EXPECT_TRUE(same_bits(a_logits, again.eval(next)));
}

TEST_F(PagedSession, BlocksReturnToThePool) {
  const auto tokens = random_tokens(50, 512, 2);
  {
    Session s(model_, params(), nullptr);
    s.eval(tokens);
    EXPECT_EQ(pool_->stats().live_blocks, 4u);
    EXPECT_EQ(s.cache().bytes(), 4 * pool_->block_bytes());
    s.truncate(17);
    EXPECT_EQ(pool_->stats().live_blocks, 2u);
    s.clear();
    EXPECT_EQ(pool_->stats().live_blocks, 0u);
    s.eval(std::span(tokens).first(5));
  }
  EXPECT_EQ(pool_->stats().live_blocks, 0u);
}

TEST_F(PagedSession, FullBudgetLeavesTheSessionUnchanged) {
  auto pool =
      std::make_shared<KvBlockPool>(model_->config(), GgmlType::F16, 16, 2 * pool_->block_bytes());
  Session s(model_, SessionParams{.kv_pool = pool}, nullptr);
  const auto tokens = random_tokens(40, 512, 3);
  const auto first = copy(s.eval(std::span(tokens).first(20)));
  EXPECT_THROW(s.eval(std::span(tokens).subspan(20)), KvBudgetError);
  EXPECT_EQ(s.n_past(), 20);
  EXPECT_EQ(s.tokens().size(), 20u);
  const auto more = copy(s.eval(std::span(tokens).subspan(20, 5)));
  Session fresh(model_, params(), nullptr);
  fresh.eval(std::span(tokens).first(20));
  EXPECT_TRUE(same_bits(more, fresh.eval(std::span(tokens).subspan(20, 5))));
}

TEST_F(PagedSession, PoolOfAnotherModelIsRejected) {
  RUVLLM_REQUIRE_GOLDEN(test::golden("models/tiny-llama-f32.gguf"));
  EXPECT_THROW(Session(load("tiny-llama-f32"), params(), nullptr), Error);
}

TEST(PagedConvState, RecurrentModelResumesAtBlockBoundaries) {
  RUVLLM_REQUIRE_GOLDEN(test::golden("models/tiny-lfm2-f32.gguf"));
  auto model = load("tiny-lfm2-f32");
  auto pool = std::make_shared<KvBlockPool>(model->config(), GgmlType::F16, 16);
  const auto tokens = random_tokens(45, model->config().n_vocab, 4);
  Session s(model, SessionParams{.kv_pool = pool}, nullptr);
  s.eval(tokens);
  EXPECT_FALSE(s.cache().can_truncate(20));
  EXPECT_THROW(s.truncate(20), Error);
  EXPECT_TRUE(s.cache().can_truncate(32));
  s.truncate(32);
  const auto resumed = copy(s.eval(std::span(tokens).subspan(32)));

  Session fresh(model, SessionParams{.kv_pool = pool}, nullptr);
  fresh.eval(std::span(tokens).first(32));
  const auto expected = copy(fresh.eval(std::span(tokens).subspan(32)));
  EXPECT_TRUE(same_bits(resumed, expected));

  // A second sequence picks up the first one's two full blocks, conv state included.
  Session other(model, SessionParams{.kv_pool = pool}, nullptr);
  EXPECT_THROW(other.load_prefix(std::span(tokens).first(20), s.cache().blocks()), Error);
  other.load_prefix(std::span(tokens).first(32), s.cache().blocks());
  EXPECT_TRUE(same_bits(copy(other.eval(std::span(tokens).subspan(32))), expected));
}

}  // namespace
}  // namespace ruvllm
