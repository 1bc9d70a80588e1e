// Writes GGUF v3 files: metadata in insertion order, tensor infos, aligned tensor data.
//
// Tensor data is either copied into the writer or referenced (a pointer that must stay valid
// until write()), so a quantizer can stream a large model without holding two copies.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ggml_type.h"
#include "gguf/gguf_file.h"

namespace ruvllm::gguf {

class GgufWriter {
 public:
  explicit GgufWriter(uint64_t alignment = 32) : alignment_(alignment) {}

  void set_string(std::string key, std::string value);
  void set_u32(std::string key, uint32_t value);
  void set_i32(std::string key, int32_t value);
  void set_u64(std::string key, uint64_t value);
  void set_f32(std::string key, float value);
  void set_bool(std::string key, bool value);
  void set_string_array(std::string key, const std::vector<std::string>& values);
  void set_f32_array(std::string key, const std::vector<float>& values);
  void set_i32_array(std::string key, const std::vector<int32_t>& values);
  // Copies a value read from another file (any type, arrays included).
  void set_value(std::string key, const Value& value);

  // dims[0] is the innermost dimension. `data` holds ggml_row_size(type, dims[0]) * rows bytes.
  void add_tensor(std::string name, GgmlType type, std::vector<int64_t> dims, std::string data);
  // As add_tensor, but only references `data`, which must outlive write().
  void add_tensor_ref(std::string name, GgmlType type, std::vector<int64_t> dims, const void* data,
                      size_t n_bytes);

  // As add_tensor, but the bytes are produced by `produce` while write() streams the file, one
  // tensor at a time, so a multi-gigabyte model never sits in memory whole. `produce` must
  // return exactly n_bytes bytes.
  void add_tensor_lazy(std::string name, GgmlType type, std::vector<int64_t> dims, size_t n_bytes,
                       std::function<std::string()> produce);

  // Writes the file; throws Error on I/O failure.
  void write(const std::string& path) const;
  // The encoded file as bytes (small files and tests).
  std::string to_bytes() const;

 private:
  struct Tensor {
    std::string name;
    GgmlType type;
    std::vector<int64_t> dims;
    std::string owned;
    const void* ref = nullptr;
    size_t n_bytes = 0;
    std::function<std::string()> produce;
  };
  void set_raw(std::string key, ValueType type, std::string encoded);
  template <typename Sink>
  void emit(Sink& sink) const;

  uint64_t alignment_;
  std::vector<std::pair<std::string, std::string>> kv_;  // key -> encoded type + value
  std::vector<Tensor> tensors_;
};

}  // namespace ruvllm::gguf
