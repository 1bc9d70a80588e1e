// Matrix products of a (possibly quantized) weight matrix with F32 activations.
//
// The weight matrix is ggml-shaped: `rows` rows of `cols` elements (cols is the contiguous
// dimension, ggml's ne[0]), so y = W x computes one dot product per weight row. Kernels pick the
// best instruction set at run time (core/cpu_features.h) and may quantize the activations
// (as llama.cpp does with Q8_0/Q8_K) once per call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/ggml_type.h"
#include "core/thread_pool.h"

namespace ruvllm::kernels {

// How a copy of a matrix is laid out for the kernels (kernels/packed_weights.h).
enum class WeightPacking : uint8_t {
  None,    // the file's layout: one row after the other
  Rows16,  // groups of 16 rows, block by block, four bytes of each row in turn
};

struct WeightView {
  GgmlType type = GgmlType::F32;
  const void* data = nullptr;
  int64_t rows = 0;
  int64_t cols = 0;
  size_t row_stride = 0;  // bytes from one row to the next
  // The same matrix repacked at load (pack_weights), or null. Matmul reads it when the current
  // instruction set has a kernel for the packing, else `data`; get_row always reads `data`.
  const void* packed = nullptr;
  WeightPacking packing = WeightPacking::None;

  const uint8_t* row(int64_t r) const { return static_cast<const uint8_t*>(data) + r * row_stride; }
};

// True when matmul supports weights of `type`.
bool can_matmul(GgmlType type);

// Y[b][r] = sum_c W[r][c] * X[b][c] for b in [0, n_batch), r in [0, w.rows).
// X is n_batch rows of w.cols floats; Y is n_batch rows of w.rows floats (both contiguous).
// `pool` may be null (single thread).
void matmul(const WeightView& w, const float* x, int64_t n_batch, float* y, ThreadPool* pool);

// One product of matmul_shared: y = W x, y holding n_batch rows of w.rows floats.
struct MatmulOutput {
  WeightView w;
  float* y = nullptr;
};

// Several products of the same input, such as a layer's Q, K and V projections (at most 8, all
// with the same row length): the results of calling matmul for each, but the input is
// converted once per activation type and the products share one parallel job, so the threads
// meet once instead of once per product (decode runs hundreds of small products per token).
void matmul_shared(std::span<const MatmulOutput> outs, const float* x, int64_t n_batch,
                   ThreadPool* pool);

// Copies row r of W into dst as floats (embedding look-ups).
void get_row(const WeightView& w, int64_t r, float* dst);

}  // namespace ruvllm::kernels
