// Vector helpers of the F16-cache attention path, in AVX2 + F16C (attention_avx2.cpp) and AVX-512
// (attention_avx512.cpp). Callers check isa_level() >= IsaLevel::Avx2 (Avx512) first. Results
// equal the scalar helpers' up to the order of additions in the dot product and fused rounding of
// multiply-adds; the AVX2 and AVX-512 paths give the same bits.
#pragma once

#include <cstdint>

namespace ruvllm::kernels::avx2 {

// sum_i a[i] * b[i] of two F16 vectors.
float dot_f16_f16(const uint16_t* a, const uint16_t* b, int64_t n);
// acc[i] = fp16(acc[i] * s)
void scale_f16(uint16_t* acc, float s, int64_t n);
// acc[i] = fp16(fma(v[i], w, acc[i]))
void mad_f16(uint16_t* acc, const uint16_t* v, float w, int64_t n);

// The running state of online-softmax attention for the query heads that share one KV head, over
// an F16 cache: per head the query rounded to F16 (held as floats), the F16 accumulator of
// weighted values, and the running maximum score and sum of weights. Each head's arithmetic is
// exactly the per-head path's (attention.cpp: dot_f16_f16, scale_f16 and mad_f16 above), so
// grouping changes no bit of the results; it only converts each key and value row once for all
// heads and keeps the loop in one place.
struct F16HeadGroup {
  int heads = 0;
  int64_t dim_k = 0, dim_v = 0;
  float scale = 1.0f, softcap = 0.0f;
  float* q = nullptr;       // heads x dim_k
  uint16_t* acc = nullptr;  // heads x dim_v
  float* max = nullptr;     // heads
  float* sum = nullptr;     // heads
  float* row = nullptr;  // kAttendBlockRows * (dim_k + dim_v) floats: a block of key and value rows
};

// Key rows attend_rows_f16 converts and scores together.
inline constexpr int kAttendBlockRows = 8;

// Adds n cache rows (keys at k + j * k_row, values at v + j * v_row) to every head of `g`, a block
// of kAttendBlockRows keys at a time: scores and exponentials of a block first, then the
// accumulator updates in key order (the same arithmetic as row by row).
void attend_rows_f16(F16HeadGroup& g, const uint16_t* k, const uint16_t* v, int64_t n,
                     int64_t k_row, int64_t v_row);

}  // namespace ruvllm::kernels::avx2

namespace ruvllm::kernels::avx512 {

// Keys attend_tile_f16 converts and scores together (one 512-bit register of scores).
inline constexpr int kTileKeys = 16;

// A tile of `queries` query rows (consecutive positions of one sequence) times the `heads` query
// heads that share one KV head, attending over an F16 cache: each head's state as in
// avx2::F16HeadGroup, the accumulators held as floats (F16 values, exactly). Every query head
// follows avx2::attend_rows_f16's arithmetic step for step, so results are bit-identical to it,
// whatever the tile, and each block of keys is converted once for the whole tile.
struct F16Tile {
  int queries = 0, heads = 0;
  int64_t dim_k = 0, dim_v = 0;
  float scale = 1.0f, softcap = 0.0f;
  const float* q = nullptr;  // queries x heads x dim_k, rounded to F16
  float* acc = nullptr;      // queries x heads x dim_v
  float* max = nullptr;      // queries x heads
  float* sum = nullptr;      // queries x heads
  // Query qi sees the cache rows begin[qi] <= row < end[qi].
  const int64_t* begin = nullptr;
  const int64_t* end = nullptr;
  float* kt = nullptr;  // 64-byte aligned, round_up(dim_k, 16) x kTileKeys floats: keys transposed
  float* vf = nullptr;  // kTileKeys x dim_v floats: values
  float* scores = nullptr;  // 64-byte aligned, queries x heads x kTileKeys floats
};

// dst[i] = src[i] rounded to F16 (as fp16_to_fp32(fp32_to_fp16(x)) computes it); dst may be src.
void round_to_f16(const float* src, float* dst, int64_t n);

// Whether attend_tile_f16 takes heads of these sizes (else use avx2::attend_rows_f16).
bool tile_supported(int64_t dim_k, int64_t dim_v);

// Adds the n cache rows row0 .. row0 + n - 1 (keys at k + j * k_row, values at v + j * v_row) to
// every query of the tile that sees them, kTileKeys keys at a time.
void attend_tile_f16(F16Tile& t, const uint16_t* k, const uint16_t* v, int64_t row0, int64_t n,
                     int64_t k_row, int64_t v_row);

}  // namespace ruvllm::kernels::avx512
