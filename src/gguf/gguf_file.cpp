#include "gguf/gguf_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/error.h"

namespace ruvllm::gguf {
namespace {

constexpr uint32_t kMaxDims = 4;   // GGML_MAX_DIMS
constexpr int kMaxArrayDepth = 2;  // arrays of arrays of scalars at most
constexpr uint64_t kMaxKeyLength = 65535;

std::string hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// Bounds-checked little-endian reader over the file bytes.
class Cursor {
 public:
  Cursor(const uint8_t* base, uint64_t size) : base_(base), size_(size) {}

  uint64_t pos() const { return pos_; }
  uint64_t remaining() const { return size_ - pos_; }

  [[noreturn]] void fail(const std::string& what) const {
    throw FormatError("invalid GGUF at offset " + std::to_string(pos_) + ": " + what);
  }

  void need(uint64_t n, const char* what) const {
    if (n > remaining())
      fail(std::string("file ends inside ") + what + " (need " + std::to_string(n) + " bytes, " +
           std::to_string(remaining()) + " left)");
  }

  template <typename T>
  T read(const char* what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, base_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }

  std::string_view read_string(const char* what) {
    const uint64_t len = read<uint64_t>(what);
    if (len > remaining())
      fail(std::string(what) + " length " + std::to_string(len) + " exceeds the " +
           std::to_string(remaining()) + " bytes left");
    std::string_view s(reinterpret_cast<const char*>(base_ + pos_), size_t(len));
    pos_ += len;
    return s;
  }

 private:
  const uint8_t* base_;
  uint64_t size_;
  uint64_t pos_ = 0;
};

// Smallest encoded size of one value of a type (used to bound counts before allocating).
uint64_t min_encoded_size(ValueType t) {
  switch (t) {
    case ValueType::U8:
    case ValueType::I8:
    case ValueType::Bool:
      return 1;
    case ValueType::U16:
    case ValueType::I16:
      return 2;
    case ValueType::U32:
    case ValueType::I32:
    case ValueType::F32:
      return 4;
    case ValueType::U64:
    case ValueType::I64:
    case ValueType::F64:
    case ValueType::String:
      return 8;
    case ValueType::Array:
      return 12;
  }
  return 1;
}

bool known_value_type(uint32_t t) {
  return t <= 12;
}

Value read_value(Cursor& c, ValueType type, int depth, const std::string& key) {
  Value v;
  v.type = type;
  switch (type) {
    case ValueType::U8:
      v.u = c.read<uint8_t>("u8 value");
      break;
    case ValueType::I8:
      v.i = c.read<int8_t>("i8 value");
      break;
    case ValueType::U16:
      v.u = c.read<uint16_t>("u16 value");
      break;
    case ValueType::I16:
      v.i = c.read<int16_t>("i16 value");
      break;
    case ValueType::U32:
      v.u = c.read<uint32_t>("u32 value");
      break;
    case ValueType::I32:
      v.i = c.read<int32_t>("i32 value");
      break;
    case ValueType::U64:
      v.u = c.read<uint64_t>("u64 value");
      break;
    case ValueType::I64:
      v.i = c.read<int64_t>("i64 value");
      break;
    case ValueType::F32:
      v.f = c.read<float>("f32 value");
      break;
    case ValueType::F64:
      v.f = c.read<double>("f64 value");
      break;
    case ValueType::Bool: {
      const uint8_t b = c.read<uint8_t>("bool value");
      if (b > 1)
        c.fail("metadata '" + key + "': bool value " + std::to_string(b) + " is not 0 or 1");
      v.u = b;
      break;
    }
    case ValueType::String:
      v.s = c.read_string("string value");
      break;
    case ValueType::Array: {
      if (depth >= kMaxArrayDepth) c.fail("metadata '" + key + "': arrays nested too deeply");
      const uint32_t et = c.read<uint32_t>("array element type");
      if (!known_value_type(et))
        c.fail("metadata '" + key + "': unknown array element type " + std::to_string(et));
      const uint64_t count = c.read<uint64_t>("array length");
      v.elem_type = ValueType(et);
      if (count > c.remaining() / min_encoded_size(v.elem_type))
        c.fail("metadata '" + key + "': array of " + std::to_string(count) +
               " elements cannot fit in the " + std::to_string(c.remaining()) + " bytes left");
      v.array.reserve(size_t(count));
      for (uint64_t k = 0; k < count; ++k)
        v.array.push_back(read_value(c, v.elem_type, depth + 1, key));
      break;
    }
  }
  return v;
}

}  // namespace

std::string_view value_type_name(ValueType t) {
  switch (t) {
    case ValueType::U8:
      return "u8";
    case ValueType::I8:
      return "i8";
    case ValueType::U16:
      return "u16";
    case ValueType::I16:
      return "i16";
    case ValueType::U32:
      return "u32";
    case ValueType::I32:
      return "i32";
    case ValueType::F32:
      return "f32";
    case ValueType::Bool:
      return "bool";
    case ValueType::String:
      return "string";
    case ValueType::Array:
      return "array";
    case ValueType::U64:
      return "u64";
    case ValueType::I64:
      return "i64";
    case ValueType::F64:
      return "f64";
  }
  return "?";
}

bool Value::is_integer() const {
  switch (type) {
    case ValueType::U8:
    case ValueType::I8:
    case ValueType::U16:
    case ValueType::I16:
    case ValueType::U32:
    case ValueType::I32:
    case ValueType::U64:
    case ValueType::I64:
      return true;
    default:
      return false;
  }
}

bool Value::is_float() const {
  return type == ValueType::F32 || type == ValueType::F64;
}

std::optional<int64_t> Value::as_int() const {
  switch (type) {
    case ValueType::U8:
    case ValueType::U16:
    case ValueType::U32:
    case ValueType::Bool:
      return int64_t(u);
    case ValueType::U64:
      if (u > uint64_t(std::numeric_limits<int64_t>::max())) return std::nullopt;
      return int64_t(u);
    case ValueType::I8:
    case ValueType::I16:
    case ValueType::I32:
    case ValueType::I64:
      return i;
    default:
      return std::nullopt;
  }
}

std::optional<double> Value::as_number() const {
  if (is_float()) return f;
  if (type == ValueType::U64) return double(u);
  if (auto v = as_int()) return double(*v);
  return std::nullopt;
}

std::shared_ptr<GgufFile> GgufFile::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error("cannot open '" + path + "': " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error("'" + path + "' is not a regular file");
  }
  std::shared_ptr<GgufFile> f(new GgufFile());
  f->path_ = path;
  f->size_ = uint64_t(st.st_size);
  if (f->size_ > 0) {
    void* m = ::mmap(nullptr, size_t(f->size_), PROT_READ, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) {
      const int err = errno;
      ::close(fd);
      throw Error("cannot map '" + path + "': " + std::strerror(err));
    }
    f->mapping_ = m;
    f->base_ = static_cast<const uint8_t*>(m);
  }
  ::close(fd);
  try {
    f->parse();
  } catch (const FormatError& e) {
    throw FormatError("'" + path + "': " + e.what());
  }
  return f;
}

