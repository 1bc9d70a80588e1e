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
  pack_words(blocks, offsetof(BlockQ8_0, qs), kBlock, 0x80, out + 2 * kRows);
}

// Q4_0 and IQ4_NL: the nibble bytes as they are.
template <typename Block>
void pack_nibbles(const uint8_t* const* blocks, uint8_t* out) {
  pack_scales(blocks, out);
  pack_words(blocks, offsetof(Block, qs), kBlock / 2, 0, out + 2 * kRows);
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
  std::memcpy(out + 2 * kRows, masks, sizeof(masks));
  pack_words(blocks, offsetof(BlockQ5_0, qs), kBlock / 2, 0, out + 2 * kRows + sizeof(masks));
}

PackBlockFn rows16_packer(GgmlType type) {
  switch (type) {
    case GgmlType::Q8_0:
      return pack_q8_0;
    case GgmlType::Q4_0:
      return pack_nibbles<BlockQ4_0>;
    case GgmlType::IQ4_NL:
      return pack_nibbles<BlockIq4Nl>;
    case GgmlType::Q5_0:
      return pack_q5_0;
    default:
      return nullptr;
  }
}

}  // namespace

size_t packed_group_bytes(GgmlType type, int64_t cols) {
  return kPackedGroupRows * ggml_row_size(type, cols);
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
  const detail::PackBlockFn pack_block =
      packing == WeightPacking::Rows16 ? detail::rows16_packer(w.type) : nullptr;
  if (!pack_block)
    throw UnsupportedError("pack_weights: no " + std::string(ggml_type_name(w.type)) +
                           " packing of this kind");
  if (w.cols % kBlock != 0) throw Error("pack_weights: row length is not a multiple of 32");
  constexpr int kRows = detail::kPackedGroupRows;
  const size_t block_bytes = ggml_traits(w.type).type_size;
  const size_t group_block_bytes = kRows * block_bytes;
  const int64_t blocks = w.cols / kBlock;
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
        pack_block(rows, out);
      }
    }
  };
  if (pool)
    pool->parallel_for(groups, pack);
  else
    pack(0, groups);
}

}  // namespace ruvllm::kernels
