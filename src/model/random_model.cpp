#include "model/random_model.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_set>
#include <vector>

#include "core/error.h"
#include "core/half.h"
#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"
#include "kernels/quantize.h"
#include "model/quantize_model.h"

namespace ruvllm {
namespace {

// splitmix64: fast, seedable, and identical on every platform.
struct Rng {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  float uniform() { return float(next() >> 40) * (1.0f / 16777216.0f); }  // [0, 1)
  // Approximately normal (Irwin-Hall of 4 uniforms), unit variance.
  float normal() {
    float s = uniform() + uniform() + uniform() + uniform() - 2.0f;
    return s * 1.7320508f;
  }
};

uint64_t hash_name(const std::string& s, uint64_t seed) {
  uint64_t h = 1469598103934665603ull ^ seed;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

// GPT-2's byte -> printable code point mapping, UTF-8 encoded.
std::string byte_token(int b) {
  int cp;
  if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)) {
    cp = b;
  } else {
    // Bytes outside the printable ranges map to 256, 257, ... in order.
    int n = 0;
    for (int k = 0; k < b; ++k)
      if (!((k >= '!' && k <= '~') || (k >= 0xA1 && k <= 0xAC) || (k >= 0xAE && k <= 0xFF))) ++n;
    cp = 256 + n;
  }
  std::string out;
  if (cp < 0x80) {
    out += char(cp);
  } else {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  }
  return out;
}

// A byte-level BPE vocabulary of exactly n tokens: 256 byte tokens, merged tokens built from
// pairs of earlier tokens (each with its merge rule), and two control tokens at the end.
void write_synthetic_vocab(gguf::GgufWriter& w, int64_t n_vocab, uint64_t seed) {
  if (n_vocab < 300) throw Error("vocabulary too small for a synthetic BPE vocab");
  const int64_t n_special = 2;
  std::vector<std::string> tokens;
  std::vector<std::string> merges;
  std::unordered_set<std::string> seen;
  tokens.reserve(size_t(n_vocab));
  for (int b = 0; b < 256; ++b) {
    tokens.push_back(byte_token(b));
    seen.insert(tokens.back());
  }
  // Prefer letters and the space marker so the merged tokens look like word pieces.
  std::vector<int> common;
  for (int b = 'a'; b <= 'z'; ++b) common.push_back(b);
  common.push_back(' ');
  Rng rng{seed ^ 0x5eedull};
  while (int64_t(tokens.size()) < n_vocab - n_special) {
    const size_t n = tokens.size();
    size_t a, b;
    if (rng.uniform() < 0.3f) {
      a = size_t(common[rng.next() % common.size()]);
    } else {
      a = size_t(rng.next() % n);
    }
    b = rng.uniform() < 0.5f ? size_t(common[rng.next() % common.size()]) : size_t(rng.next() % n);
    std::string merged = tokens[a] + tokens[b];
    if (merged.size() > 48 || !seen.insert(merged).second) continue;
    merges.push_back(tokens[a] + " " + tokens[b]);
    tokens.push_back(std::move(merged));
  }
  tokens.push_back("<|begin_of_text|>");
  tokens.push_back("<|end_of_text|>");
  std::vector<int32_t> types(tokens.size(), 1);
  types[size_t(n_vocab - 2)] = 3;
  types[size_t(n_vocab - 1)] = 3;
  w.set_string("tokenizer.ggml.model", "gpt2");
  w.set_string("tokenizer.ggml.pre", "default");
  w.set_string_array("tokenizer.ggml.tokens", tokens);
  w.set_i32_array("tokenizer.ggml.token_type", types);
  w.set_string_array("tokenizer.ggml.merges", merges);
  w.set_u32("tokenizer.ggml.bos_token_id", uint32_t(n_vocab - 2));
  w.set_u32("tokenizer.ggml.eos_token_id", uint32_t(n_vocab - 1));
  w.set_bool("tokenizer.ggml.add_bos_token", true);
}

void copy_vocab(gguf::GgufWriter& w, const std::string& path, int64_t n_vocab) {
  auto f = gguf::GgufFile::open(path);
  auto tokens = f->get_string_array("tokenizer.ggml.tokens");
  if (!tokens) throw Error("'" + path + "' has no tokenizer.ggml.tokens");
  if (int64_t(tokens->size()) != n_vocab)
    throw Error("'" + path + "' has " + std::to_string(tokens->size()) +
                " tokens; the shape needs " + std::to_string(n_vocab));
  for (const auto& [key, value] : f->metadata())
    if (key.rfind("tokenizer.", 0) == 0) w.set_value(key, value);
}

// Random values for one tensor, converted to `type`.
std::string make_tensor_bytes(GgmlType type, const std::vector<int64_t>& dims, uint64_t seed,
                              float mean, float stddev) {
  const int64_t cols = dims[0];
  int64_t rows = 1;
  for (size_t k = 1; k < dims.size(); ++k) rows *= dims[k];
  const size_t row_bytes = ggml_row_size(type, cols);
  std::string out(row_bytes * size_t(rows), '\0');
  std::vector<float> row(static_cast<size_t>(cols));
  Rng rng{seed};
  for (int64_t r = 0; r < rows; ++r) {
    for (auto& x : row) x = mean + stddev * rng.normal();
    char* dst = out.data() + size_t(r) * row_bytes;
    switch (type) {
      case GgmlType::F32:
        std::memcpy(dst, row.data(), row_bytes);
        break;
      default:
        kernels::quantize_row(type, row.data(), dst, cols);
        break;
    }
  }
  return out;
}

}  // namespace

