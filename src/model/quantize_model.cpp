#include "model/quantize_model.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <string>

#include "core/error.h"
#include "gguf/gguf_writer.h"
#include "kernels/dequantize.h"
#include "kernels/quantize.h"

namespace ruvllm::model {
namespace {

struct MixInfo {
  QuantMix mix;
  std::string_view name;
  uint32_t file_type;  // LLAMA_FTYPE_*
  GgmlType base;
};

constexpr std::array kMixes = {
    MixInfo{QuantMix::F32, "f32", 0, GgmlType::F32},
    MixInfo{QuantMix::F16, "f16", 1, GgmlType::F16},
    MixInfo{QuantMix::BF16, "bf16", 32, GgmlType::BF16},
    MixInfo{QuantMix::Q8_0, "q8_0", 7, GgmlType::Q8_0},
    MixInfo{QuantMix::Q4_0, "q4_0", 2, GgmlType::Q4_0},
    MixInfo{QuantMix::Q4_1, "q4_1", 3, GgmlType::Q4_1},
    MixInfo{QuantMix::Q5_0, "q5_0", 8, GgmlType::Q5_0},
    MixInfo{QuantMix::Q5_1, "q5_1", 9, GgmlType::Q5_1},
    MixInfo{QuantMix::Q2_K, "q2_k", 10, GgmlType::Q2_K},
    MixInfo{QuantMix::Q3_K_S, "q3_k_s", 11, GgmlType::Q3_K},
    MixInfo{QuantMix::Q3_K_M, "q3_k_m", 12, GgmlType::Q3_K},
    MixInfo{QuantMix::Q3_K_L, "q3_k_l", 13, GgmlType::Q3_K},
    MixInfo{QuantMix::Q4_K_S, "q4_k_s", 14, GgmlType::Q4_K},
    MixInfo{QuantMix::Q4_K_M, "q4_k_m", 15, GgmlType::Q4_K},
    MixInfo{QuantMix::Q5_K_S, "q5_k_s", 16, GgmlType::Q5_K},
    MixInfo{QuantMix::Q5_K_M, "q5_k_m", 17, GgmlType::Q5_K},
    MixInfo{QuantMix::Q6_K, "q6_k", 18, GgmlType::Q6_K},
    MixInfo{QuantMix::IQ4_NL, "iq4_nl", 25, GgmlType::IQ4_NL},
    MixInfo{QuantMix::IQ4_XS, "iq4_xs", 30, GgmlType::IQ4_XS},
};

// Names llama.cpp accepts for the _M mixes.
constexpr std::array<std::pair<std::string_view, QuantMix>, 3> kAliases = {
    std::pair{"q3_k", QuantMix::Q3_K_M}, std::pair{"q4_k", QuantMix::Q4_K_M},
    std::pair{"q5_k", QuantMix::Q5_K_M}};

const MixInfo& info(QuantMix mix) {
  for (const auto& m : kMixes)
    if (m.mix == mix) return m;
  return kMixes[0];
}

bool contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

// Dimensions that count, as ggml_n_dims: trailing 1s do not make a tensor 2-D.
int n_dims(const gguf::TensorInfo& t) {
  int n = int(t.dims.size());
  while (n > 1 && t.dims[size_t(n - 1)] == 1) --n;
  return std::max(n, 1);
}

// Which tensors llama.cpp quantizes: weight matrices, minus norms and small special matrices.
bool is_quantizable(const gguf::TensorInfo& t) {
  const std::string_view name = t.name;
  if (name.size() < 6 || name.substr(name.size() - 6) != "weight") return false;
  if (n_dims(t) < 2) return false;
  static constexpr std::string_view kKeepParts[] = {"_norm.weight",
                                                    "ffn_gate_inp.weight",
                                                    "altup",
                                                    "laurel",
                                                    "per_layer_model_proj",
                                                    "ssm_conv1d.weight",
                                                    "shortconv.conv.weight",
                                                    "time_mix_first.weight",
                                                    "time_mix_w0.weight",
                                                    "time_mix_w1.weight",
                                                    "time_mix_w2.weight",
                                                    "time_mix_v0.weight",
                                                    "time_mix_v1.weight",
                                                    "time_mix_v2.weight",
                                                    "time_mix_a0.weight",
                                                    "time_mix_a1.weight",
                                                    "time_mix_a2.weight",
                                                    "time_mix_g1.weight",
                                                    "time_mix_g2.weight",
                                                    "time_mix_decay_w1.weight",
                                                    "time_mix_decay_w2.weight",
                                                    "time_mix_lerp_fused.weight",
                                                    "attn_rel_b.weight"};
  for (auto part : kKeepParts)
    if (contains(name, part)) return false;
  return name != "position_embd.weight" && name != "token_types.weight";
}

// Facts about the model that llama.cpp's rules look at.
struct ModelFacts {
  std::string arch;
  int n_layer = 0;
  int n_gqa = 0;  // query heads per KV head (layer 0)
  int n_expert = 0;
  int n_attention_wv = 0;
  bool has_output = false;
};

int64_t first_int(const gguf::GgufFile& f, const std::string& key) {
  const gguf::Value* v = f.find(key);
  if (!v) return 0;
  if (v->type == gguf::ValueType::Array)
    return v->array.empty() ? 0 : v->array[0].as_int().value_or(0);
  return v->as_int().value_or(0);
}

ModelFacts model_facts(const gguf::GgufFile& f) {
  ModelFacts m;
  m.arch = f.get_string("general.architecture").value_or("");
  m.n_layer = int(first_int(f, m.arch + ".block_count"));
  const int64_t n_head = first_int(f, m.arch + ".attention.head_count");
  int64_t n_head_kv = n_head;
  if (f.has(m.arch + ".attention.head_count_kv"))
    n_head_kv = first_int(f, m.arch + ".attention.head_count_kv");
  m.n_gqa = n_head_kv > 0 ? int(n_head / n_head_kv) : 0;
  m.n_expert = int(first_int(f, m.arch + ".expert_count"));
  int ffn_down = 0;
  for (const auto& t : f.tensors()) {
    if (contains(t.name, "attn_v.weight") || contains(t.name, "attn_qkv.weight") ||
        contains(t.name, "attn_kv_b.weight"))
      ++m.n_attention_wv;
    else if (t.name == "output.weight")
      m.has_output = true;
    if (contains(t.name, "ffn_down")) ++ffn_down;
  }
  if (m.n_layer <= 0) m.n_layer = std::max(ffn_down, 1);
  return m;
}

// Layers that get more bits in the _M mixes: the first and last eighth, and every third between.
bool use_more_bits(int i_layer, int n_layers) {
  return i_layer < n_layers / 8 || i_layer >= 7 * n_layers / 8 || (i_layer - n_layers / 8) % 3 == 2;
}

// The per-tensor rules of llama.cpp's quantizer (llama_tensor_get_type) for the mixes above.
class TypeChooser {
 public:
  TypeChooser(const ModelFacts& facts, QuantMix mix) : m_(facts), mix_(mix) {}

