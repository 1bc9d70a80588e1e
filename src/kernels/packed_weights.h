// Weight matrices repacked at load into the layout the fastest kernels stream.
//
// WeightPacking::Rows16 (Q8_0, Q4_0, Q5_0 and IQ4_NL weights, on CPUs with AVX-512 VNNI): rows in
// groups of 16,
// the last group padded with zero rows. A group stores its blocks of 32 elements in order; a
// group's block is the 16 rows' F16 scales followed by their values four bytes of each row in
// turn (bytes 4k .. 4k+3 of rows 0, 1, ..., 15, then k + 1). One 512-bit load then holds four
// consecutive values of 16 rows, and one vpdpbusd multiplies them with four activation values
// broadcast to every lane: a block's scaling is shared by 16 rows and its weights by up to eight
// activation rows, where the file's layout costs a scale step per row and block. Q8_0 values are
// stored biased to unsigned bytes (q + 128); Q4_0 and IQ4_NL bytes keep their two nibbles
// (elements j and j + 16); Q5_0 stores its fifth bits as eight 64-bit masks, one per 512-bit
// register of values (bit 4r + j of mask v: element 4v + j of row r), before the nibbles. A
// packed matrix takes as many bytes as the file's.
//
// Packing is optional: a WeightView keeps `data`, and matmul reads `packed` only while the
// instruction set in use has a kernel for it (tests lower the level after load).
#pragma once

#include <cstddef>

#include "core/thread_pool.h"
#include "kernels/matmul.h"

namespace ruvllm::kernels {

// The packing the current instruction set's kernels read best for weights of `type`; None when
// they read the file's layout, or when the environment sets RUVLLM_PACK=0.
WeightPacking best_packing(GgmlType type);

// Bytes of w packed as `packing` (0 for None).
size_t packed_bytes(const WeightView& w, WeightPacking packing);

// Writes w packed as `packing` to dst (packed_bytes(w, packing) bytes, any alignment); the
// row groups are split over the pool's threads when pool is not null.
void pack_weights(const WeightView& w, WeightPacking packing, void* dst, ThreadPool* pool);

}  // namespace ruvllm::kernels
