// Compile-time activation-row counts for the tile kernels (internal to the kernels module).
#pragma once

#include <type_traits>

namespace ruvllm::kernels::detail {

// Calls f(std::integral_constant<int, NX>{}) with NX = n_x, clamped to [1, kMaxCols]: the
// kernels take their tile shape as template arguments so that every accumulator is a register.
// Safe in files compiled for different instruction sets: each instantiation is made with a
// lambda local to its file, so none is shared between them.
template <int kMaxCols, int NX = 1, typename F>
void with_cols(int n_x, F&& f) {
  static_assert(NX >= 1 && NX <= kMaxCols);
  if constexpr (NX == kMaxCols) {
    f(std::integral_constant<int, NX>{});
  } else {
    if (n_x <= NX) return f(std::integral_constant<int, NX>{});
    with_cols<kMaxCols, NX + 1>(n_x, f);
  }
}

}  // namespace ruvllm::kernels::detail
