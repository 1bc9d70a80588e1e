// The constants of the vector exponential (internal to the kernels module): Cody-Waite reduction
// by ln 2 and Cephes' degree-6 polynomial, within 2 ulp of std::exp. Every SIMD width computes
// e^x from these same constants in the same order (simd_math_avx2.cpp's 8 lanes, the AVX-512
// attention's 16), so all give the same bits.
#pragma once

namespace ruvllm::kernels::exp_polynomial {

// Inputs below kMin give 0 (expf turns subnormal there, as softmax does not need); inputs are
// clamped to [kMin, kMax] before the reduction.
inline constexpr float kMin = -87.3f;
inline constexpr float kMax = 88.0f;
inline constexpr float kLog2e = 1.44269504088896341f;
// ln 2 = kLn2High - kLn2Low, the high part exact in few bits.
inline constexpr float kLn2High = 0.693359375f;
inline constexpr float kLn2Low = -2.12194440e-4f;
// p(r) = ((((kP0 r + kP1) r + kP2) r + kP3) r + kP4) r + kP5; e^r = p(r) r^2 + r + 1.
inline constexpr float kP0 = 1.9875691500e-4f;
inline constexpr float kP1 = 1.3981999507e-3f;
inline constexpr float kP2 = 8.3334519073e-3f;
inline constexpr float kP3 = 4.1665795894e-2f;
inline constexpr float kP4 = 1.6666665459e-1f;
inline constexpr float kP5 = 5.0000001201e-1f;

}  // namespace ruvllm::kernels::exp_polynomial
