// Scale searches of the K-quant reference quantizers (internal to the kernels module).
//
// Each picks, for one small group of weights, a scale (and for the affine types a min) and the
// integer levels L that minimise a weighted squared (or absolute) error, the same searches as
// ggml's reference quantizers so the chosen levels are identical.
#pragma once

#include <cstdint>

namespace ruvllm::kernels::detail {

// Below this magnitude a group is treated as all zeros.
inline constexpr float kGroupMaxEps = 1e-15f;

// Symmetric levels in [-nmax, nmax) stored as L = level + nmax; returns the scale.
// rmse_type 1 weights the error by x^2 and refines the scale over 18 candidate grids.
float search_symmetric_scale(int n, int nmax, const float* x, int8_t* L, int rmse_type);

// Affine levels in [0, nmax] with x ~ scale * L - min; returns the scale and stores min (>= 0,
// subtracted) in *neg_min. Tries nstep + 1 grids (rmin + rdelta * step) around the range;
// use_mad minimises absolute instead of squared error.
float search_affine_scale(int n, int nmax, const float* x, const float* weights, uint8_t* L,
                          float* neg_min, uint8_t* scratch, float rmin, float rdelta, int nstep,
                          bool use_mad);

// Symmetric levels for Q3_K (L = level + nmax) refined element by element; returns the scale.
float search_q3_scale(int n, int nmax, const float* x, int8_t* L);

}  // namespace ruvllm::kernels::detail
