// The forward and input-gradient GEMMs of a linear layer on bf16 operands (AVX-512 BF16, `vdpbf16ps`: two bf16 multiply-adds into each
// fp32 lane): the measured first piece of a mixed-precision path (issue 17, part 5). Training does not use it: it
// changes numerics (8-bit mantissas in every product), so it is timed by `marketgpt bench --only linear` beside the
// fp32 kernel of linear_avx512.c and tested against exact sums of the rounded operands. Same 14 × 32 register tile as
// the fp32 kernel: each step of the reduction broadcasts one input pair (x[2p], x[2p+1]) per row and multiplies it
// with a weight panel holding the same pair for 32 outputs.
#include "CKernels.h"
#include "lane_mask.h"
#include <immintrin.h>

#define BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))
#define AI static inline __attribute__((always_inline))

enum { MR = 14,    // rows per register tile
       NR = 32 };  // outputs per register tile (two 16-lane vectors)

int mg_cpu_supports_avx512_bf16(void) {
    __builtin_cpu_init();
    return mg_cpu_supports_avx512() && __builtin_cpu_supports("avx512bf16");
}

BF16 void mg_bf16_convert_rows(uint16_t *dst, const float *src, long rows, long cols) {
    const long stride = cols + (cols & 1);
    for (long r = 0; r < rows; r++) {
        const float *s = src + r * cols;
        uint16_t *d = dst + r * stride;
        long c = 0;
        for (; c + 32 <= cols; c += 32) {
            const __m512bh v = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(s + c + 16), _mm512_loadu_ps(s + c));
            _mm512_storeu_si512((void *)(d + c), (__m512i)v);
        }
        for (; c < stride; c += 16) {   // the tail, and the zero that pads an odd row
            const __m256bh h = _mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(lanes(cols - c), s + c));
            _mm256_mask_storeu_epi16((void *)(d + c), lanes(stride - c), (__m256i)h);
        }
    }
}

long mg_linear_bf16_packed_weight_words(long outFeatures, long inFeatures) {
    return (outFeatures + NR - 1) / NR * NR * ((inFeatures + 1) / 2);
}

void mg_linear_bf16_pack_weight(uint32_t *packed, const uint16_t *weight, long outFeatures, long inFeatures) {
    const long pairs = (inFeatures + 1) / 2, panels = (outFeatures + NR - 1) / NR;
    const uint32_t *rows = (const uint32_t *)weight;   // (Out, pairs): one word per bf16 pair
    for (long jp = 0; jp < panels; jp++) {
        uint32_t *panel = packed + jp * NR * pairs;
        for (long p = 0; p < pairs; p++) {
            for (long j = 0; j < NR; j++) {
                const long o = jp * NR + j;
                panel[p * NR + j] = o < outFeatures ? rows[o * pairs + p] : 0;
            }
        }
    }
}

long mg_linear_bf16_packed_weight_t_words(long outFeatures, long inFeatures) {
    return (inFeatures + NR - 1) / NR * NR * ((outFeatures + 1) / 2);
}

void mg_linear_bf16_pack_weight_t(uint32_t *packed, const uint16_t *weight, long outFeatures, long inFeatures) {
    const long pairs = (outFeatures + 1) / 2, panels = (inFeatures + NR - 1) / NR, stride = inFeatures + (inFeatures & 1);
    for (long jp = 0; jp < panels; jp++) {
        uint32_t *panel = packed + jp * NR * pairs;
        for (long q = 0; q < pairs; q++) {
            for (long j = 0; j < NR; j++) {
                const long i = jp * NR + j, o = 2 * q;
                const uint32_t lo = i < inFeatures ? weight[o * stride + i] : 0;
                const uint32_t hi = i < inFeatures && o + 1 < outFeatures ? weight[(o + 1) * stride + i] : 0;
                panel[q * NR + j] = lo | hi << 16;
            }
        }
    }
}

/// c[i][0..<32] (masks m0, m1) for i < R = init + Σ_p a[i·lda + p] · panel[p], p ascending over `pairs`.
BF16 AI void tile(const int R, float *c, long ldc, const uint32_t *a, long lda, const uint32_t *panel, long pairs,
                  __mmask16 m0, __mmask16 m1, __m512 init0, __m512 init1) {
    __m512 c0[MR], c1[MR];
    _Pragma("clang loop unroll(full)")
    for (int i = 0; i < R; i++) {
        c0[i] = init0;
        c1[i] = init1;
    }
    for (long p = 0; p < pairs; p++) {
        const __m512bh b0 = (__m512bh)_mm512_loadu_si512((const void *)(panel + p * NR));
        const __m512bh b1 = (__m512bh)_mm512_loadu_si512((const void *)(panel + p * NR + 16));
        _Pragma("clang loop unroll(full)")
        for (int i = 0; i < R; i++) {
            const __m512bh av = (__m512bh)_mm512_set1_epi32((int)a[i * lda + p]);
            c0[i] = _mm512_dpbf16_ps(c0[i], av, b0);
            c1[i] = _mm512_dpbf16_ps(c1[i], av, b1);
        }
    }
    _Pragma("clang loop unroll(full)")
    for (int i = 0; i < R; i++) {
        _mm512_mask_storeu_ps(c + i * ldc, m0, c0[i]);
        _mm512_mask_storeu_ps(c + i * ldc + 16, m1, c1[i]);
    }
}

/// `tile` for any row count 1…14.
BF16 static void tile_rows(int rows, float *c, long ldc, const uint32_t *a, long lda, const uint32_t *panel, long pairs,
                           __mmask16 m0, __mmask16 m1, __m512 init0, __m512 init1) {
    switch (rows) {
#define CASE(n) case n: tile(n, c, ldc, a, lda, panel, pairs, m0, m1, init0, init1); break;
        CASE(14) CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8) CASE(9) CASE(10) CASE(11) CASE(12)
        CASE(13)
#undef CASE
        default: break;
    }
}

BF16 void mg_linear_bf16_forward(float *out, const uint16_t *input, const uint32_t *packedWeight, const float *bias,
                                 long rowStart, long rowEnd, long outFeatures, long inFeatures) {
    const long pairs = (inFeatures + 1) / 2, panels = (outFeatures + NR - 1) / NR;
    const uint32_t *rows = (const uint32_t *)input;
    for (long jp = 0; jp < panels; jp++) {
        const long j = jp * NR;
        const __mmask16 m0 = lanes(outFeatures - j), m1 = lanes(outFeatures - j - 16);
        const __m512 init0 = bias ? _mm512_maskz_loadu_ps(m0, bias + j) : _mm512_setzero_ps();
        const __m512 init1 = bias ? _mm512_maskz_loadu_ps(m1, bias + j + 16) : _mm512_setzero_ps();
        const uint32_t *panel = packedWeight + jp * NR * pairs;
        for (long i = rowStart; i < rowEnd; i += MR) {
            const long r = rowEnd - i < MR ? rowEnd - i : MR;
            tile_rows((int)r, out + i * outFeatures + j, outFeatures, rows + i * pairs, pairs, panel, pairs, m0, m1, init0, init1);
        }
    }
}
