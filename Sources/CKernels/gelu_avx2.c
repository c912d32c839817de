// GELU (tanh form) forward/backward with AVX2 + FMA, 8 lanes: the math of MarketTensor's Swift kernels
// (Kernels+Activation.swift: x·σ(2u) with a range-reduced 2^v), fused multiply-adds where those round twice.
// Callers check mg_kernels_use_avx2() first; the Swift kernels are the plain path for other CPUs.
#include "CKernels.h"
#include "lane_mask.h"
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))

static const float kA = -2.0f * 1.4426950408889634f * 0.7978845608028654f;  // −2·log₂e·√(2/π)
static const float kB = -2.0f * 1.4426950408889634f * 0.7978845608028654f * 0.044715f;
static const float kMagic = 12582912.0f;                                      // 1.5·2^23
static const float kSlope = 2.0f * 0.7978845608028654f;                        // 2·√(2/π)

/// σ(2u) = 1 / (1 + 2^v), v = x·(a + b·x²) clamped to ±125; 2^v = 2^n·p(f), f ∈ [−½, ½].
AVX2 static inline __m256 gelu_sigmoid8(__m256 x) {
    __m256 v = _mm256_mul_ps(x, _mm256_fmadd_ps(_mm256_mul_ps(x, x), _mm256_set1_ps(kB), _mm256_set1_ps(kA)));
    v = _mm256_min_ps(_mm256_max_ps(v, _mm256_set1_ps(-125.0f)), _mm256_set1_ps(125.0f));
    const __m256 magic = _mm256_set1_ps(kMagic);
    const __m256 shifted = _mm256_add_ps(v, magic);
    const __m256 f = _mm256_sub_ps(v, _mm256_sub_ps(shifted, magic));
    __m256 p = _mm256_set1_ps(1.327645150013268e-3f);
    p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(9.675540961325169e-3f));
    p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(5.550713464617729e-2f));
    p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(2.4022120237350464e-1f));
    p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(6.931469440460205e-1f));
    p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(1.0000001192092896f));
    const __m256i scaled = _mm256_add_epi32(_mm256_castps_si256(p), _mm256_slli_epi32(_mm256_castps_si256(shifted), 23));
    const __m256 one = _mm256_set1_ps(1.0f);
    return _mm256_div_ps(one, _mm256_add_ps(one, _mm256_castsi256_ps(scaled)));
}

/// Lanes 0..<count of p (count < 8) as a vector, zeros elsewhere; and the matching store.
AVX2 static inline __m256i tail_mask(int count) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

AVX2 static void gelu_forward_avx2(float *out, const float *input, long count) {
    long i = 0;
    for (; i + 8 <= count; i += 8) {
        const __m256 x = _mm256_loadu_ps(input + i);
        _mm256_storeu_ps(out + i, _mm256_mul_ps(x, gelu_sigmoid8(x)));
    }
    if (i < count) {
        const __m256i mask = tail_mask((int)(count - i));
        const __m256 x = _mm256_maskload_ps(input + i, mask);
        _mm256_maskstore_ps(out + i, mask, _mm256_mul_ps(x, gelu_sigmoid8(x)));
    }
}

/// gelu'(x) = σ + 2x·σ(1−σ)·√(2/π)(1 + 0.134145x²).
AVX2 static inline __m256 gelu_derivative8(__m256 x) {
    const __m256 s = gelu_sigmoid8(x);
    const __m256 slope = _mm256_mul_ps(_mm256_set1_ps(kSlope),
                                       _mm256_fmadd_ps(_mm256_mul_ps(x, x), _mm256_set1_ps(0.134145f), _mm256_set1_ps(1.0f)));
    return _mm256_fmadd_ps(_mm256_mul_ps(x, _mm256_sub_ps(s, _mm256_mul_ps(s, s))), slope, s);
}

