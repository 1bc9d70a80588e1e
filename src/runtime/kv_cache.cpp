#include "runtime/kv_cache.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "core/error.h"
#include "core/half.h"

namespace ruvllm {

KvCache::KvCache(const ModelConfig& c, int64_t n_ctx, GgmlType type) : n_ctx_(n_ctx), type_(type) {
  if (type != GgmlType::F16 && type != GgmlType::F32)
    throw UnsupportedError("KV cache type must be f16 or f32");
  if (n_ctx <= 0) throw Error("KV cache context size must be positive");
  const size_t elem = type == GgmlType::F16 ? 2 : 4;
  const size_t n_layer = c.layers.size();
  k_row_.assign(n_layer, 0);
  v_row_.assign(n_layer, 0);
  k_.resize(n_layer);
  v_.resize(n_layer);
  conv_.resize(n_layer);
  for (size_t il = 0; il < n_layer; ++il) {
    const LayerConfig& l = c.layers[il];
    if (l.kind == LayerKind::Attention) {
      k_row_[il] = int64_t(l.n_head_kv) * c.head_dim_k;
      v_row_[il] = int64_t(l.n_head_kv) * c.head_dim_v;
      k_[il].assign(size_t(n_ctx * k_row_[il]) * elem, 0);
      v_[il].assign(size_t(n_ctx * v_row_[il]) * elem, 0);
    } else {
      has_conv_ = true;
      conv_[il].assign(size_t(std::max(0, c.conv_kernel - 1) * c.n_embd), 0.0f);
    }
  }
}

size_t KvCache::bytes() const {
  size_t n = 0;
  for (size_t il = 0; il < k_.size(); ++il)
    n += k_[il].size() + v_[il].size() + conv_[il].size() * sizeof(float);
  return n;
}

void KvCache::clear() {
  n_past_ = 0;
  for (auto& s : conv_) std::fill(s.begin(), s.end(), 0.0f);
}

void KvCache::truncate(int64_t n) {
  if (n < 0 || n > n_past_)
    throw Error("cannot truncate the KV cache to " + std::to_string(n) + " positions: it holds " +
                std::to_string(n_past_));
  if (n == 0) return clear();
  if (n != n_past_ && has_conv_)
    throw Error(
        "this model keeps recurrent convolution state, which cannot be rewound to position " +
        std::to_string(n));
  n_past_ = n;
}

namespace {

void store_row(GgmlType type, std::vector<uint8_t>& dst, int64_t row_elems, int64_t pos,
               const float* src) {
  if (type == GgmlType::F32) {
    std::memcpy(dst.data() + size_t(pos * row_elems) * 4, src, size_t(row_elems) * 4);
    return;
  }
  auto* out = reinterpret_cast<uint16_t*>(dst.data()) + pos * row_elems;
  for (int64_t i = 0; i < row_elems; ++i) out[i] = fp32_to_fp16(src[i]);
}

}  // namespace

void KvCache::store(int layer, int64_t pos, const float* k, const float* v) {
  if (pos < 0 || pos >= n_ctx_) throw Error("KV cache position out of range");
  store_row(type_, k_[size_t(layer)], k_row_[size_t(layer)], pos, k);
  store_row(type_, v_[size_t(layer)], v_row_[size_t(layer)], pos, v);
}

kernels::KvView KvCache::view(int layer, int64_t n_kv) const {
  return kernels::KvView{type_, k_[size_t(layer)].data(), v_[size_t(layer)].data(), n_kv};
}

}  // namespace ruvllm