std::shared_ptr<GgufFile> GgufFile::from_memory(std::string bytes) {
  std::shared_ptr<GgufFile> f(new GgufFile());
  f->path_ = "<memory>";
  f->memory_ = std::move(bytes);
  f->base_ = reinterpret_cast<const uint8_t*>(f->memory_.data());
  f->size_ = f->memory_.size();
  f->parse();
  return f;
}

void GgufFile::release_pages(const void* p, size_t n) const {
  const auto* begin = static_cast<const uint8_t*>(p);
  if (!mapping_ || begin < base_ || begin + n > base_ + size_) return;
  const uintptr_t page = uintptr_t(::sysconf(_SC_PAGESIZE));
  const uintptr_t first = (reinterpret_cast<uintptr_t>(begin) + page - 1) & ~(page - 1);
  const uintptr_t last = (reinterpret_cast<uintptr_t>(begin) + n) & ~(page - 1);
  if (first < last) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

GgufFile::~GgufFile() {
  if (mapping_) ::munmap(mapping_, size_t(size_));
}

void GgufFile::parse() {
  Cursor c(base_, size_);
  const uint32_t magic = c.read<uint32_t>("magic");
  if (magic != 0x46554747u) {  // "GGUF"
    if (magic == 0x47475546u) c.fail("big-endian GGUF files are not supported");
    c.fail("not a GGUF file (magic " + hex(magic) + ")");
  }
  version_ = c.read<uint32_t>("version");
  if (version_ == 1) c.fail("GGUF version 1 is obsolete; re-convert the model");
  if (version_ != 2 && version_ != 3) {
    if ((version_ & 0xFFFF) == 0 && (version_ >> 16) != 0)
      c.fail("version " + hex(version_) + " looks byte-swapped (big-endian file)");
    c.fail("unsupported GGUF version " + std::to_string(version_));
  }
  const uint64_t n_tensors = c.read<uint64_t>("tensor count");
  const uint64_t n_kv = c.read<uint64_t>("metadata count");
  // A key/value pair takes at least 8 (key length) + 4 (type) + 1 bytes; a tensor info at least
  // 8 (name) + 4 (dims) + 4 (type) + 8 (offset).
  if (n_kv > c.remaining() / 13)
    c.fail("metadata count " + std::to_string(n_kv) + " cannot fit in the file");
  if (n_tensors > c.remaining() / 24)
    c.fail("tensor count " + std::to_string(n_tensors) + " cannot fit in the file");

  kv_.reserve(size_t(n_kv));
  for (uint64_t k = 0; k < n_kv; ++k) {
    const std::string_view key = c.read_string("metadata key");
    if (key.empty()) c.fail("metadata key " + std::to_string(k) + " is empty");
    if (key.size() > kMaxKeyLength) c.fail("metadata key " + std::to_string(k) + " is too long");
    std::string key_str(key);
    if (kv_index_.count(key_str)) c.fail("duplicate metadata key '" + key_str + "'");
    const uint32_t type = c.read<uint32_t>("metadata value type");
    if (!known_value_type(type))
      c.fail("metadata '" + key_str + "' has unknown value type " + std::to_string(type));
    Value v = read_value(c, ValueType(type), 0, key_str);
    kv_index_.emplace(key_str, kv_.size());
    kv_.emplace_back(std::move(key_str), std::move(v));
  }

  if (const Value* a = find("general.alignment")) {
    const auto al = a->as_int();
    if (!al || *al <= 0 || (*al & (*al - 1)) != 0 || *al > (1 << 30))
      c.fail("general.alignment must be a positive power of two");
    alignment_ = uint64_t(*al);
  }

  tensors_.reserve(size_t(n_tensors));
  for (uint64_t k = 0; k < n_tensors; ++k) {
    TensorInfo t;
    const std::string_view name = c.read_string("tensor name");
    t.name = std::string(name);
    if (t.name.empty()) c.fail("tensor " + std::to_string(k) + " has an empty name");
    if (tensor_index_.count(t.name)) c.fail("duplicate tensor name '" + t.name + "'");
    const uint32_t n_dims = c.read<uint32_t>("tensor dimension count");
    if (n_dims > kMaxDims)
      c.fail("tensor '" + t.name + "' has " + std::to_string(n_dims) + " dimensions (max 4)");
    int64_t n = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      const uint64_t dim = c.read<uint64_t>("tensor dimension");
      if (dim > uint64_t(std::numeric_limits<int64_t>::max()))
        c.fail("tensor '" + t.name + "' dimension " + std::to_string(d) + " is negative");
      if (dim != 0 && n > std::numeric_limits<int64_t>::max() / int64_t(dim))
        c.fail("tensor '" + t.name + "' element count overflows");
      n *= int64_t(dim);
      t.dims.push_back(int64_t(dim));
    }
    const uint32_t type = c.read<uint32_t>("tensor type");
    const auto traits = ggml_type_traits(type);
    if (!traits) c.fail("tensor '" + t.name + "' has unknown type " + std::to_string(type));
    t.type = traits->type;
    t.n_elements = n;
    const int64_t row = t.dims.empty() ? 1 : t.dims[0];
    if (row % traits->block_size != 0)
      c.fail("tensor '" + t.name + "' row of " + std::to_string(row) +
             " elements is not a multiple of the " + std::string(traits->name) + " block size " +
             std::to_string(traits->block_size));
    const uint64_t blocks = uint64_t(n) / traits->block_size;
    if (blocks != 0 && traits->type_size > std::numeric_limits<uint64_t>::max() / blocks)
      c.fail("tensor '" + t.name + "' byte size overflows");
    t.n_bytes = blocks * traits->type_size;
    t.offset = c.read<uint64_t>("tensor offset");
    if (t.offset % alignment_ != 0)
      c.fail("tensor '" + t.name + "' offset " + std::to_string(t.offset) + " is not aligned to " +
             std::to_string(alignment_));
    tensor_index_.emplace(t.name, tensors_.size());
    tensors_.push_back(std::move(t));
  }

  // The data section starts at the next multiple of the alignment.
  const uint64_t pos = c.pos();
  data_offset_ = (pos + alignment_ - 1) / alignment_ * alignment_;
  if (!tensors_.empty() && data_offset_ > size_) c.fail("file ends before the tensor data");
  const uint64_t data_size = size_ > data_offset_ ? size_ - data_offset_ : 0;

  // Tensors must lie inside the file and must not overlap.
  std::vector<std::pair<uint64_t, uint64_t>> spans;
  for (auto& t : tensors_) {
    if (t.offset > data_size || t.n_bytes > data_size - t.offset)
      throw FormatError("invalid GGUF: tensor '" + t.name + "' (" + std::to_string(t.n_bytes) +
                        " bytes at data offset " + std::to_string(t.offset) +
                        ") extends past the end of the file (" + std::to_string(data_size) +
                        " data bytes)");
    t.data = base_ + data_offset_ + t.offset;
    if (t.n_bytes) spans.emplace_back(t.offset, t.offset + t.n_bytes);
  }
  std::sort(spans.begin(), spans.end());
  for (size_t k = 1; k < spans.size(); ++k)
    if (spans[k].first < spans[k - 1].second)
      throw FormatError("invalid GGUF: tensor data regions overlap at data offset " +
                        std::to_string(spans[k].first));
}

