// LayerNorm forward/backward over the last dimension with AVX2 + FMA (8 lanes, two accumulators per sum):
// the math of MarketTensor's Kernels+LayerNorm.swift (llm.c layout), sums in another order.
// Callers check mg_kernels_use_avx2() first; the Swift kernels are the plain path for other CPUs.
#include "CKernels.h"
#include <immintrin.h>
#include <math.h>

#define AVX2 __attribute__((target("avx2,fma")))

AVX2 static inline float hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

AVX2 static void layernorm_forward_avx2(float *out, float *mean, float *rstd, const float *input, const float *weight,
                                        const float *bias, long rows, long c, float epsilon) {
    for (long r = 0; r < rows; r++) {
        const float *x = input + r * c;
        float *o = out + r * c;
        __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
        long j = 0;
        for (; j + 16 <= c; j += 16) {
            s0 = _mm256_add_ps(s0, _mm256_loadu_ps(x + j));
            s1 = _mm256_add_ps(s1, _mm256_loadu_ps(x + j + 8));
        }
        for (; j + 8 <= c; j += 8) s0 = _mm256_add_ps(s0, _mm256_loadu_ps(x + j));
        float sum = hsum8(_mm256_add_ps(s0, s1));
        for (; j < c; j++) sum += x[j];
        const float m = sum / (float)c;
        const __m256 m8 = _mm256_set1_ps(m);
        __m256 v0 = _mm256_setzero_ps(), v1 = _mm256_setzero_ps();
        j = 0;
        for (; j + 16 <= c; j += 16) {
            const __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(x + j), m8), d1 = _mm256_sub_ps(_mm256_loadu_ps(x + j + 8), m8);
            v0 = _mm256_fmadd_ps(d0, d0, v0);
            v1 = _mm256_fmadd_ps(d1, d1, v1);
        }
        for (; j + 8 <= c; j += 8) { const __m256 d = _mm256_sub_ps(_mm256_loadu_ps(x + j), m8); v0 = _mm256_fmadd_ps(d, d, v0); }
        float var = hsum8(_mm256_add_ps(v0, v1));
        for (; j < c; j++) { const float d = x[j] - m; var += d * d; }
        const float s = 1.0f / sqrtf(var / (float)c + epsilon);
        const __m256 s8 = _mm256_set1_ps(s);
        j = 0;
        for (; j + 8 <= c; j += 8) {
            const __m256 norm = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + j), m8), s8);
            _mm256_storeu_ps(o + j, _mm256_fmadd_ps(norm, _mm256_loadu_ps(weight + j), _mm256_loadu_ps(bias + j)));
        }
        for (; j < c; j++) o[j] = (x[j] - m) * s * weight[j] + bias[j];
        mean[r] = m;
        rstd[r] = s;
    }
}

AVX2 static void layernorm_backward_avx2(float *dinput, float *dweight, float *dbias, const float *dout, const float *input,
                                         const float *weight, const float *mean, const float *rstd, long rows, long c) {
    const float invC = 1.0f / (float)c;
    for (long r = 0; r < rows; r++) {
        const float *x = input + r * c, *d = dout + r * c;
        const float m = mean[r], s = rstd[r];
        const __m256 m8 = _mm256_set1_ps(m), s8 = _mm256_set1_ps(s);
        __m256 a8 = _mm256_setzero_ps(), b8 = _mm256_setzero_ps();
        long j = 0;
        for (; j + 8 <= c; j += 8) {
            const __m256 norm = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + j), m8), s8);
            const __m256 dnorm = _mm256_mul_ps(_mm256_loadu_ps(weight + j), _mm256_loadu_ps(d + j));
            a8 = _mm256_add_ps(a8, dnorm);
            b8 = _mm256_fmadd_ps(dnorm, norm, b8);
        }
        float dnormMean = hsum8(a8), dnormNormMean = hsum8(b8);
        for (long k = j; k < c; k++) {
            const float norm = (x[k] - m) * s, dnorm = weight[k] * d[k];
            dnormMean += dnorm;
            dnormNormMean += dnorm * norm;
        }
        dnormMean *= invC;
        dnormNormMean *= invC;
        const __m256 mean8 = _mm256_set1_ps(dnormMean), nm8 = _mm256_set1_ps(dnormNormMean);
        float *di = dinput ? dinput + r * c : 0;
        j = 0;
        for (; j + 8 <= c; j += 8) {
            const __m256 dv = _mm256_loadu_ps(d + j);
            const __m256 norm = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + j), m8), s8);
            if (dbias) _mm256_storeu_ps(dbias + j, _mm256_add_ps(_mm256_loadu_ps(dbias + j), dv));
            if (dweight) _mm256_storeu_ps(dweight + j, _mm256_fmadd_ps(norm, dv, _mm256_loadu_ps(dweight + j)));
            if (di) {
                const __m256 t = _mm256_sub_ps(_mm256_fmsub_ps(_mm256_loadu_ps(weight + j), dv, mean8), _mm256_mul_ps(norm, nm8));
                _mm256_storeu_ps(di + j, _mm256_fmadd_ps(t, s8, _mm256_loadu_ps(di + j)));
            }
        }
        for (; j < c; j++) {
            const float norm = (x[j] - m) * s;
            if (dbias) dbias[j] += d[j];
            if (dweight) dweight[j] += norm * d[j];
            if (di) di[j] += (weight[j] * d[j] - dnormMean - norm * dnormNormMean) * s;
        }
    }
}

void mg_layernorm_forward_avx2(float *out, float *mean, float *rstd, const float *input, const float *weight,
                               const float *bias, long rows, long columns, float epsilon) {
    layernorm_forward_avx2(out, mean, rstd, input, weight, bias, rows, columns, epsilon);
}

void mg_layernorm_backward_avx2(float *dinput, float *dweight, float *dbias, const float *dout, const float *input,
                                const float *weight, const float *mean, const float *rstd, long rows, long columns) {
    layernorm_backward_avx2(dinput, dweight, dbias, dout, input, weight, mean, rstd, rows, columns);
}
