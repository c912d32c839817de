// Inverted dropout (optionally fused with a residual add) from precomputed 16-bit draws, AVX2: the math of
// MarketTensor's Swift dropout loop (keep when draw ≥ threshold, scale 1/(1−p)), one multiply and one add per
// element, so every output is bit-identical to the Swift path. Callers check mg_kernels_use_avx2() first.
#include "CKernels.h"
#include <immintrin.h>

#pragma clang fp contract(off)   // one multiply, then one add: never fused, as in Swift

#define AVX2 __attribute__((target("avx2,fma")))

/// The 8 factors (keepScale or 0) of draws[0..<8].
AVX2 static inline __m256 dropout_factors8(const uint16_t *draws, __m256i threshold, __m256 keep) {
    const __m256i d = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)draws));
    // d ≥ threshold ⇔ ¬(threshold > d); both fit in 31 bits, so the signed compare is exact.
    const __m256i dropped = _mm256_cmpgt_epi32(threshold, d);
    return _mm256_andnot_ps(_mm256_castsi256_ps(dropped), keep);
}

AVX2 static void dropout_forward_avx2(float *out, const float *x, const float *residual, const uint16_t *draws,
                                      long count, unsigned threshold, float keepScale) {
    const __m256i t = _mm256_set1_epi32((int)threshold);
    const __m256 keep = _mm256_set1_ps(keepScale);
    long i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 y = _mm256_mul_ps(_mm256_loadu_ps(x + i), dropout_factors8(draws + i, t, keep));
        if (residual) y = _mm256_add_ps(_mm256_loadu_ps(residual + i), y);
        _mm256_storeu_ps(out + i, y);
    }
    for (; i < count; i++) {
        const float v = draws[i] >= threshold ? keepScale : 0.0f;
        const float y = x[i] * v;
        out[i] = residual ? residual[i] + y : y;
    }
}

AVX2 static void dropout_backward_avx2(float *dx, const float *dout, const uint16_t *draws, long count,
                                       unsigned threshold, float keepScale, int accumulate) {
    const __m256i t = _mm256_set1_epi32((int)threshold);
    const __m256 keep = _mm256_set1_ps(keepScale);
    long i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 g = _mm256_mul_ps(_mm256_loadu_ps(dout + i), dropout_factors8(draws + i, t, keep));
        if (accumulate) g = _mm256_add_ps(_mm256_loadu_ps(dx + i), g);
        _mm256_storeu_ps(dx + i, g);
    }
    for (; i < count; i++) {
        const float g = dout[i] * (draws[i] >= threshold ? keepScale : 0.0f);
        dx[i] = accumulate ? dx[i] + g : g;
    }
}

void mg_dropout_forward_avx2(float *out, const float *x, const float *residual, const uint16_t *draws, long count,
                             unsigned threshold, float keepScale) {
    dropout_forward_avx2(out, x, residual, draws, count, threshold, keepScale);
}

void mg_dropout_backward_avx2(float *dx, const float *dout, const uint16_t *draws, long count, unsigned threshold,
                              float keepScale, int accumulate) {
    dropout_backward_avx2(dx, dout, draws, count, threshold, keepScale, accumulate);
}