const Value* GgufFile::find(std::string_view key) const {
  auto it = kv_index_.find(key);
  return it == kv_index_.end() ? nullptr : &kv_[it->second].second;
}

namespace {
[[noreturn]] void type_error(std::string_view key, const Value& v, const char* wanted) {
  throw FormatError("metadata '" + std::string(key) + "' is a " +
                    std::string(value_type_name(v.type)) + ", expected " + wanted);
}
}  // namespace

std::optional<std::string> GgufFile::get_string(std::string_view key) const {
  const Value* v = find(key);
  if (!v) return std::nullopt;
  if (v->type != ValueType::String) type_error(key, *v, "a string");
  return std::string(v->s);
}

std::optional<int64_t> GgufFile::get_int(std::string_view key) const {
  const Value* v = find(key);
  if (!v) return std::nullopt;
  if (auto i = v->as_int()) return i;
  type_error(key, *v, "an integer");
}

std::optional<double> GgufFile::get_float(std::string_view key) const {
  const Value* v = find(key);
  if (!v) return std::nullopt;
  if (auto d = v->as_number()) return d;
  type_error(key, *v, "a number");
}

std::optional<bool> GgufFile::get_bool(std::string_view key) const {
  const Value* v = find(key);
  if (!v) return std::nullopt;
  if (v->type == ValueType::Bool) return v->u != 0;
  if (auto i = v->as_int()) return *i != 0;
  type_error(key, *v, "a bool");
}

