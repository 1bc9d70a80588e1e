// Validity of schema-constrained generation at scale: for every model given (by default every
// *.gguf in ../shared/golden/models), random JSON Schemas (tests/structured/random_schema.h,
// a quarter of them nested 10+ deep) plus the hand-written hard cases of the test, several
// answers each at temperature 1 through the server's scheduler, every finished answer parsed and
// validated. Prints per model and in total: generations, valid, invalid (must be 0), incomplete
// (budget ran out) and errors.
//
//   bench_schema_generation [--models DIR_OR_FILES...] [--schemas 40] [--per-schema 4]
//                           [--max-tokens 200] [--seed 1]
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

// Test-side helpers shared with tests/server/schema_generation_test.cpp (header-only).
#include "../tests/server/schema_generation_run.h"
#include "../tests/structured/random_schema.h"

namespace {

using Json = nlohmann::ordered_json;

// $RUVLLM_GOLDEN/models, else <repo>/../shared/golden/models.
std::string golden_models_dir() {
  if (const char* env = std::getenv("RUVLLM_GOLDEN")) return std::string(env) + "/models";
  const std::filesystem::path repo = std::filesystem::path(__FILE__).parent_path().parent_path();
  return (repo.parent_path() / "shared/golden/models").string();
}

std::vector<std::string> model_files(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (const auto& a : args) {
    if (std::filesystem::is_directory(a)) {
      for (const auto& e : std::filesystem::directory_iterator(a))
        if (e.path().extension() == ".gguf") out.push_back(e.path().string());
    } else {
      out.push_back(a);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Validity of schema-constrained generations over many models and schemas"};
  std::vector<std::string> models = {golden_models_dir()};
  int n_schemas = 40, per_schema = 4, max_tokens = 200;
  uint32_t seed = 1;
  app.add_option("--models", models, "model files or directories of them");
  app.add_option("--schemas", n_schemas, "random schemas per model")->capture_default_str();
  app.add_option("--per-schema", per_schema, "answers per schema")->capture_default_str();
  app.add_option("--max-tokens", max_tokens, "token budget per answer")->capture_default_str();
  app.add_option("--seed", seed, "seed of schemas and sampling")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  ruvllm::server::test::SchemaGenerationStats total;
  const auto t0 = std::chrono::steady_clock::now();
  for (const std::string& path : model_files(models)) {
    std::mt19937 rng(seed);
    auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    std::vector<Json> schemas;
    for (int i = 0; i < n_schemas; ++i)
      schemas.push_back(
          ruvllm::structured::test::RandomSchema(pick, pick(1, 6), i % 4 == 0 ? 10 : 0).root());
    ruvllm::server::test::SchemaGenerationStats s;
    try {
      s = ruvllm::server::test::run_schema_generations(path, schemas, per_schema, max_tokens,
                                                       seed * 100000);
    } catch (const std::exception& e) {
      std::printf("%-45s skipped: %s\n", std::filesystem::path(path).filename().c_str(), e.what());
      continue;
    }
    std::printf("%-45s generations %5zu  valid %5zu  invalid %zu  incomplete %3zu  errors %zu\n",
                std::filesystem::path(path).filename().c_str(), s.generations, s.valid, s.invalid,
                s.incomplete, s.errors);
    // Failures are printed as they are found: a long run that is stopped still shows them.
    for (const auto& f : s.failures) std::printf("%s\n", f.c_str());
    std::fflush(stdout);
    total.add(s);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf(
      "TOTAL: schemas %zu, generations %zu, valid %zu, invalid %zu, incomplete %zu, errors %zu, "
      "%zu tokens in %.0f s\n",
      total.schemas, total.generations, total.valid, total.invalid, total.incomplete, total.errors,
      total.tokens, seconds);
  return total.invalid == 0 && total.errors == 0 ? 0 : 1;
}
