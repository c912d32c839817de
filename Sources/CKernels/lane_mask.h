// The mask of the first `count` of 16 lanes, shared by the AVX-512 kernels of this target (a private header).
#ifndef MARKETGPT_LANE_MASK_H
#define MARKETGPT_LANE_MASK_H
#include <immintrin.h>

/// Lanes 0..<count (clamped to 0…16) set.
static inline __attribute__((always_inline)) __mmask16 lanes(long count) {
    return count <= 0 ? (__mmask16)0 : count >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << count) - 1);
}
#endif
