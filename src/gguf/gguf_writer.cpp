#include "gguf/gguf_writer.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/error.h"

namespace ruvllm::gguf {
namespace {

template <typename T>
void put(std::string& out, T v) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));
  out.append(buf, sizeof(T));
}

void put_string(std::string& out, std::string_view s) {
  put<uint64_t>(out, s.size());
  out.append(s.data(), s.size());
}

void encode_value(std::string& out, const Value& v) {
  switch (v.type) {
    case ValueType::U8:
      put<uint8_t>(out, uint8_t(v.u));
      break;
    case ValueType::I8:
      put<int8_t>(out, int8_t(v.i));
      break;
    case ValueType::U16:
      put<uint16_t>(out, uint16_t(v.u));
      break;
    case ValueType::I16:
      put<int16_t>(out, int16_t(v.i));
      break;
    case ValueType::U32:
      put<uint32_t>(out, uint32_t(v.u));
      break;
    case ValueType::I32:
      put<int32_t>(out, int32_t(v.i));
      break;
    case ValueType::U64:
      put<uint64_t>(out, v.u);
      break;
    case ValueType::I64:
      put<int64_t>(out, v.i);
      break;
    case ValueType::F32:
      put<float>(out, float(v.f));
      break;
    case ValueType::F64:
      put<double>(out, v.f);
      break;
    case ValueType::Bool:
      put<uint8_t>(out, v.u ? 1 : 0);
      break;
    case ValueType::String:
      put_string(out, v.s);
      break;
    case ValueType::Array:
      put<uint32_t>(out, uint32_t(v.elem_type));
      put<uint64_t>(out, v.array.size());
      for (const auto& e : v.array) encode_value(out, e);
      break;
  }
}

}  // namespace

void GgufWriter::set_raw(std::string key, ValueType type, std::string encoded) {
  std::string full;
  put<uint32_t>(full, uint32_t(type));
  full += encoded;
  for (auto& kv : kv_)
    if (kv.first == key) {
      kv.second = std::move(full);
      return;
    }
  kv_.emplace_back(std::move(key), std::move(full));
}

void GgufWriter::set_string(std::string key, std::string value) {
  std::string e;
  put_string(e, value);
  set_raw(std::move(key), ValueType::String, std::move(e));
}
void GgufWriter::set_u32(std::string key, uint32_t value) {
  std::string e;
  put(e, value);
  set_raw(std::move(key), ValueType::U32, std::move(e));
}
void GgufWriter::set_i32(std::string key, int32_t value) {
  std::string e;
  put(e, value);
  set_raw(std::move(key), ValueType::I32, std::move(e));
}
void GgufWriter::set_u64(std::string key, uint64_t value) {
  std::string e;
  put(e, value);
  set_raw(std::move(key), ValueType::U64, std::move(e));
}
void GgufWriter::set_f32(std::string key, float value) {
  std::string e;
  put(e, value);
  set_raw(std::move(key), ValueType::F32, std::move(e));
}
void GgufWriter::set_bool(std::string key, bool value) {
  std::string e;
  put<uint8_t>(e, value ? 1 : 0);
  set_raw(std::move(key), ValueType::Bool, std::move(e));
}
void GgufWriter::set_string_array(std::string key, const std::vector<std::string>& values) {
  std::string e;
  put<uint32_t>(e, uint32_t(ValueType::String));
  put<uint64_t>(e, values.size());
  for (const auto& s : values) put_string(e, s);
  set_raw(std::move(key), ValueType::Array, std::move(e));
}
void GgufWriter::set_f32_array(std::string key, const std::vector<float>& values) {
  std::string e;
  put<uint32_t>(e, uint32_t(ValueType::F32));
  put<uint64_t>(e, values.size());
  for (float f : values) put(e, f);
  set_raw(std::move(key), ValueType::Array, std::move(e));
}
void GgufWriter::set_i32_array(std::string key, const std::vector<int32_t>& values) {
  std::string e;
  put<uint32_t>(e, uint32_t(ValueType::I32));
  put<uint64_t>(e, values.size());
  for (int32_t v : values) put(e, v);
  set_raw(std::move(key), ValueType::Array, std::move(e));
}
void GgufWriter::set_value(std::string key, const Value& value) {
  std::string e;
  encode_value(e, value);
  set_raw(std::move(key), value.type, std::move(e));
}

