#!/usr/bin/env bash
# Installs everything RuvLLM needs on a fresh Debian 12 machine, then builds it.
# Usage: scripts/setup.sh            (run as root, or with sudo available)
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

PACKAGES=(
  build-essential cmake ninja-build pkg-config git clang clang-format libclang-rt-14-dev
  googletest libgtest-dev libgmock-dev libbenchmark-dev librapidcheck-dev
  nlohmann-json3-dev libcli11-dev libcpp-httplib-dev libssl-dev libcurl4-openssl-dev
  libutf8proc-dev libxxhash-dev libfmt-dev libspdlog-dev
  python3
)
# Node.js for the JS client tests: the machine's own when present, else Debian's.
command -v npm >/dev/null 2>&1 || PACKAGES+=(nodejs npm)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# JavaScript test clients (tests/e2e), when present.
if [ -f tests/e2e/package.json ] && command -v npm >/dev/null; then
  (cd tests/e2e && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi)
fi

# llama.cpp speed reference for bench/compare_llama_cpp.mjs (prebuilt CPU binaries from npm).
# Optional: the tests do not need it, so a failed install only disables the comparison.
if [ -f bench/llama_cpp/package-lock.json ] && command -v npm >/dev/null; then
  (cd bench/llama_cpp && npm ci --no-audit --no-fund) ||
    echo "setup: npm ci in bench/llama_cpp failed; the llama.cpp comparison is unavailable" >&2
fi

scripts/build.sh
