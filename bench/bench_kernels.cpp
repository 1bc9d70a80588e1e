// Matmul throughput per weight type: matrix-vector products (decode) in GB/s of weight bytes
// read, and batched products (prefill) in GFLOP/s.
//
//   bench_kernels [--benchmark_filter=Matvec] [--benchmark_min_time=0.2]
// Environment: RUVLLM_ISA=scalar|avx2 caps the kernels; BENCH_THREADS sets the pool size
// (default 1).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/cpu_features.h"
#include "core/ggml_type.h"
#include "core/thread_pool.h"
#include "kernels/matmul.h"
#include "kernels/quantize.h"

namespace {

using ruvllm::GgmlType;

const GgmlType kTypes[] = {GgmlType::F32,  GgmlType::F16,  GgmlType::BF16, GgmlType::Q8_0,
                           GgmlType::Q6_K, GgmlType::Q5_K, GgmlType::Q5_0, GgmlType::Q5_1,
                           GgmlType::Q4_K, GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q3_K,
                           GgmlType::Q2_K};

int bench_threads() {
  const char* v = std::getenv("BENCH_THREADS");
  return v ? std::max(1, std::atoi(v)) : 1;
}

ruvllm::ThreadPool* pool() {
  static std::unique_ptr<ruvllm::ThreadPool> p =
      bench_threads() > 1 ? std::make_unique<ruvllm::ThreadPool>(bench_threads()) : nullptr;
  return p.get();
}

// A rows x cols weight matrix of `type`, quantized from Gaussian values.
struct Matrix {
  GgmlType type;
  int64_t rows, cols;
  std::vector<uint8_t> bytes;

  Matrix(GgmlType t, int64_t r, int64_t c) : type(t), rows(r), cols(c) {
    std::mt19937 rng(1);
    std::normal_distribution<float> normal(0.f, 0.02f);
    std::vector<float> row(size_t(c), 0.f);
    const size_t row_bytes = ruvllm::ggml_row_size(t, c);
    bytes.resize(row_bytes * size_t(r));
    for (int64_t i = 0; i < r; ++i) {
      for (auto& v : row) v = normal(rng);
      ruvllm::kernels::quantize_row(t, row.data(), bytes.data() + size_t(i) * row_bytes, c);
    }
  }
  ruvllm::kernels::WeightView view() const {
    return {type, bytes.data(), rows, cols, ruvllm::ggml_row_size(type, cols)};
  }
};

void run_matmul(benchmark::State& state, GgmlType type, int64_t rows, int64_t cols, int64_t batch) {
  const Matrix m(type, rows, cols);
  std::mt19937 rng(2);
  std::normal_distribution<float> normal(0.f, 1.f);
  std::vector<float> x(size_t(cols * batch)), y(size_t(rows * batch));
  for (auto& v : x) v = normal(rng);
  for (auto _ : state) {
    ruvllm::kernels::matmul(m.view(), x.data(), batch, y.data(), pool());
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  const double iters = double(state.iterations());
  state.counters["GB/s"] =
      benchmark::Counter(iters * double(m.bytes.size()) / 1e9, benchmark::Counter::kIsRate);
  state.counters["GFLOP/s"] = benchmark::Counter(iters * 2.0 * double(rows * cols * batch) / 1e9,
                                                 benchmark::Counter::kIsRate);
  state.SetLabel(std::string(ruvllm::ggml_type_name(type)) + " " +
                 std::string(ruvllm::isa_name(ruvllm::isa_level())));
}

void register_all() {
  struct Shape {
    const char* name;
    int64_t rows, cols, batch;
  };
  // rows x cols: a small model's FFN down projection (576 x 1536) and a 7B model's square
  // attention matrix; batches of 8 stand for a server decoding 8 sequences at once, batches of 32
  // for prompt processing.
  const Shape shapes[] = {{"Matvec/576x1536", 576, 1536, 1},
                          {"Matvec/4096x4096", 4096, 4096, 1},
                          {"Batch8/576x1536", 576, 1536, 8},
                          {"Batch32/576x1536", 576, 1536, 32},
                          {"Batch32/4096x4096", 4096, 4096, 32}};
  for (const auto& s : shapes)
    for (GgmlType t : kTypes) {
      const std::string name = std::string(s.name) + "/" + std::string(ruvllm::ggml_type_name(t));
      benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& st) {
        run_matmul(st, t, s.rows, s.cols, s.batch);
      })->Unit(benchmark::kMicrosecond);
    }
}

const bool registered = (register_all(), true);

}  // namespace

BENCHMARK_MAIN();
