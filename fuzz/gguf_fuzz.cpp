// libFuzzer target: any byte string given to the GGUF reader is either accepted as a consistent
// file or rejected with FormatError; nothing crashes or reads out of bounds (run under ASan).
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "gguf/gguf_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto f = ruvllm::gguf::GgufFile::from_memory(std::string(reinterpret_cast<const char*>(data), size));
    // Touch everything the reader handed out, so ASan sees any bad pointer.
    volatile uint64_t sink = 0;
    for (const auto& [key, value] : f->metadata()) sink = sink + key.size() + value.s.size();
    for (const auto& t : f->tensors())
      if (t.n_bytes) sink = sink + t.data[0] + t.data[t.n_bytes - 1];
  } catch (const ruvllm::FormatError&) {
  }
  return 0;
}