  GgmlType choose(const gguf::TensorInfo& t, GgmlType type) {
    const std::string& name = t.name;
    const bool big_70b = m_.arch == "llama" && m_.n_layer == 80;
    if (name == "output.weight" || (!m_.has_output && name == "token_embd.weight")) {
      if (m_.arch == "falcon" || t.dims[0] % ggml_traits(type).block_size != 0)
        return GgmlType::Q8_0;
      return type == GgmlType::Q8_0 ? type : GgmlType::Q6_K;
    }
    if (name == "token_embd.weight" || name == "per_layer_token_embd.weight") return type;
    if (contains(name, "attn_v.weight")) {
      const int i = i_attention_wv_++;
      if (mix_ == QuantMix::Q2_K) {
        type = m_.n_gqa >= 4 ? GgmlType::Q4_K : GgmlType::Q3_K;
      } else if (mix_ == QuantMix::Q3_K_M) {
        type = i < 2 ? GgmlType::Q5_K : GgmlType::Q4_K;
      } else if (mix_ == QuantMix::Q3_K_L) {
        type = GgmlType::Q5_K;
      } else if (iq4() && m_.n_gqa >= 4) {
        type = GgmlType::Q5_K;
      } else if ((mix_ == QuantMix::Q4_K_M || mix_ == QuantMix::Q5_K_M) &&
                 use_more_bits(i, m_.n_attention_wv)) {
        type = GgmlType::Q6_K;
      } else if (mix_ == QuantMix::Q4_K_S && i < 4) {
        type = GgmlType::Q5_K;
      }
      // 70B llama shares attn_v across 8 heads: more bits there cost little.
      if (big_70b && (type == GgmlType::Q3_K || type == GgmlType::Q4_K)) type = GgmlType::Q5_K;
      if (m_.n_expert == 8) type = GgmlType::Q8_0;
      return type;
    }
    if (contains(name, "attn_k.weight")) return m_.n_expert == 8 ? GgmlType::Q8_0 : type;
    if (contains(name, "ffn_down")) return choose_ffn_down(name, type);
    if (contains(name, "attn_output.weight")) return choose_attn_output(type);
    if (contains(name, "attn_qkv.weight")) {
      if (mix_ == QuantMix::Q3_K_M || mix_ == QuantMix::Q3_K_L) return GgmlType::Q4_K;
      if (mix_ == QuantMix::Q4_K_M) return GgmlType::Q5_K;
      if (mix_ == QuantMix::Q5_K_M) return GgmlType::Q6_K;
    }
    return type;
  }

