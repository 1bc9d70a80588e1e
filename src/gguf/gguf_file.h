// GGUF model files: a validated, read-only view over an mmap'd file (versions 2 and 3).
//
// Layout (little-endian): magic "GGUF", u32 version, u64 tensor count, u64 metadata count, the
// metadata key/value pairs, the tensor infos (name, dims, type, offset), padding to
// `general.alignment` (default 32), then the tensor data. Offsets are relative to the data start.
//
// `GgufFile::open` checks everything before anything is used: counts against the bytes left,
// string lengths, value types, nesting, duplicate keys and tensor names, dimensions and their
// products, tensor types and block multiples, alignment, and that every tensor's bytes lie inside
// the file. Any violation throws `FormatError` naming the problem and its position; nothing reads
// out of bounds on a corrupt file.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ggml_type.h"

namespace ruvllm::gguf {

enum class ValueType : uint32_t {
  U8 = 0,
  I8 = 1,
  U16 = 2,
  I16 = 3,
  U32 = 4,
  I32 = 5,
  F32 = 6,
  Bool = 7,
  String = 8,
  Array = 9,
  U64 = 10,
  I64 = 11,
  F64 = 12,
};

std::string_view value_type_name(ValueType t);

// One metadata value. Scalars are widened (integers to int64/uint64, floats to double); arrays
// keep their element type and hold their elements as values. Strings are views into the mapped
// file and live as long as the GgufFile.
struct Value {
  ValueType type = ValueType::U8;
  ValueType elem_type = ValueType::U8;  // arrays only
  uint64_t u = 0;                       // unsigned integers and bool
  int64_t i = 0;                        // signed integers
  double f = 0;                         // floats
  std::string_view s;                   // strings
  std::vector<Value> array;             // arrays

  bool is_integer() const;
  bool is_float() const;
  // Integer value of any integer type (or bool); nullopt for other types or overflow.
  std::optional<int64_t> as_int() const;
  // Numeric value of any integer or float type.
  std::optional<double> as_number() const;
};

struct TensorInfo {
  std::string name;
  GgmlType type = GgmlType::F32;
  std::vector<int64_t> dims;  // dims[0] is the innermost (contiguous) dimension, as in ggml
  uint64_t offset = 0;        // from the start of the data section
  uint64_t n_bytes = 0;
  int64_t n_elements = 0;
  const uint8_t* data = nullptr;  // into the mapped file

  int64_t dim(size_t k) const { return k < dims.size() ? dims[k] : 1; }
  // Rows for a matrix view: product of dims[1..].
  int64_t n_rows() const { return dims.empty() ? 1 : n_elements / dims[0]; }
  size_t row_bytes() const { return ggml_row_size(type, dims.empty() ? 1 : dims[0]); }
};

class GgufFile {
 public:
  // Maps and validates a file; throws FormatError (bad content) or Error (cannot open).
  static std::shared_ptr<GgufFile> open(const std::string& path);
  // Validates a copy of bytes in memory (used by tests and fuzzing).
  static std::shared_ptr<GgufFile> from_memory(std::string bytes);

  ~GgufFile();
  GgufFile(const GgufFile&) = delete;
  GgufFile& operator=(const GgufFile&) = delete;

  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  const std::string& path() const { return path_; }
  uint64_t file_size() const { return size_; }
  uint64_t data_offset() const { return data_offset_; }

  // Metadata in file order.
  const std::vector<std::pair<std::string, Value>>& metadata() const { return kv_; }
  const Value* find(std::string_view key) const;
  bool has(std::string_view key) const { return find(key) != nullptr; }

  // Typed look-ups: nullopt when absent; FormatError when present with an incompatible type.
  std::optional<std::string> get_string(std::string_view key) const;
  std::optional<int64_t> get_int(std::string_view key) const;
  std::optional<double> get_float(std::string_view key) const;
  std::optional<bool> get_bool(std::string_view key) const;
  // Arrays: nullopt when absent; FormatError when not an array of a compatible element type.
  std::optional<std::vector<std::string_view>> get_string_array(std::string_view key) const;
  std::optional<std::vector<int64_t>> get_int_array(std::string_view key) const;
  std::optional<std::vector<float>> get_float_array(std::string_view key) const;

  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo* tensor(std::string_view name) const;

  // Tells the kernel that the mapped bytes [p, p + n) will not be read soon (a tensor copied
  // elsewhere at load), so their pages leave the process's resident memory; reading them again
  // maps them back from the file. Only whole pages inside the range are released; nothing
  // happens for in-memory files.
  void release_pages(const void* p, size_t n) const;

 private:
  GgufFile() = default;
  void parse();

  std::string path_;
  const uint8_t* base_ = nullptr;
  uint64_t size_ = 0;
  void* mapping_ = nullptr;  // mmap'd region, or nullptr for in-memory files
  std::string memory_;       // backing bytes of in-memory files
  uint32_t version_ = 0;
  uint64_t alignment_ = 32;
  uint64_t data_offset_ = 0;
  std::vector<std::pair<std::string, Value>> kv_;
  std::map<std::string, size_t, std::less<>> kv_index_;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, size_t, std::less<>> tensor_index_;
};

}  // namespace ruvllm::gguf
