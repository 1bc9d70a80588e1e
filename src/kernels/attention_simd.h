// Vector helpers of the F16-cache attention path, in AVX2 + F16C (attention_avx2.cpp). Callers
// check isa_level() >= IsaLevel::Avx2 first. Results equal the scalar helpers' up to the order
// of additions in the dot product and fused rounding of multiply-adds.
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
