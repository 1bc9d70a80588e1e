#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for a bounded time.
# Usage: scripts/fuzz.sh [SECONDS]   (default 60; the seed corpus is the golden GGUF files)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-60}
GOLDEN=${RUVLLM_GOLDEN:-../shared/golden}
cmake -S fuzz -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j "$(nproc)"
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
# Small seeds: the vocab-only and tiny model files (the reader never needs more than their headers).
for f in "$GOLDEN"/models/stories260Ktok512.gguf "$GOLDEN"/tokenizer/ggml-vocab-bert-bge.gguf; do
  [ -f "$f" ] && head -c 65536 "$f" > "$corpus/$(basename "$f")"
done
build-fuzz/gguf_fuzz -max_total_time="$SECONDS_PER_TARGET" -max_len=65536 -rss_limit_mb=4096 \
  -print_final_stats=1 "$corpus" 2>&1 | tail -n 15
echo "fuzz: gguf_fuzz ran ${SECONDS_PER_TARGET}s without a crash"
