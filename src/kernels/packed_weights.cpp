#include "kernels/packed_weights.h"

#include <algorithm>
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

// What a type's block looks like to the Rows16 packer: an F16 scale first, then `value_bytes`
// bytes of values; `bias` is XORed into each value byte (Q8_0's signed values become q + 128).
struct Rows16Block {
  size_t value_bytes = 0;
  uint8_t bias = 0;
};

bool rows16_block(GgmlType type, Rows16Block& out) {
  switch (type) {
    case GgmlType::Q8_0:
      static_assert(sizeof(BlockQ8_0) == 2 + kBlock);
      out = {kBlock, 0x80};
      return true;
    case GgmlType::Q4_0:
      static_assert(sizeof(BlockQ4_0) == 2 + kBlock / 2);
      out = {kBlock / 2, 0};
      return true;
    default:
      return false;
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
  detail::Rows16Block layout;
  if (packing != WeightPacking::Rows16 || !detail::rows16_block(w.type, layout))
    throw UnsupportedError("pack_weights: no " + std::string(ggml_type_name(w.type)) +
                           " packing of this kind");
  if (w.cols % kBlock != 0) throw Error("pack_weights: row length is not a multiple of 32");
  constexpr int kRows = detail::kPackedGroupRows;
  const size_t block_bytes = 2 + layout.value_bytes;
  const size_t group_block_bytes = kRows * block_bytes;
  const int64_t blocks = w.cols / kBlock;
  const size_t group_bytes = detail::packed_group_bytes(w.type, w.cols);
  const int64_t groups = (w.rows + kRows - 1) / kRows;
  auto pack = [&](int64_t g0, int64_t g1) {
    for (int64_t g = g0; g < g1; ++g) {
      uint8_t* out = static_cast<uint8_t*>(dst) + size_t(g) * group_bytes;
      for (int64_t b = 0; b < blocks; ++b, out += group_block_bytes) {
        std::memset(out, 0, group_block_bytes);
        for (int r = 0; r < kRows && g * kRows + r < w.rows; ++r) {
          const uint8_t* block = w.row(g * kRows + r) + size_t(b) * block_bytes;
          std::memcpy(out + 2 * r, block, 2);  // the F16 scale
          uint8_t* values = out + 2 * kRows + 4 * r;
          for (size_t k = 0; k < layout.value_bytes; k += 4)
            for (int i = 0; i < 4; ++i)
              values[k * kRows + size_t(i)] = uint8_t(block[2 + k + size_t(i)] ^ layout.bias);
        }
      }
    }
  };
  if (pool)
    pool->parallel_for(groups, pack);
  else
    pack(0, groups);
}

}  // namespace ruvllm::kernels
