#include "core/cpu_features.h"

#include <cpuid.h>
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace ruvllm {
namespace {

uint64_t read_xcr0() {
  uint32_t eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (uint64_t(edx) << 32) | eax;
}

CpuFeatures detect() {
  CpuFeatures f;
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  const bool osxsave = c & (1u << 27);
  const bool fma = c & (1u << 12);
  const bool f16c = c & (1u << 29);
  if (!osxsave) return f;
  const uint64_t xcr0 = read_xcr0();
  const bool ymm_os = (xcr0 & 0x6) == 0x6;
  const bool zmm_os = (xcr0 & 0xe6) == 0xe6;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return f;
  f.avx2 = ymm_os && (b & (1u << 5));
  f.bmi2 = b & (1u << 8);
  f.fma = ymm_os && fma;
  f.f16c = ymm_os && f16c;
  f.avx512f = zmm_os && (b & (1u << 16));
  f.avx512dq = zmm_os && (b & (1u << 17));
  f.avx512bw = zmm_os && (b & (1u << 30));
  f.avx512vl = zmm_os && (b & (1u << 31));
  f.avx512vnni = zmm_os && (c & (1u << 11));
  f.avx512vbmi = zmm_os && (c & (1u << 1));
  unsigned a1, b1, c1, d1;
  if (__get_cpuid_count(7, 1, &a1, &b1, &c1, &d1)) {
    f.avx512bf16 = zmm_os && (a1 & (1u << 5));
    f.avx_vnni = ymm_os && (a1 & (1u << 4));
  }
  return f;
}

IsaLevel env_cap() {
  const char* v = std::getenv("RUVLLM_ISA");
  if (!v) return IsaLevel::Avx512;
  std::string s(v);
  if (s == "scalar" || s == "none") return IsaLevel::Scalar;
  if (s == "avx2") return IsaLevel::Avx2;
  return IsaLevel::Avx512;
}

std::atomic<int> g_cap{-1};

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures f = detect();
  return f;
}

IsaLevel isa_level() {
  const auto& f = cpu_features();
  IsaLevel hw = IsaLevel::Scalar;
  if (f.avx2 && f.fma && f.f16c) hw = IsaLevel::Avx2;
  if (hw == IsaLevel::Avx2 && f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq && f.avx512vnni &&
      f.avx512bf16)
    hw = IsaLevel::Avx512;
  int cap = g_cap.load(std::memory_order_relaxed);
  if (cap < 0) {
    cap = int(env_cap());
    g_cap.store(cap, std::memory_order_relaxed);
  }
  return IsaLevel(std::min(int(hw), cap));
}

void set_isa_cap(IsaLevel cap) {
  g_cap.store(int(cap), std::memory_order_relaxed);
}

std::string_view isa_name(IsaLevel level) {
  switch (level) {
    case IsaLevel::Scalar:
      return "scalar";
    case IsaLevel::Avx2:
      return "avx2";
    case IsaLevel::Avx512:
      return "avx512";
  }
  return "?";
}

}  // namespace ruvllm