void GgufWriter::add_tensor(std::string name, GgmlType type, std::vector<int64_t> dims,
                            std::string data) {
  Tensor t{std::move(name), type, std::move(dims), std::move(data), nullptr, 0, {}};
  t.n_bytes = t.owned.size();
  tensors_.push_back(std::move(t));
}

void GgufWriter::add_tensor_ref(std::string name, GgmlType type, std::vector<int64_t> dims,
                                const void* data, size_t n_bytes) {
  tensors_.push_back(Tensor{std::move(name), type, std::move(dims), {}, data, n_bytes, {}});
}

void GgufWriter::add_tensor_lazy(std::string name, GgmlType type, std::vector<int64_t> dims,
                                 size_t n_bytes, std::function<std::string()> produce) {
  Tensor t{std::move(name), type, std::move(dims), {}, nullptr, n_bytes, std::move(produce)};
  tensors_.push_back(std::move(t));
}

template <typename Sink>
void GgufWriter::emit(Sink& sink) const {
  std::string head;
  put<uint32_t>(head, 0x46554747u);
  put<uint32_t>(head, 3);
  put<uint64_t>(head, tensors_.size());
  put<uint64_t>(head, kv_.size());
  for (const auto& [key, encoded] : kv_) {
    put_string(head, key);
    head += encoded;
  }
  uint64_t offset = 0;
  std::vector<uint64_t> offsets;
  for (const auto& t : tensors_) {
    int64_t n = 1;
    for (auto d : t.dims) n *= d;
    const size_t expect = ggml_row_size(t.type, t.dims.empty() ? 1 : t.dims[0]) *
                          size_t(n / (t.dims.empty() ? 1 : t.dims[0]));
    if (expect != t.n_bytes)
      throw Error("tensor '" + t.name + "': " + std::to_string(t.n_bytes) + " bytes given, " +
                  std::to_string(expect) + " expected for its shape and type");
    put_string(head, t.name);
    put<uint32_t>(head, uint32_t(t.dims.size()));
    for (auto d : t.dims) put<uint64_t>(head, uint64_t(d));
    put<uint32_t>(head, uint32_t(t.type));
    put<uint64_t>(head, offset);
    offsets.push_back(offset);
    offset += (t.n_bytes + alignment_ - 1) / alignment_ * alignment_;
  }
  head.resize((head.size() + alignment_ - 1) / alignment_ * alignment_, '\0');
  sink(head.data(), head.size());
  const std::string zeros(alignment_, '\0');
  for (const auto& t : tensors_) {
    if (t.produce) {
      const std::string bytes = t.produce();
      if (bytes.size() != t.n_bytes)
        throw Error("tensor '" + t.name + "': producer gave " + std::to_string(bytes.size()) +
                    " bytes, " + std::to_string(t.n_bytes) + " expected");
      sink(bytes.data(), bytes.size());
    } else {
      sink(t.ref ? t.ref : t.owned.data(), t.n_bytes);
    }
    const size_t pad = (alignment_ - t.n_bytes % alignment_) % alignment_;
    sink(zeros.data(), pad);
  }
}

std::string GgufWriter::to_bytes() const {
  std::string out;
  auto sink = [&](const void* p, size_t n) { out.append(static_cast<const char*>(p), n); };
  emit(sink);
  return out;
}

void GgufWriter::write(const std::string& path) const {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw Error("cannot create '" + path + "': " + std::strerror(errno));
  bool ok = true;
  auto sink = [&](const void* p, size_t n) {
    if (n && std::fwrite(p, 1, n, f) != n) ok = false;
  };
  try {
    emit(sink);
  } catch (...) {
    std::fclose(f);
    std::remove(path.c_str());
    throw;
  }
  if (std::fclose(f) != 0) ok = false;
  if (!ok) {
    std::remove(path.c_str());
    throw Error("writing '" + path + "' failed: " + std::strerror(errno));
  }
}

}  // namespace ruvllm::gguf
