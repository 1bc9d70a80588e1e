#include "kernels/matmul.h"

#include <string>
#include <vector>

#include "core/error.h"
#include "kernels/dequantize.h"

namespace ruvllm::kernels {

bool can_matmul(GgmlType type) { return can_dequantize(type); }

void get_row(const WeightView& w, int64_t r, float* dst) {
  dequantize_row(w.type, w.row(r), dst, w.cols);
}

// Generic path: dequantize each weight row once, then dot it with every batch row.
void matmul(const WeightView& w, const float* x, int64_t n_batch, float* y, ThreadPool* pool) {
  if (!can_matmul(w.type))
    throw UnsupportedError("no matmul kernel for tensor type " + std::string(ggml_type_name(w.type)));
  auto work = [&](int64_t r0, int64_t r1) {
    std::vector<float> row(size_t(w.cols));
    for (int64_t r = r0; r < r1; ++r) {
      dequantize_row(w.type, w.row(r), row.data(), w.cols);
      for (int64_t b = 0; b < n_batch; ++b) {
        const float* xb = x + b * w.cols;
        float acc = 0;
        for (int64_t c = 0; c < w.cols; ++c) acc += row[size_t(c)] * xb[c];
        y[b * w.rows + r] = acc;
      }
    }
  };
  if (pool)
    pool->parallel_for(w.rows, work);
  else
    work(0, w.rows);
}

}  // namespace ruvllm::kernels