std::optional<std::vector<std::string_view>> GgufFile::get_string_array(
    std::string_view key) const {
  const Value* v = find(key);
  if (!v) return std::nullopt;
  if (v->type != ValueType::Array || v->elem_type != ValueType::String)
    type_error(key, *v, "an array of strings");
  std::vector<std::string_view> out;
  out.reserve(v->array.size());
  for (const auto& e : v->array) out.push_back(e.s);
  return out;
}

std::optional<std::vector<int64_t>> GgufFile::get_int_array(std::string_view key) const {
  const Value* v = find(key);
  if (!v) return std::nullopt;
  if (v->type != ValueType::Array) {
    // A scalar where a per-layer array is allowed: callers broadcast a one-element array.
    if (auto i = v->as_int()) return std::vector<int64_t>{*i};
    type_error(key, *v, "an array of integers");
  }
  std::vector<int64_t> out;
  out.reserve(v->array.size());
  for (const auto& e : v->array) {
    auto i = e.as_int();
    if (!i) type_error(key, *v, "an array of integers");
    out.push_back(*i);
  }
  return out;
}

std::optional<std::vector<float>> GgufFile::get_float_array(std::string_view key) const {
  const Value* v = find(key);
  if (!v) return std::nullopt;
  if (v->type != ValueType::Array) {
    if (auto d = v->as_number()) return std::vector<float>{float(*d)};
    type_error(key, *v, "an array of numbers");
  }
  std::vector<float> out;
  out.reserve(v->array.size());
  for (const auto& e : v->array) {
    auto d = e.as_number();
    if (!d) type_error(key, *v, "an array of numbers");
    out.push_back(float(*d));
  }
  return out;
}

const TensorInfo* GgufFile::tensor(std::string_view name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

}  // namespace ruvllm::gguf
