#include "kernels/vec_dot.h"

#include <string>

#include "core/cpu_features.h"
#include "core/error.h"
#include "kernels/vec_dot_kernels.h"

namespace ruvllm::kernels {
namespace detail {

DotKernel best_dot_kernel(GgmlType weight_type) {
  DotKernel k = scalar_dot_kernel(weight_type);
  // Each table lives in a file compiled for its instruction set: only touch it on a CPU that
  // has it.
  const IsaLevel level = isa_level();
  if (level >= IsaLevel::Avx512) {
    const DotKernel fast = avx512_dot_kernel(weight_type);
    if (fast.dot) return fast;
  }
  if (level >= IsaLevel::Avx2) {
    const DotKernel fast = avx2_dot_kernel(weight_type);
    if (fast.dot) k = fast;
  }
  return k;
}

}  // namespace detail

bool can_vec_dot(GgmlType weight_type) {
  return detail::scalar_dot_kernel(weight_type).dot != nullptr;
}

GgmlType vec_dot_type(GgmlType weight_type) {
  switch (weight_type) {
    case GgmlType::F32:
    case GgmlType::F16:
    case GgmlType::BF16:
      return weight_type;
    case GgmlType::Q4_0:
    case GgmlType::Q5_0:
    case GgmlType::Q8_0:
    case GgmlType::IQ4_NL:
      return GgmlType::Q8_0;
    case GgmlType::Q4_1:
    case GgmlType::Q5_1:
      return GgmlType::Q8_1;
    case GgmlType::Q2_K:
    case GgmlType::Q3_K:
    case GgmlType::Q4_K:
    case GgmlType::Q5_K:
    case GgmlType::Q6_K:
    case GgmlType::IQ4_XS:
      return GgmlType::Q8_K;
    default:
      throw UnsupportedError("no dot product for tensor type " +
                             std::string(ggml_type_name(weight_type)));
  }
}

float vec_dot(GgmlType weight_type, int64_t n, const void* w, const void* x) {
  const auto k = detail::best_dot_kernel(weight_type);
  if (!k.dot)
    throw UnsupportedError("no dot product for tensor type " +
                           std::string(ggml_type_name(weight_type)));
  return k.dot(n, w, x);
}

float vec_dot_reference(GgmlType weight_type, int64_t n, const void* w, const void* x) {
  const auto k = detail::scalar_dot_kernel(weight_type);
  if (!k.dot)
    throw UnsupportedError("no dot product for tensor type " +
                           std::string(ggml_type_name(weight_type)));
  return k.dot(n, w, x);
}

}  // namespace ruvllm::kernels
