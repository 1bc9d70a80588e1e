#include "core/huge_page_buffer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <utility>

namespace ruvllm {
namespace {

TEST(HugePageBufferTest, StartsOnAHugePageBoundaryAndIsZeroed) {
  HugePageBuffer buffer(3 * 1024 * 1024 + 17);
  ASSERT_NE(buffer.data(), nullptr);
  EXPECT_EQ(buffer.size(), size_t(3 * 1024 * 1024 + 17));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(buffer.data()) % (2u << 20), 0u);
  uint64_t sum = 0;
  for (size_t i = 0; i < buffer.size(); i += 4096) sum += buffer.data()[i];
  sum += buffer.data()[buffer.size() - 1];
  EXPECT_EQ(sum, 0u);
  // Every byte is writable.
  buffer.data()[0] = 1;
  buffer.data()[buffer.size() - 1] = 2;
  EXPECT_EQ(buffer.data()[buffer.size() - 1], 2);
}

TEST(HugePageBufferTest, MovesOwnership) {
  HugePageBuffer a(4096);
  uint8_t* p = a.data();
  p[10] = 42;
  HugePageBuffer b(std::move(a));
  EXPECT_EQ(a.data(), nullptr);
  EXPECT_EQ(a.size(), 0u);
  EXPECT_EQ(b.data(), p);
  EXPECT_EQ(b.data()[10], 42);
  HugePageBuffer c;
  c = std::move(b);
  EXPECT_EQ(c.data(), p);
  EXPECT_EQ(b.data(), nullptr);
}

TEST(HugePageBufferTest, EmptyBufferHasNoMemory) {
  HugePageBuffer empty(0);
  EXPECT_EQ(empty.data(), nullptr);
  EXPECT_EQ(empty.size(), 0u);
}

}  // namespace
}  // namespace ruvllm
