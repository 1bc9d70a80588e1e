#!/usr/bin/env bash
# Builds and runs the tests under sanitizers: ASan+UBSan in build-asan/, TSan in build-tsan/.
# Usage: scripts/sanitize.sh [asan|tsan|all] [ctest -R regex]
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-all}
filter=${2:-}
run() {
  local dir=$1 san=$2
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRUVLLM_BUILD_BENCH=OFF \
    -DRUVLLM_SANITIZE="$san"
  cmake --build "$dir" -j "$(nproc)"
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ASAN_OPTIONS=detect_leaks=1 \
    TSAN_OPTIONS=halt_on_error=1 ctest --test-dir "$dir" --output-on-failure -j "$(nproc)" \
    ${filter:+-R "$filter"}
}
case "$which" in
  asan) run build-asan address,undefined ;;
  tsan) run build-tsan thread ;;
  all) run build-asan address,undefined; run build-tsan thread ;;
  *) echo "usage: scripts/sanitize.sh [asan|tsan|all] [regex]" >&2; exit 2 ;;
esac
