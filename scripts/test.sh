#!/usr/bin/env bash
# Builds everything and runs every test (GoogleTest via CTest, then the JS client suites if any).
# Golden data comes from ../shared/golden (or $RUVLLM_GOLDEN).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
BUILD_DIR=${RUVLLM_BUILD_DIR:-build}
# The GGUF reader's libFuzzer target, bounded (needs clang; setup.sh installs it).
if command -v clang++ >/dev/null; then scripts/fuzz.sh "${RUVLLM_FUZZ_SECONDS:-60}"; fi
ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$(nproc)" --timeout 900
if [ -f tests/e2e/package.json ] && [ -d tests/e2e/node_modules ]; then
  (cd tests/e2e && RUVLLM_BINARY="$PWD/../../$BUILD_DIR/ruvllm" npm test)
fi