 private:
  bool iq4() const { return mix_ == QuantMix::IQ4_NL || mix_ == QuantMix::IQ4_XS; }

  GgmlType choose_ffn_down(const std::string& name, GgmlType type) {
    int i_layer = i_ffn_down_++;
    const int n_layer = m_.n_layer;
    // Expert tensors are not in layer order: read the layer from the name.
    if (m_.n_expert > 1 && std::sscanf(name.c_str(), "blk.%d.", &i_layer) != 1)
      throw FormatError("cannot read the layer number of tensor " + name);
    const bool falcon = m_.arch == "falcon";
    switch (mix_) {
      case QuantMix::Q2_K:
        return GgmlType::Q3_K;
      case QuantMix::Q3_K_M:
        if (i_layer < n_layer / 16) return GgmlType::Q5_K;
        return !falcon || use_more_bits(i_layer, n_layer) ? GgmlType::Q4_K : GgmlType::Q3_K;
      case QuantMix::Q3_K_L:
        return falcon ? GgmlType::Q4_K : GgmlType::Q5_K;
      case QuantMix::Q4_K_M:
        if (falcon)
          return i_layer < n_layer / 16            ? GgmlType::Q6_K
                 : use_more_bits(i_layer, n_layer) ? GgmlType::Q5_K
                                                   : GgmlType::Q4_K;
        return use_more_bits(i_layer, n_layer) ? GgmlType::Q6_K : type;
      case QuantMix::Q5_K_M:
        return use_more_bits(i_layer, n_layer) ? GgmlType::Q6_K : type;
      case QuantMix::IQ4_NL:
      case QuantMix::IQ4_XS:
        return i_layer < n_layer / 8 ? GgmlType::Q5_K : type;
      case QuantMix::Q4_K_S:
        return !falcon && i_layer < n_layer / 8 ? GgmlType::Q5_K : type;
      default:
        return type;
    }
  }

  GgmlType choose_attn_output(GgmlType type) const {
    if (m_.arch == "falcon") return mix_ == QuantMix::Q3_K_L ? GgmlType::Q4_K : type;
    if (m_.n_expert == 8) {
      switch (mix_) {
        case QuantMix::Q2_K:
        case QuantMix::Q3_K_S:
        case QuantMix::Q3_K_M:
        case QuantMix::Q4_K_S:
        case QuantMix::Q4_K_M:
        case QuantMix::IQ4_NL:
        case QuantMix::IQ4_XS:
          return GgmlType::Q5_K;
        default:
          return type;
      }
    }
    switch (mix_) {
      case QuantMix::Q2_K:
        return GgmlType::Q3_K;
      case QuantMix::Q3_K_M:
        return GgmlType::Q4_K;
      case QuantMix::Q3_K_L:
        return GgmlType::Q5_K;
      default:
        return type;
    }
  }

