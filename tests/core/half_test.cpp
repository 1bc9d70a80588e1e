#include "core/half.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/cpu_features.h"
#include "core/ggml_type.h"
#include "core/thread_pool.h"

using namespace ruvllm;

TEST(Half, RoundTripsEveryF16Value) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const float f = fp16_to_fp32(uint16_t(h));
    if (std::isnan(f)) continue;
    EXPECT_EQ(fp32_to_fp16(f), uint16_t(h)) << h;
  }
}

TEST(Half, KnownValues) {
  EXPECT_EQ(fp16_to_fp32(0x3c00), 1.0f);
  EXPECT_EQ(fp16_to_fp32(0xc000), -2.0f);
  EXPECT_EQ(fp16_to_fp32(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(fp32_to_fp16(65520.f), 0x7c00);                       // rounds to inf
  EXPECT_EQ(fp32_to_fp16(1.0f + std::ldexp(1.0f, -11)), 0x3c00);  // tie to even
  EXPECT_EQ(bf16_to_fp32(0x3f80), 1.0f);
  EXPECT_EQ(fp32_to_bf16(1.00390625f), 0x3f80);  // tie to even
  EXPECT_EQ(fp32_to_bf16(1.01171875f), 0x3f82);
}

TEST(GgmlType, TraitsAndNames) {
  EXPECT_EQ(ggml_traits(GgmlType::Q4_K).type_size, 144u);
  EXPECT_EQ(ggml_traits(GgmlType::Q6_K).type_size, 210u);
  EXPECT_EQ(ggml_type_from_name("Q4_K"), GgmlType::Q4_K);
  EXPECT_EQ(ggml_type_from_name("bf16"), GgmlType::BF16);
  EXPECT_FALSE(ggml_type_from_name("q9_9"));
  EXPECT_FALSE(ggml_type_traits(4));
  EXPECT_EQ(ggml_row_size(GgmlType::Q8_0, 64), 68u);
}

TEST(ThreadPool, RunsEveryThreadAndSplitsWork) {
  ThreadPool pool(3);
  std::vector<int64_t> hits(1000, 0);
  for (int rep = 0; rep < 200; ++rep)
    pool.parallel_for(1000, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) hits[size_t(i)]++;
    });
  for (auto h : hits) EXPECT_EQ(h, 200);  // (parallel_for's chunks are in thread_pool_test)
  std::atomic<int> calls{0};
  pool.run([&](int ti, int nt) {
    EXPECT_EQ(nt, 3);
    calls.fetch_add(1 << (ti * 4));
  });
  EXPECT_EQ(calls.load(), 0x111);
}

TEST(CpuFeatures, CapLowersLevel) {
  const IsaLevel before = isa_level();
  set_isa_cap(IsaLevel::Scalar);
  EXPECT_EQ(isa_level(), IsaLevel::Scalar);
  set_isa_cap(IsaLevel::Avx512);
  EXPECT_EQ(isa_level(), before);
}