AVX2 static void gelu_backward_avx2(float *dinput, const float *input, const float *dout, long count, int accumulate) {
    long i = 0;
    for (; i + 8 <= count; i += 8) {
        const __m256 g = _mm256_mul_ps(_mm256_loadu_ps(dout + i), gelu_derivative8(_mm256_loadu_ps(input + i)));
        _mm256_storeu_ps(dinput + i, accumulate ? _mm256_add_ps(_mm256_loadu_ps(dinput + i), g) : g);
    }
    if (i < count) {
        const __m256i mask = tail_mask((int)(count - i));
        const __m256 g = _mm256_mul_ps(_mm256_maskload_ps(dout + i, mask), gelu_derivative8(_mm256_maskload_ps(input + i, mask)));
        _mm256_maskstore_ps(dinput + i, mask, accumulate ? _mm256_add_ps(_mm256_maskload_ps(dinput + i, mask), g) : g);
    }
}

void mg_gelu_forward_avx2(float *out, const float *input, long count) { gelu_forward_avx2(out, input, count); }

void mg_gelu_backward_avx2(float *dinput, const float *input, const float *dout, long count, int accumulate) {
    gelu_backward_avx2(dinput, input, dout, count, accumulate);
}

// The same kernels on 16 lanes (AVX-512 F): the identical operation sequence per element, so every output equals the
// AVX2 kernel's bit for bit (tested); callers check mg_cpu_supports_avx512() first.
#define AVX512 __attribute__((target("avx512f,avx2,fma")))

AVX512 static inline __m512 gelu_sigmoid16(__m512 x) {
    __m512 v = _mm512_mul_ps(x, _mm512_fmadd_ps(_mm512_mul_ps(x, x), _mm512_set1_ps(kB), _mm512_set1_ps(kA)));
    v = _mm512_min_ps(_mm512_max_ps(v, _mm512_set1_ps(-125.0f)), _mm512_set1_ps(125.0f));
    const __m512 magic = _mm512_set1_ps(kMagic);
    const __m512 shifted = _mm512_add_ps(v, magic);
    const __m512 f = _mm512_sub_ps(v, _mm512_sub_ps(shifted, magic));
    __m512 p = _mm512_set1_ps(1.327645150013268e-3f);
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(9.675540961325169e-3f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(5.550713464617729e-2f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(2.4022120237350464e-1f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(6.931469440460205e-1f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.0000001192092896f));
    const __m512i scaled = _mm512_add_epi32(_mm512_castps_si512(p), _mm512_slli_epi32(_mm512_castps_si512(shifted), 23));
    const __m512 one = _mm512_set1_ps(1.0f);
    return _mm512_div_ps(one, _mm512_add_ps(one, _mm512_castsi512_ps(scaled)));
}

AVX512 static inline __m512 gelu_derivative16(__m512 x) {
    const __m512 s = gelu_sigmoid16(x);
    const __m512 slope = _mm512_mul_ps(_mm512_set1_ps(kSlope),
                                       _mm512_fmadd_ps(_mm512_mul_ps(x, x), _mm512_set1_ps(0.134145f), _mm512_set1_ps(1.0f)));
    return _mm512_fmadd_ps(_mm512_mul_ps(x, _mm512_sub_ps(s, _mm512_mul_ps(s, s))), slope, s);
}

AVX512 void mg_gelu_forward_avx512(float *out, const float *input, long count) {
    for (long i = 0; i < count; i += 16) {
        const __mmask16 m = lanes(count - i);
        const __m512 x = _mm512_maskz_loadu_ps(m, input + i);
        _mm512_mask_storeu_ps(out + i, m, _mm512_mul_ps(x, gelu_sigmoid16(x)));
    }
}

AVX512 void mg_gelu_backward_avx512(float *dinput, const float *input, const float *dout, long count, int accumulate) {
    for (long i = 0; i < count; i += 16) {
        const __mmask16 m = lanes(count - i);
        const __m512 g = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, dout + i), gelu_derivative16(_mm512_maskz_loadu_ps(m, input + i)));
        _mm512_mask_storeu_ps(dinput + i, m, accumulate ? _mm512_add_ps(_mm512_maskz_loadu_ps(m, dinput + i), g) : g);
    }
}
