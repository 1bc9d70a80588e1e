#include "kernels/packed_weights.h"

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "core/cpu_features.h"
#include "core/error.h"
#include "kernels/packed_kernels.h"
#include "kernels/quant_blocks.h"

namespace ruvllm::kernels {
namespace detail {

namespace {

constexpr int kRows = kPackedGroupRows;

// Writes one packed block of a group: the 16 rows' F16 scales, then type-specific values
// (blocks[r] is row r's block, or null for a padding row past the matrix's end).
using PackBlockFn = void (*)(const uint8_t* const* blocks, uint8_t* out);

void pack_scales(const uint8_t* const* blocks, uint8_t* out) {
  for (int r = 0; r < kRows; ++r)
    if (blocks[r]) std::memcpy(out + 2 * r, blocks[r], 2);
}

// `n` value bytes per row starting at byte `offset` of its block, four bytes of each row in turn,
// each XORed with `bias`.
void pack_words(const uint8_t* const* blocks, size_t offset, size_t n, uint8_t bias, uint8_t* out) {
  for (int r = 0; r < kRows; ++r)
    if (blocks[r])
      for (size_t k = 0; k < n; k += 4)
        for (int i = 0; i < 4; ++i)
          out[k * kRows + size_t(4 * r + i)] = uint8_t(blocks[r][offset + k + size_t(i)] ^ bias);
}

// Q8_0: signed values stored as q + 128.
void pack_q8_0(const uint8_t* const* blocks, uint8_t* out) {
  pack_scales(blocks, out);
  pack_words(blocks, offsetof(BlockQ8_0, qs), kBlock, 0x80, out + rows16::kScaleBytes);
}

// Q4_0 and IQ4_NL: the nibble bytes as they are.
template <typename Block>
void pack_nibbles(const uint8_t* const* blocks, uint8_t* out) {
  pack_scales(blocks, out);
  pack_words(blocks, offsetof(Block, qs), kBlock / 2, 0, out + rows16::kScaleBytes);
}

// Q5_0: after the scales, the fifth bits as eight 64-bit masks, one per value register of the
// kernel (register v, byte 4r + j: row r's element 4v + j, i.e. bit 4v + j of its qh), then the
// nibble bytes.
void pack_q5_0(const uint8_t* const* blocks, uint8_t* out) {
  pack_scales(blocks, out);
  uint64_t masks[8] = {};
  for (int r = 0; r < kRows; ++r) {
    if (!blocks[r]) continue;
    uint32_t qh;
    std::memcpy(&qh, blocks[r] + offsetof(BlockQ5_0, qh), 4);
    for (int v = 0; v < 8; ++v)
      for (int j = 0; j < 4; ++j)
        if (qh >> (4 * v + j) & 1) masks[v] |= uint64_t(1) << (4 * r + j);
  }
  static_assert(sizeof(masks) == rows16::kQ5_0Nibbles - rows16::kQ5_0Masks);
  std::memcpy(out + rows16::kQ5_0Masks, masks, sizeof(masks));
  pack_words(blocks, offsetof(BlockQ5_0, qs), kBlock / 2, 0, out + rows16::kQ5_0Nibbles);
}

// Q4_K (per super-block of 256, offsets in rows16::): d[16] and dmin[16] (F16), the 8
// sub-blocks' scales (16 bytes each, row r at byte r), the mins as byte pairs (m[2k], m[2k + 1])
// per row for k = 0..3 (32 bytes each), then for each 64 elements the 32 nibble bytes of every
// row four bytes at a time (low nibbles: sub-block 2p, high: 2p + 1, as in the file).

void pack_q4_k(const uint8_t* const* blocks, uint8_t* out) {
  for (int r = 0; r < kRows; ++r) {
    if (!blocks[r]) continue;
    const auto* b = reinterpret_cast<const BlockQ4_K*>(blocks[r]);
    std::memcpy(out + 2 * r, &b->d, 2);
    std::memcpy(out + rows16::kQ4KDmin + 2 * r, &b->dmin, 2);
    for (int j = 0; j < 8; ++j) {
      uint8_t scale, min;
      unpack_scale_min_k4(j, b->scales, &scale, &min);
      out[rows16::kQ4KScales + 16 * j + r] = scale;
      out[rows16::kQ4KMins + 32 * (j / 2) + 2 * r + j % 2] = min;
    }
  }
  pack_words(blocks, offsetof(BlockQ4_K, qs), kSuperBlock / 2, 0, out + rows16::kQ4KValues);
}

// The 6-bit values q (0..63) of a Q6_K block in element order.
void q6_k_values(const BlockQ6_K& b, uint8_t* q) {
  for (int n = 0; n < 2; ++n) {
    const uint8_t* ql = b.ql + 64 * n;
    const uint8_t* qh = b.qh + 32 * n;
    uint8_t* y = q + 128 * n;
    for (int l = 0; l < 32; ++l) {
      y[l] = uint8_t((ql[l] & 0xF) | ((qh[l] >> 0) & 3) << 4);
      y[l + 32] = uint8_t((ql[l + 32] & 0xF) | ((qh[l] >> 2) & 3) << 4);
      y[l + 64] = uint8_t((ql[l] >> 4) | ((qh[l] >> 4) & 3) << 4);
      y[l + 96] = uint8_t((ql[l + 32] >> 4) | ((qh[l] >> 6) & 3) << 4);
    }
  }
}

// Q6_K (per super-block of 256, offsets in rows16::): d[16] (F16), the 16 sub-blocks' signed
// scales (16 bytes each),
// then per sub-block s three 64-byte registers' worth, four bytes of each row in turn: two of low
// nibbles (byte j of the first: elements 16s + j (low nibble) and 16s + 8 + j (high); of the
// second: 16s + 4 + j and 16s + 12 + j) and one of high bits (bits 2i, 2i + 1 of byte j: element
// 16s + 4i + j).

void pack_q6_k(const uint8_t* const* blocks, uint8_t* out) {
  for (int r = 0; r < kRows; ++r) {
    if (!blocks[r]) continue;
    const auto* b = reinterpret_cast<const BlockQ6_K*>(blocks[r]);
    std::memcpy(out + 2 * r, &b->d, 2);
    uint8_t q[kSuperBlock];
    q6_k_values(*b, q);
    for (int s = 0; s < 16; ++s) {
      out[rows16::kQ6KScales + 16 * s + r] = uint8_t(b->scales[s]);
      uint8_t* low0 = out + rows16::kQ6KValues + rows16::kQ6KSubBlockBytes * s + 4 * r;
      uint8_t* low1 = low0 + 64;
      uint8_t* high = low0 + 128;
      const uint8_t* e = q + 16 * s;
      for (int j = 0; j < 4; ++j) {
        low0[j] = uint8_t((e[j] & 0xF) | (e[8 + j] & 0xF) << 4);
        low1[j] = uint8_t((e[4 + j] & 0xF) | (e[12 + j] & 0xF) << 4);
        uint8_t h = 0;
        for (int i = 0; i < 4; ++i) h = uint8_t(h | (e[4 * i + j] >> 4) << (2 * i));
        high[j] = h;
      }
    }
  }
}

struct Rows16Packer {
  PackBlockFn pack = nullptr;
  size_t block_bytes = 0;  // bytes of a group's packed block
};

Rows16Packer rows16_packer(GgmlType type) {
  const size_t file_bytes = kRows * ggml_traits(type).type_size;
  switch (type) {
    case GgmlType::Q8_0:
      return {pack_q8_0, file_bytes};
    case GgmlType::Q4_0:
      return {pack_nibbles<BlockQ4_0>, file_bytes};
    case GgmlType::IQ4_NL:
      return {pack_nibbles<BlockIq4Nl>, file_bytes};
    case GgmlType::Q5_0:
      return {pack_q5_0, file_bytes};
    case GgmlType::Q4_K:
      return {pack_q4_k, rows16::kQ4KBytes};
    case GgmlType::Q6_K:
      static_assert(rows16::kQ6KBytes == kRows * sizeof(BlockQ6_K));
      return {pack_q6_k, rows16::kQ6KBytes};
    default:
      return {};
  }
}

}  // namespace

size_t packed_group_bytes(GgmlType type, int64_t cols) {
  return size_t(cols / ggml_traits(type).block_size) * rows16_packer(type).block_bytes;
}

PackedKernel best_packed_kernel(GgmlType type, WeightPacking packing) {
  if (packing == WeightPacking::None) return {};
  if (isa_level() >= IsaLevel::Avx512 && cpu_features().avx512vnni)
    return avx512_packed_kernel(type, packing);
  return {};
}

}  // namespace detail

WeightPacking best_packing(GgmlType type) {
  // RUVLLM_PACK=0 keeps every matrix in the file's layout (no copies at load).
  if (const char* env = std::getenv("RUVLLM_PACK"); env && std::string_view(env) == "0")
    return WeightPacking::None;
  return detail::best_packed_kernel(type, WeightPacking::Rows16).group ? WeightPacking::Rows16
                                                                       : WeightPacking::None;
}

size_t packed_bytes(const WeightView& w, WeightPacking packing) {
  if (packing == WeightPacking::None) return 0;
  const int64_t groups = (w.rows + detail::kPackedGroupRows - 1) / detail::kPackedGroupRows;
  return size_t(groups) * detail::packed_group_bytes(w.type, w.cols);
}

void pack_weights(const WeightView& w, WeightPacking packing, void* dst, ThreadPool* pool) {
  const detail::Rows16Packer packer =
      packing == WeightPacking::Rows16 ? detail::rows16_packer(w.type) : detail::Rows16Packer{};
  if (!packer.pack)
    throw UnsupportedError("pack_weights: no " + std::string(ggml_type_name(w.type)) +
                           " packing of this kind");
  const int64_t block_size = ggml_traits(w.type).block_size;
  if (w.cols % block_size != 0)
    throw Error("pack_weights: row length is not a multiple of " + std::to_string(block_size));
  constexpr int kRows = detail::kPackedGroupRows;
  const size_t block_bytes = ggml_traits(w.type).type_size;
  const size_t group_block_bytes = packer.block_bytes;
  const int64_t blocks = w.cols / block_size;
  const size_t group_bytes = detail::packed_group_bytes(w.type, w.cols);
  const int64_t groups = (w.rows + kRows - 1) / kRows;
  auto pack = [&](int64_t g0, int64_t g1) {
    const uint8_t* rows[kRows];
    for (int64_t g = g0; g < g1; ++g) {
      uint8_t* out = static_cast<uint8_t*>(dst) + size_t(g) * group_bytes;
      for (int64_t b = 0; b < blocks; ++b, out += group_block_bytes) {
        for (int r = 0; r < kRows; ++r)
          rows[r] =
              g * kRows + r < w.rows ? w.row(g * kRows + r) + size_t(b) * block_bytes : nullptr;
        std::memset(out, 0, group_block_bytes);
        packer.pack(rows, out);
      }
    }
  };
  if (pool)
    pool->parallel_for(groups, pack);
  else
    pack(0, groups);
}

}  // namespace ruvllm::kernels