  const ModelFacts& m_;
  QuantMix mix_;
  int i_attention_wv_ = 0;
  int i_ffn_down_ = 0;
};

// A type whose block size divides rows of `row_len` elements, as llama.cpp falls back.
GgmlType fallback_type(GgmlType type, int64_t row_len, const std::string& name) {
  GgmlType alt;
  switch (type) {
    case GgmlType::Q2_K:
    case GgmlType::Q3_K:
    case GgmlType::IQ4_XS:
      alt = GgmlType::IQ4_NL;
      break;
    case GgmlType::Q4_K:
      alt = GgmlType::Q5_0;
      break;
    case GgmlType::Q5_K:
      alt = GgmlType::Q5_1;
      break;
    case GgmlType::Q6_K:
      alt = GgmlType::Q8_0;
      break;
    default:
      throw UnsupportedError("tensor " + name + ": rows of " + std::to_string(row_len) +
                             " elements do not fit " + std::string(ggml_type_name(type)) +
                             " blocks and it has no fallback type");
  }
  if (row_len % ggml_traits(alt).block_size != 0) alt = GgmlType::F16;
  return alt;
}

}  // namespace

std::optional<QuantMix> parse_quant_mix(std::string_view name) {
  std::string lower;
  for (char c : name) lower += char(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& m : kMixes)
    if (m.name == lower) return m.mix;
  for (const auto& [alias, mix] : kAliases)
    if (alias == lower) return mix;
  return std::nullopt;
}

std::string_view quant_mix_name(QuantMix mix) {
  return info(mix).name;
}

std::vector<std::string> quant_mix_names() {
  std::vector<std::string> names;
  for (const auto& m : kMixes) names.emplace_back(m.name);
  for (const auto& a : kAliases) names.emplace_back(a.first);
  return names;
}

uint32_t llama_file_type(QuantMix mix) {
  return info(mix).file_type;
}

GgmlType mix_base_type(QuantMix mix) {
  return info(mix).base;
}

std::vector<TensorPlan> plan_quantization(const gguf::GgufFile& in,
                                          const QuantizeOptions& options) {
  const ModelFacts facts = model_facts(in);
  const GgmlType base = mix_base_type(options.mix);
  const bool use_rules = !options.pure && ggml_traits(base).quantized;
  TypeChooser chooser(facts, options.mix);
  std::vector<TensorPlan> plans;
  for (const auto& t : in.tensors()) {
    TensorPlan p{t.name, t.type, t.type, false};
    if (is_quantizable(t)) {
      GgmlType to = use_rules ? chooser.choose(t, base) : base;
      if (t.dims[0] % ggml_traits(to).block_size != 0) {
        to = fallback_type(to, t.dims[0], t.name);
        p.fallback = true;
      }
      p.to = to;
    }
    if (p.to != p.from) {
      if (!kernels::can_dequantize(p.from))
        throw UnsupportedError("tensor " + t.name + " has type " +
                               std::string(ggml_type_name(p.from)) + ", which cannot be converted");
      if (!kernels::can_quantize(p.to))
        throw UnsupportedError("tensor " + t.name + " would need type " +
                               std::string(ggml_type_name(p.to)) + ", which has no quantizer");
    }
    plans.push_back(std::move(p));
  }
  return plans;
}

namespace {

// Converts every row of tensor `t` to `to`, rows split across the pool.
std::string convert_tensor(const gguf::TensorInfo& t, GgmlType to, ThreadPool* pool) {
  const int64_t cols = t.dims[0], rows = t.n_rows();
  const size_t in_row = t.row_bytes(), out_row = ggml_row_size(to, cols);
  std::string out(out_row * size_t(rows), '\0');
  auto work = [&](int64_t r0, int64_t r1) {
    std::vector<float> buf(static_cast<size_t>(cols));
    for (int64_t r = r0; r < r1; ++r) {
      kernels::dequantize_row(t.type, t.data + size_t(r) * in_row, buf.data(), cols);
      kernels::quantize_row(to, buf.data(), out.data() + size_t(r) * out_row, cols);
    }
  };
  if (pool)
    pool->parallel_for(rows, work);
  else
    work(0, rows);
  return out;
}

}  // namespace

QuantizeSummary quantize_model(const std::string& in_path, const std::string& out_path,
                               const QuantizeOptions& options, ThreadPool* pool,
                               const QuantizeProgress& progress) {
  const auto in = gguf::GgufFile::open(in_path);
  QuantizeSummary summary;
  summary.tensors = plan_quantization(*in, options);

  gguf::GgufWriter writer(in->alignment());
  for (const auto& [key, value] : in->metadata()) writer.set_value(key, value);
  writer.set_u32("general.quantization_version", 2);
  writer.set_u32("general.file_type", llama_file_type(options.mix));

  const size_t count = summary.tensors.size();
  for (size_t i = 0; i < count; ++i) {
    const auto& t = in->tensors()[i];
    const TensorPlan& plan = summary.tensors[i];
    const int64_t rows = t.n_rows();
    const size_t n_bytes = ggml_row_size(plan.to, t.dims[0]) * size_t(rows);
    summary.bytes_in += t.n_bytes;
    summary.bytes_out += n_bytes;
    writer.add_tensor_lazy(
        t.name, plan.to, t.dims, n_bytes, [&t, &plan, pool, &progress, i, count] {
          std::string bytes = plan.to == plan.from
                                  ? std::string(reinterpret_cast<const char*>(t.data), t.n_bytes)
                                  : convert_tensor(t, plan.to, pool);
          if (progress) progress(plan, i, count);
          return bytes;
        });
  }
  writer.write(out_path);
  return summary;
}

}  // namespace ruvllm::model
