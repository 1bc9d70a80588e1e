// What the processor can do, read once with cpuid, and which kernel level to use.
//
// The environment variable RUVLLM_ISA=scalar|avx2|avx512 caps the level (for testing the portable
// paths on a machine that has more); `set_isa_cap` does the same from code.
#pragma once

#include <string_view>

namespace ruvllm {

struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool bmi2 = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vl = false;
  bool avx512dq = false;
  bool avx512vnni = false;
  bool avx512vbmi = false;  // byte permutations; some AVX-512 kernels need it on top of the level
  bool avx512bf16 = false;
  bool avx_vnni = false;
};

enum class IsaLevel { Scalar = 0, Avx2 = 1, Avx512 = 2 };

// Features reported by the CPU and enabled by the OS (XCR0).
const CpuFeatures& cpu_features();

// The best level this CPU supports, lowered by RUVLLM_ISA or set_isa_cap.
IsaLevel isa_level();

// Caps the level used by kernels chosen after this call (tests use it to force scalar paths).
void set_isa_cap(IsaLevel cap);

std::string_view isa_name(IsaLevel level);

}  // namespace ruvllm
