// A zero-initialised, anonymous memory buffer the kernel is asked to back with transparent huge
// pages (2 MiB), for large read-mostly data such as repacked weights.
//
// Why: a decode step streams every weight once. With 4 KiB pages a 140 MB model touches 34,000
// pages per token and each first touch of a page misses the TLB, a page walk in the middle of a
// stream the prefetchers had going. On kernels whose THP mode is "madvise" (Debian's default)
// only memory that asks for huge pages gets them; elsewhere the request is a harmless no-op.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ruvllm {

class HugePageBuffer {
 public:
  HugePageBuffer() = default;
  // Throws Error when the memory cannot be mapped.
  explicit HugePageBuffer(size_t bytes);
  ~HugePageBuffer();
  HugePageBuffer(HugePageBuffer&& other) noexcept;
  HugePageBuffer& operator=(HugePageBuffer&& other) noexcept;
  HugePageBuffer(const HugePageBuffer&) = delete;
  HugePageBuffer& operator=(const HugePageBuffer&) = delete;

  uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  void release();

  uint8_t* data_ = nullptr;  // 2 MiB aligned inside the mapping
  size_t size_ = 0;
  void* mapping_ = nullptr;
  size_t mapping_bytes_ = 0;
};

}  // namespace ruvllm
