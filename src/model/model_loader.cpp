#include "model/model_loader.h"

#include <cmath>

#include "core/error.h"
#include "kernels/dequantize.h"

namespace ruvllm {

namespace {

std::string shape_string(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string s;
  for (size_t i = 0; i < items.size(); ++i) s += (i ? sep : "") + items[i];
  return s;
}

}  // namespace

ModelLoader::ModelLoader(Model& model, const gguf::GgufFile& file, std::string arch)
    : model_(model), file_(file), arch_(std::move(arch)) {}

bool ModelLoader::has(std::string_view k) const {
  return file_.has(key(k));
}

int64_t ModelLoader::require_int(std::string_view k) const {
  auto v = file_.get_int(key(k));
  if (!v) throw FormatError("model metadata lacks required key " + key(k));
  return *v;
}

std::optional<int64_t> ModelLoader::get_int(std::string_view k) const {
  return file_.get_int(key(k));
}

std::optional<double> ModelLoader::get_float(std::string_view k) const {
  return file_.get_float(key(k));
}

std::optional<std::string> ModelLoader::get_string(std::string_view k) const {
  return file_.get_string(key(k));
}

std::vector<int64_t> ModelLoader::per_layer_int(std::string_view k, int64_t n_layer,
                                                std::optional<int64_t> fallback) const {
  const gguf::Value* v = file_.find(key(k));
  if (!v) {
    if (!fallback) throw FormatError("model metadata lacks required key " + key(k));
    return std::vector<int64_t>(size_t(n_layer), *fallback);
  }
  if (v->type == gguf::ValueType::Array) {
    auto values = *file_.get_int_array(key(k));
    if (int64_t(values.size()) != n_layer)
      throw FormatError(key(k) + " has " + std::to_string(values.size()) + " entries, expected " +
                        std::to_string(n_layer) + " (one per layer)");
    return values;
  }
  return std::vector<int64_t>(size_t(n_layer), require_int(k));
}

bool ModelLoader::has_tensor(const std::string& name) const {
  return file_.tensor(name) != nullptr;
}

const gguf::TensorInfo* ModelLoader::find_checked(const std::string& name,
                                                  const std::vector<int64_t>& dims, bool required,
                                                  bool any_shape) {
  const gguf::TensorInfo* t = file_.tensor(name);
  if (!t) {
    if (required) missing_.push_back(name);
    return nullptr;
  }
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  const bool ok = any_shape ? t->n_elements == n : t->dims == dims;
  if (!ok) {
    problems_.push_back(name + " has shape " + shape_string(t->dims) + ", expected " +
                        shape_string(dims));
    return nullptr;
  }
  return t;
}

kernels::WeightView ModelLoader::matrix(const std::string& name, int64_t cols, int64_t rows,
                                        bool required) {
  const gguf::TensorInfo* t = find_checked(name, {cols, rows}, required, false);
  if (!t) return {};
  if (!kernels::can_matmul(t->type)) {
    unsupported_.push_back(name + " (" + std::string(ggml_type_name(t->type)) + ")");
    return {};
  }
  return kernels::WeightView{t->type, t->data, rows, cols, t->row_bytes()};
}

VectorView ModelLoader::vector(const std::string& name, int64_t n, bool required) {
  const gguf::TensorInfo* t = find_checked(name, {n}, required, true);
  if (!t) return {};
  if (t->type == GgmlType::F32) return VectorView{reinterpret_cast<const float*>(t->data), n};
  if (!kernels::can_dequantize(t->type) || n % ggml_traits(t->type).block_size != 0) {
    unsupported_.push_back(name + " (" + std::string(ggml_type_name(t->type)) + ")");
    return {};
  }
  auto& copy = model_.converted_.emplace_back(size_t(n));
  kernels::dequantize_row(t->type, t->data, copy.data(), n);
  return VectorView{copy.data(), n};
}

void ModelLoader::read_common_hparams(kernels::RopeParams rope) {
  ModelConfig& c = config();
  c.n_embd = require_int("embedding_length");
  c.n_layer = int32_t(require_int("block_count"));
  c.n_ctx_train = require_int("context_length");
  c.n_head = int32_t(require_int("attention.head_count"));
  c.n_ff = get_int("feed_forward_length").value_or(0);
  if (c.n_embd <= 0 || c.n_layer <= 0 || c.n_head <= 0 || c.n_ctx_train <= 0 || c.n_ff < 0)
    throw FormatError("model metadata has a non-positive width, layer, head or context count");
  c.head_dim_k = int32_t(get_int("attention.key_length").value_or(c.n_embd / c.n_head));
  c.head_dim_v = int32_t(get_int("attention.value_length").value_or(c.n_embd / c.n_head));
  if (c.head_dim_k <= 0 || c.head_dim_v <= 0)
    throw FormatError("model metadata gives a non-positive attention head size");
  c.norm_eps = float(get_float("attention.layer_norm_rms_epsilon").value_or(1e-5));
  c.attention_scale = 1.0f / std::sqrt(float(c.head_dim_k));

  const auto* embd = file_.tensor("token_embd.weight");
  if (embd && embd->dims.size() == 2) c.n_vocab = embd->dims[1];
  if (auto v = get_int("vocab_size"); v && c.n_vocab == 0) c.n_vocab = *v;

  rope.n_dims = int32_t(get_int("rope.dimension_count").value_or(c.head_dim_k));
  if (rope.n_dims <= 0 || rope.n_dims > c.head_dim_k || rope.n_dims % 2 != 0)
    throw FormatError(key("rope.dimension_count") + " must be even and at most the head size");
  rope.freq_base = float(get_float("rope.freq_base").value_or(rope.freq_base));
  std::optional<double> factor = get_float("rope.scaling.factor");
  if (!factor) factor = get_float("rope.scale_linear");
  if (factor && *factor > 0) rope.freq_scale = float(1.0 / *factor);
  rope.n_ctx_orig =
      int32_t(get_int("rope.scaling.original_context_length").value_or(c.n_ctx_train));
  rope.attn_factor = float(get_float("rope.scaling.attn_factor").value_or(1.0));
  const std::string scaling = get_string("rope.scaling.type").value_or("none");
  if (scaling == "yarn") {
    rope.ext_factor = 1.0f;
    rope.beta_fast = float(get_float("rope.scaling.yarn_beta_fast").value_or(32.0));
    rope.beta_slow = float(get_float("rope.scaling.yarn_beta_slow").value_or(1.0));
  } else if (scaling != "none" && scaling != "linear" && scaling != "longrope") {
    throw UnsupportedError("unsupported rope scaling type '" + scaling + "' (supported: none, " +
                           "linear, yarn, longrope)");
  }

  auto n_head_kv = per_layer_int("attention.head_count_kv", c.n_layer, c.n_head);
  c.layers.assign(size_t(c.n_layer), LayerConfig{});
  weights().layers.assign(size_t(c.n_layer), LayerWeights{});
  for (int il = 0; il < c.n_layer; ++il) {
    LayerConfig& l = c.layers[size_t(il)];
    l.n_head_kv = int32_t(n_head_kv[size_t(il)]);
    if (l.n_head_kv < 0 || (l.n_head_kv > 0 && c.n_head % l.n_head_kv != 0))
      throw FormatError(key("attention.head_count_kv") + " of layer " + std::to_string(il) +
                        " must divide the head count");
    l.rope = rope;
  }
}

void ModelLoader::finish() const {
  if (!missing_.empty() || !problems_.empty()) {
    std::string msg = "model '" + file_.path() + "' (" + arch_ + ") cannot be loaded:";
    if (!missing_.empty()) msg += " missing tensors: " + join(missing_, ", ") + ".";
    if (!problems_.empty()) msg += " " + join(problems_, "; ") + ".";
    throw FormatError(msg);
  }
  if (!unsupported_.empty())
    throw UnsupportedError("model '" + file_.path() + "' has tensors of types this build has no " +
                           "kernels for: " + join(unsupported_, ", "));
}

int32_t ModelConfig::n_attention_layers() const {
  int32_t n = 0;
  for (const auto& l : layers) n += l.kind == LayerKind::Attention;
  return n;
}

int32_t ModelConfig::n_conv_layers() const {
  int32_t n = 0;
  for (const auto& l : layers) n += l.kind == LayerKind::ShortConv;
  return n;
}

}  // namespace ruvllm
