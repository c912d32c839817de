// The FMA peak of one core: a loop of independent fused multiply-adds on registers only (no memory traffic), the
// reference against which `marketgpt bench` states what fraction of the machine's arithmetic a step uses. The
// accumulator count (12 vectors) covers the FMA latency × issue width of every x86 core since Haswell.
#include "CKernels.h"
#include <immintrin.h>

#define ACCUMULATORS 12

__attribute__((target("avx512f"))) static float fma_loop16(long iterations) {
    __m512 acc[ACCUMULATORS];
    for (int k = 0; k < ACCUMULATORS; k++) acc[k] = _mm512_set1_ps(0.001f * (float)(k + 1));
    const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
    for (long i = 0; i < iterations; i++) {
        for (int k = 0; k < ACCUMULATORS; k++) acc[k] = _mm512_fmadd_ps(acc[k], a, b);
        __asm__ volatile("" : "+v"(acc[0]), "+v"(acc[1]), "+v"(acc[2]), "+v"(acc[3]), "+v"(acc[4]), "+v"(acc[5]),
                              "+v"(acc[6]), "+v"(acc[7]), "+v"(acc[8]), "+v"(acc[9]), "+v"(acc[10]), "+v"(acc[11]));
    }
    __m512 sum = acc[0];
    for (int k = 1; k < ACCUMULATORS; k++) sum = _mm512_add_ps(sum, acc[k]);
    return _mm512_reduce_add_ps(sum);
}

__attribute__((target("avx2,fma"))) static float fma_loop8(long iterations) {
    __m256 acc[ACCUMULATORS];
    for (int k = 0; k < ACCUMULATORS; k++) acc[k] = _mm256_set1_ps(0.001f * (float)(k + 1));
    const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
    for (long i = 0; i < iterations; i++) {
        for (int k = 0; k < ACCUMULATORS; k++) acc[k] = _mm256_fmadd_ps(acc[k], a, b);
        __asm__ volatile("" : "+x"(acc[0]), "+x"(acc[1]), "+x"(acc[2]), "+x"(acc[3]), "+x"(acc[4]), "+x"(acc[5]),
                              "+x"(acc[6]), "+x"(acc[7]), "+x"(acc[8]), "+x"(acc[9]), "+x"(acc[10]), "+x"(acc[11]));
    }
    __m256 sum = acc[0];
    for (int k = 1; k < ACCUMULATORS; k++) sum = _mm256_add_ps(sum, acc[k]);
    float lanes[8];
    _mm256_storeu_ps(lanes, sum);
    return lanes[0] + lanes[1] + lanes[2] + lanes[3] + lanes[4] + lanes[5] + lanes[6] + lanes[7];
}

double mg_fma_probe(long iterations, float *sink) {
    if (iterations <= 0) return 0;
    if (mg_cpu_supports_avx512()) {
        *sink = fma_loop16(iterations);
        return (double)iterations * ACCUMULATORS * 16 * 2;
    }
    if (mg_cpu_supports_avx2_fma()) {
        *sink = fma_loop8(iterations);
        return (double)iterations * ACCUMULATORS * 8 * 2;
    }
    float acc = 0.001f;   // plain path: scalar chain (no FMA unit to measure)
    for (long i = 0; i < iterations; i++) acc = acc * 0.999999f + 1e-7f;
    *sink = acc;
    return (double)iterations * 2;
}
