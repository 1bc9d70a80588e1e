// Finding the golden reference data (../shared/golden, or $RUVLLM_GOLDEN) from tests.
//
// Under CI (CI=true) missing golden data is a failure, never a skip: a test that silently
// skips in CI cannot fail.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

namespace ruvllm::test {

// The golden folder: $RUVLLM_GOLDEN if set, else <repo>/../shared/golden.
std::filesystem::path golden_dir();

// A path inside the golden folder.
std::filesystem::path golden(const std::string& relative);

// True when running under CI (environment CI=true or CI=1).
bool in_ci();

// Reads a whole file as bytes; throws std::runtime_error when it cannot.
std::string read_file(const std::filesystem::path& path);

// Path of the built `ruvllm` executable.
std::filesystem::path ruvllm_binary();

// Runs a shell command, returns its exit status and captures stdout (stderr goes to `err` if given).
int run_command(const std::string& command, std::string* out, std::string* err = nullptr);

}  // namespace ruvllm::test

// Skips the test when `path` is missing, or fails it under CI.
#define RUVLLM_REQUIRE_GOLDEN(path)                                                        \
  do {                                                                                     \
    if (!std::filesystem::exists(path)) {                                                  \
      if (::ruvllm::test::in_ci()) {                                                       \
        FAIL() << "golden data missing under CI: " << (path);                              \
      } else {                                                                             \
        GTEST_SKIP() << "golden data missing: " << (path);                                 \
      }                                                                                    \
    }                                                                                      \
  } while (0)
