// Tokenizer throughput: loading a vocabulary, and encoding short JSON-ish strings (the grammar
// benchmark workload) and one long text.
//
//   bench_tokenizer [VOCAB.gguf] [--benchmark_filter=Encode]
// Default vocabulary: golden tokenizer/ggml-vocab-llama-bpe.gguf (Llama 3, 128,256 tokens).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "tokenizer/tokenizer.h"

namespace {

std::string g_vocab_path;

std::string default_vocab() {
  const char* golden = std::getenv("RUVLLM_GOLDEN");
  std::string dir = golden && *golden ? golden : "../shared/golden";
  return dir + "/tokenizer/ggml-vocab-llama-bpe.gguf";
}

const ruvllm::Tokenizer& tokenizer() {
  static std::shared_ptr<ruvllm::gguf::GgufFile> file = ruvllm::gguf::GgufFile::open(g_vocab_path);
  static std::unique_ptr<ruvllm::Tokenizer> tok = ruvllm::Tokenizer::from_gguf(*file);
  return *tok;
}

const std::vector<std::string>& short_strings() {
  static const std::vector<std::string> v = [] {
    std::vector<std::string> s;
    for (int i = 0; i < 1000; ++i) {
      s.push_back("{\"name\": \"item_" + std::to_string(i) + "\", \"price\": " +
                  std::to_string(i * 37 % 1000) + ".99, \"tags\": [\"a\", \"Ünïcödé\", \"x y\"]}");
    }
    return s;
  }();
  return v;
}

void BM_Load(benchmark::State& state) {
  auto file = ruvllm::gguf::GgufFile::open(g_vocab_path);
  for (auto _ : state) benchmark::DoNotOptimize(ruvllm::Tokenizer::from_gguf(*file));
}
BENCHMARK(BM_Load)->Unit(benchmark::kMillisecond);

void BM_EncodeShortStrings(benchmark::State& state) {
  const auto& tok = tokenizer();
  int64_t tokens = 0;
  for (auto _ : state)
    for (const auto& s : short_strings()) tokens += int64_t(tok.encode(s, false, false).size());
  state.counters["strings/s"] = benchmark::Counter(
      double(state.iterations() * short_strings().size()), benchmark::Counter::kIsRate);
  state.counters["tokens/s"] = benchmark::Counter(double(tokens), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EncodeShortStrings)->Unit(benchmark::kMillisecond);

void BM_EncodeLongText(benchmark::State& state) {
  const auto& tok = tokenizer();
  std::string text;
  for (int i = 0; i < 2000; ++i)
    text += "The quick brown fox jumps over the lazy dog, again and again (" + std::to_string(i) +
            ").\n";
  int64_t bytes = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(tok.encode(text, true, false));
    bytes += int64_t(text.size());
  }
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_EncodeLongText)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  g_vocab_path = default_vocab();
  std::vector<char*> args{argv[0]};
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] != '-')
      g_vocab_path = argv[i];
    else
      args.push_back(argv[i]);
  }
  int n = int(args.size());
  benchmark::Initialize(&n, args.data());
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