void write_random_model(const ModelShape& s, const RandomModelOptions& o, const std::string& path) {
  if (o.type != GgmlType::F32 && !kernels::can_quantize(o.type))
    throw UnsupportedError("cannot write weights of type " + std::string(ggml_type_name(o.type)));
  gguf::GgufWriter w;
  const std::string a = s.arch;
  const int64_t hd = s.attn_head_dim();
  w.set_string("general.architecture", a);
  w.set_string("general.name", "random " + s.name);
  w.set_u32("general.quantization_version", 2);
  // llama.cpp's LLAMA_FTYPE: that of the quantizer's mix named after the weight type.
  const auto mix = model::parse_quant_mix(ggml_type_name(o.type));
  w.set_u32("general.file_type", mix ? model::llama_file_type(*mix) : 0);
  w.set_u32(a + ".context_length", uint32_t(s.n_ctx));
  w.set_u32(a + ".embedding_length", uint32_t(s.n_embd));
  w.set_u32(a + ".block_count", uint32_t(s.n_layer));
  w.set_u32(a + ".feed_forward_length", uint32_t(s.n_ff));
  w.set_u32(a + ".attention.head_count", uint32_t(s.n_head));
  if (s.attention_layers.empty()) {
    w.set_u32(a + ".attention.head_count_kv", uint32_t(s.n_head_kv));
  } else {
    std::vector<int32_t> kv(size_t(s.n_layer), 0);
    for (int l : s.attention_layers) kv[size_t(l)] = int32_t(s.n_head_kv);
    w.set_i32_array(a + ".attention.head_count_kv", kv);
    w.set_u32(a + ".shortconv.l_cache", uint32_t(s.conv_l_cache));
  }
  w.set_u32(a + ".attention.key_length", uint32_t(hd));
  w.set_u32(a + ".attention.value_length", uint32_t(hd));
  w.set_u32(a + ".rope.dimension_count", uint32_t(hd));
  w.set_f32(a + ".rope.freq_base", s.rope_base);
  w.set_f32(a + ".attention.layer_norm_rms_epsilon", s.rms_eps);
  w.set_u32(a + ".vocab_size", uint32_t(s.n_vocab));
  if (s.sliding_window) w.set_u32(a + ".attention.sliding_window", uint32_t(s.sliding_window));
  if (s.rope_base_local > 0) w.set_f32(a + ".rope.freq_base_swa", s.rope_base_local);
  if (o.vocab_path.empty())
    write_synthetic_vocab(w, s.n_vocab, o.seed);
  else
    copy_vocab(w, o.vocab_path, s.n_vocab);

  // Weight matrices take the requested type when their rows fit its blocks; vectors stay F32.
  auto add = [&](const std::string& name, std::vector<int64_t> dims, float mean, float stddev) {
    GgmlType t = GgmlType::F32;
    if (dims.size() >= 2 && dims[0] % ggml_traits(o.type).block_size == 0 && dims[0] > 16)
      t = o.type;
    int64_t n = 1;
    for (auto d : dims) n *= d;
    const size_t bytes = ggml_row_size(t, dims[0]) * size_t(n / dims[0]);
    const uint64_t seed = hash_name(name, o.seed);
    w.add_tensor_lazy(name, t, dims, bytes, [t, dims, seed, mean, stddev] {
      return make_tensor_bytes(t, dims, seed, mean, stddev);
    });
  };
  const float wstd = 0.02f;
  add("token_embd.weight", {s.n_embd, s.n_vocab}, 0, wstd);
  add(a == "lfm2" ? "token_embd_norm.weight" : "output_norm.weight", {s.n_embd}, 1, 0);
  if (!s.tied_embeddings) add("output.weight", {s.n_embd, s.n_vocab}, 0, wstd);
  if (s.rope_scale_factor > 0) {
    // Llama 3 rope scaling as per-frequency divisors, the way llama.cpp stores it.
    const int64_t n = hd / 2;
    std::vector<float> factors(static_cast<size_t>(n));
    const float low_wavelen = float(s.rope_orig_ctx) / s.rope_low_freq_factor;
    const float high_wavelen = float(s.rope_orig_ctx) / s.rope_high_freq_factor;
    for (int64_t i = 0; i < n; ++i) {
      const float freq = 1.0f / std::pow(s.rope_base, float(2 * i) / float(hd));
      const float wavelen = 2.0f * float(M_PI) / freq;
      if (wavelen < high_wavelen) {
        factors[size_t(i)] = 1.0f;
      } else if (wavelen > low_wavelen) {
        factors[size_t(i)] = s.rope_scale_factor;
      } else {
        const float smooth = (float(s.rope_orig_ctx) / wavelen - s.rope_low_freq_factor) /
                             (s.rope_high_freq_factor - s.rope_low_freq_factor);
        factors[size_t(i)] = 1.0f / ((1 - smooth) / s.rope_scale_factor + smooth);
      }
    }
    std::string bytes(factors.size() * 4, '\0');
    std::memcpy(bytes.data(), factors.data(), bytes.size());
    w.add_tensor("rope_freqs.weight", GgmlType::F32, {n}, std::move(bytes));
  }
  for (int64_t l = 0; l < s.n_layer; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    const bool conv = !s.attention_layers.empty() &&
                      std::find(s.attention_layers.begin(), s.attention_layers.end(), int(l)) ==
                          s.attention_layers.end();
    add(p + "attn_norm.weight", {s.n_embd}, 1, 0);
    if (conv) {
      add(p + "shortconv.conv.weight", {s.conv_l_cache, s.n_embd}, 0, 0.3f);
      add(p + "shortconv.in_proj.weight", {s.n_embd, 3 * s.n_embd}, 0, wstd);
      add(p + "shortconv.out_proj.weight", {s.n_embd, s.n_embd}, 0, wstd);
    } else {
      add(p + "attn_q.weight", {s.n_embd, s.n_head * hd}, 0, wstd);
      add(p + "attn_k.weight", {s.n_embd, s.n_head_kv * hd}, 0, wstd);
      add(p + "attn_v.weight", {s.n_embd, s.n_head_kv * hd}, 0, wstd);
      if (s.qkv_bias) {
        add(p + "attn_q.bias", {s.n_head * hd}, 0, wstd);
        add(p + "attn_k.bias", {s.n_head_kv * hd}, 0, wstd);
        add(p + "attn_v.bias", {s.n_head_kv * hd}, 0, wstd);
      }
      if (s.qk_norm) {
        add(p + "attn_q_norm.weight", {hd}, 1, 0);
        add(p + "attn_k_norm.weight", {hd}, 1, 0);
      }
      add(p + "attn_output.weight", {s.n_head * hd, s.n_embd}, 0, wstd);
    }
    if (a == "gemma3" || a == "gemma2") add(p + "post_attention_norm.weight", {s.n_embd}, 1, 0);
    add(p + "ffn_norm.weight", {s.n_embd}, 1, 0);
    add(p + "ffn_gate.weight", {s.n_embd, s.n_ff}, 0, wstd);
    add(p + "ffn_up.weight", {s.n_embd, s.n_ff}, 0, wstd);
    add(p + "ffn_down.weight", {s.n_ff, s.n_embd}, 0, wstd);
    if (a == "gemma3" || a == "gemma2") add(p + "post_ffw_norm.weight", {s.n_embd}, 1, 0);
  }
  w.write(path);
}

}  // namespace ruvllm
