// ggml's quantized block layouts, byte for byte as they are stored in GGUF files.
//
// A quantized row is an array of blocks. Each block stores `kBlock` (32, "legacy" types) or
// `kSuperBlock` (256, K-quants and IQ4_XS) elements as small integers plus F16 scales; the
// comments give the value of element i. F16 fields are raw IEEE half bits (core/half.h).
//
// Legacy types: element j and j + 16 of a block share byte qs[j] (low nibble, high nibble).
// K-quants: a 256-element super-block split into sub-blocks of 16 or 32 elements, each with its
// own small integer scale (and min) that is itself scaled by the super-block's F16 d (and dmin).
#pragma once

#include <cstdint>

namespace ruvllm::kernels {

inline constexpr int kBlock = 32;        // elements per block of the legacy types (QK4_0 ... QK8_1)
inline constexpr int kSuperBlock = 256;  // elements per K-quant super-block (QK_K)
inline constexpr int kScaleBytesK = 12;  // packed 6-bit scales and mins of Q4_K / Q5_K

// x = d * (q - 8), q in [0, 15]
struct BlockQ4_0 {
  uint16_t d;
  uint8_t qs[kBlock / 2];
};

// x = d * q + m, q in [0, 15]
struct BlockQ4_1 {
  uint16_t d;
  uint16_t m;
  uint8_t qs[kBlock / 2];
};

// x = d * (q - 16), q in [0, 31]; bit 4 of element j is bit j of the little-endian u32 qh.
struct BlockQ5_0 {
  uint16_t d;
  uint8_t qh[4];
  uint8_t qs[kBlock / 2];
};

// x = d * q + m, q in [0, 31]; high bits as in Q5_0.
struct BlockQ5_1 {
  uint16_t d;
  uint16_t m;
  uint8_t qh[4];
  uint8_t qs[kBlock / 2];
};

// x = d * q, q in [-127, 127]
struct BlockQ8_0 {
  uint16_t d;
  int8_t qs[kBlock];
};

// x = d * q; s = d * sum(q) (used by the Q4_1 / Q5_1 dot products to apply their min).
struct BlockQ8_1 {
  uint16_t d;
  uint16_t s;
  int8_t qs[kBlock];
};

// 16 sub-blocks of 16: x = d * (scales[k] & 15) * q - dmin * (scales[k] >> 4), q in [0, 3].
// qs packs four 2-bit values per byte: in each 128-element half, byte l of the half's 32 bytes
// holds elements l, l + 32, l + 64, l + 96 at shifts 0, 2, 4, 6.
struct BlockQ2_K {
  uint8_t scales[kSuperBlock / 16];
  uint8_t qs[kSuperBlock / 4];
  uint16_t d;
  uint16_t dmin;
};

// 16 sub-blocks of 16: x = d * (s[k] - 32) * (q - (high bit ? 0 : 4)), q the 2-bit low part.
// The 6-bit scales s are packed in 12 bytes (low nibbles in bytes 0-7, high 2 bits in 8-11);
// hmask bit j of byte l is the high bit of element 32 * j + l; low bits as in Q2_K.
struct BlockQ3_K {
  uint8_t hmask[kSuperBlock / 8];
  uint8_t qs[kSuperBlock / 4];
  uint8_t scales[12];
  uint16_t d;
};

// 8 sub-blocks of 32: x = d * sc[k] * q - dmin * m[k], q in [0, 15], 6-bit sc/m packed in
// `scales` (see unpack_scale_min_k4). Each 64 elements use 32 bytes: low nibbles then high.
struct BlockQ4_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[kScaleBytesK];
  uint8_t qs[kSuperBlock / 2];
};

// As Q4_K with a fifth bit: bit 2k (low nibbles) / 2k + 1 (high nibbles) of qh[l] for the k-th
// group of 64 elements; q in [0, 31].
struct BlockQ5_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[kScaleBytesK];
  uint8_t qh[kSuperBlock / 8];
  uint8_t qs[kSuperBlock / 2];
};

// 16 sub-blocks of 16: x = d * scales[k] * (q - 32), q in [0, 63] from 4 low bits in ql and 2
// high bits in qh (layout in dequantize_kquants.cpp).
struct BlockQ6_K {
  uint8_t ql[kSuperBlock / 2];
  uint8_t qh[kSuperBlock / 4];
  int8_t scales[kSuperBlock / 16];
  uint16_t d;
};

// Activations for the K-quant dot products: x = d * q (d is F32), bsums[k] = sum of the k-th
// group of 16 q values.
struct BlockQ8_K {
  float d;
  int8_t qs[kSuperBlock];
  int16_t bsums[kSuperBlock / 16];
};

// Non-linear 4-bit: x = d * kIq4nlValues[q].
struct BlockIq4Nl {
  uint16_t d;
  uint8_t qs[kBlock / 2];
};

// 8 sub-blocks of 32, non-linear 4-bit values with 6-bit scales: x = d * (ls - 32) *
// kIq4nlValues[q] where ls of sub-block k has its low 4 bits in scales_l[k / 2] (nibble k % 2) and
// its high 2 bits at bit 2k of scales_h.
struct BlockIq4Xs {
  uint16_t d;
  uint16_t scales_h;
  uint8_t scales_l[kSuperBlock / 64];
  uint8_t qs[kSuperBlock / 2];
};

// The 16 levels of IQ4_NL / IQ4_XS.
inline constexpr int8_t kIq4nlValues[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                            1,    13,   25,  38,  53,  69,  89,  113};

static_assert(sizeof(BlockQ4_0) == 18);
static_assert(sizeof(BlockQ4_1) == 20);
static_assert(sizeof(BlockQ5_0) == 22);
static_assert(sizeof(BlockQ5_1) == 24);
static_assert(sizeof(BlockQ8_0) == 34);
static_assert(sizeof(BlockQ8_1) == 36);
static_assert(sizeof(BlockQ2_K) == 84);
static_assert(sizeof(BlockQ3_K) == 110);
static_assert(sizeof(BlockQ4_K) == 144);
static_assert(sizeof(BlockQ5_K) == 176);
static_assert(sizeof(BlockQ6_K) == 210);
static_assert(sizeof(BlockQ8_K) == 292);
static_assert(sizeof(BlockIq4Nl) == 18);
static_assert(sizeof(BlockIq4Xs) == 136);
static_assert(alignof(BlockQ4_0) == 2 && alignof(BlockQ8_K) == 4);

// Scale and min of sub-block j (0..7) from the 12 packed bytes of Q4_K / Q5_K: sub-blocks 0-3
// keep 6 bits in bytes 0-3 (scales) and 4-7 (mins); 4-7 keep their low 4 bits in bytes 8-11 and
// their high 2 bits in the top bits of bytes 0-7.
inline void unpack_scale_min_k4(int j, const uint8_t* q, uint8_t* scale, uint8_t* min) {
  if (j < 4) {
    *scale = q[j] & 63;
    *min = q[j + 4] & 63;
  } else {
    *scale = uint8_t((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
    *min = uint8_t((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
  }
}

// The 16 signed 6-bit scales (before subtracting 32) of a Q3_K block, from its 12 packed bytes.
inline void unpack_scales_q3_k(const uint8_t* packed, int8_t* scales) {
  for (int j = 0; j < 16; ++j) {
    const int low = j < 8 ? (packed[j] & 0xF) : (packed[j - 8] >> 4);
    const int high = (packed[8 + (j % 4)] >> (2 * (j / 4))) & 3;
    scales[j] = int8_t((low | (high << 4)) - 32);
  }
}

}  // namespace ruvllm::kernels
