// AVX2 + FMA + F16C dot products. Only called after isa_level() reported AVX2.
//
// This file must not odr-use inline functions or templates shared with portable files (the
// linker could keep this file's AVX2 copy for everyone); helpers here live in an unnamed namespace.
#include <immintrin.h>

#include "kernels/quant_blocks.h"
#include "kernels/vec_dot_kernels.h"

namespace ruvllm::kernels::detail {

DotKernel avx2_dot_kernel(GgmlType weight_type) {
  switch (weight_type) {
    default:
      return {};
  }
}

}  // namespace ruvllm::kernels::detail
