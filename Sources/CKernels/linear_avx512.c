// The three GEMMs of a linear layer (forward with its bias, input gradient, weight gradient) on AVX-512, for the
// shapes of MarketGPT (rows = B·T in the thousands, in/out features 7…4096). Register tiles of 14 rows × 32
// columns (28 accumulators); the forward starts its accumulators at the bias, so the output is written once — no
// bias broadcast pass, no zero fill, no read-modify-write of C as with sgemm's beta. The right operand is packed
// BLIS-style in 32-column panels (the weight once per forward, the input chunk by chunk for the weight gradient); the
// left operand is read where it is, one broadcast per row and reduction step (the input or output gradient rows for
// the forward and the input gradient; for the weight gradient a 14-output column block of the output gradient, whose
// row is one or two cache lines, so a 128-row chunk of it stays in L1 beside the 16 KB panel chunk). The weight
// gradient also sums the bias gradient over the same (cached) chunks. Until session 7 the left operand was packed
// too, in 14-row slices through register transposes, with reduction chunks of 256; dropping the packing and halving
// the chunk moved no bit (C holds the running sums between chunks; the bias sums still run over 256 rows).
// Every output element is one fused-multiply-add chain over its reduction index in ascending order (started at
// the bias, at 0, or at the old value when accumulating), so results do not depend on how rows or output blocks
// are split over threads. MarketTensor's sgemm path (Ops+Matmul.swift) is the plain path for other CPUs.
#include "CKernels.h"
#include "lane_mask.h"
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define AVX512 __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma")))
#define AI static inline __attribute__((always_inline))

enum { MR = 14,     // rows per register tile
       NR = 32,     // columns per register tile (two 16-lane vectors)
       KC = 128,    // reduction chunk: a 32-column panel chunk of the right operand (16 KB) stays in L1
       MC = 16 * MR };  // rows of the left operand swept per panel chunk (224 × 128 floats, 112 KB: L2)

/// One register tile: c[i][0..<32] (masks m0, m1 for the two halves) for i < R (a compile-time constant) =
/// start + Σ_p a[i·ai + p·ap]·b[p·bs + 0..<32], p ascending. start: the old c when `accumulate`, else `init`
/// (bias or zero) for both halves. The left operand is read in place: a row-major block (ai = its row stride,
/// ap = 1) or a transposed one (ai = 1, ap = its row stride).
AVX512 AI void tile(const int R, float *c, long ldc, const float *a, long ai, long ap, const float *b, long bs, long k,
                    __mmask16 m0, __mmask16 m1, __m512 init0, __m512 init1, int accumulate) {
    __m512 c0[MR], c1[MR];
    _Pragma("clang loop unroll(full)")
    for (int i = 0; i < R; i++) {
        if (accumulate) {
            c0[i] = _mm512_maskz_loadu_ps(m0, c + i * ldc);
            c1[i] = _mm512_maskz_loadu_ps(m1, c + i * ldc + 16);
        } else {
            c0[i] = init0;
            c1[i] = init1;
        }
    }
    for (long p = 0; p < k; p++) {
        const __m512 b0 = _mm512_maskz_loadu_ps(m0, b), b1 = _mm512_maskz_loadu_ps(m1, b + 16);
        _Pragma("clang loop unroll(full)")
    for (int i = 0; i < R; i++) {
            const __m512 av = _mm512_set1_ps(a[i * ai]);
            c0[i] = _mm512_fmadd_ps(av, b0, c0[i]);
            c1[i] = _mm512_fmadd_ps(av, b1, c1[i]);
        }
        a += ap;
        b += bs;
    }
    _Pragma("clang loop unroll(full)")
    for (int i = 0; i < R; i++) {
        _mm512_mask_storeu_ps(c + i * ldc, m0, c0[i]);
        _mm512_mask_storeu_ps(c + i * ldc + 16, m1, c1[i]);
    }
}

/// `tile` for any row count 1…14 (a full 14-row tile is the common case; the rest are row tails).
AVX512 static void tile_rows(int rows, float *c, long ldc, const float *a, long ai, long ap, const float *b, long bs, long k,
                             __mmask16 m0, __mmask16 m1, __m512 init0, __m512 init1, int accumulate) {
    switch (rows) {
#define CASE(n) case n: tile(n, c, ldc, a, ai, ap, b, bs, k, m0, m1, init0, init1, accumulate); break;
        CASE(14) CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8) CASE(9) CASE(10) CASE(11) CASE(12)
        CASE(13)
#undef CASE
        default: break;
    }
}

/// v[c] (c < 16) becomes column c of the 16×16 matrix whose rows were v[0..<16] (unpack, then 4-, 8-lane moves).
AVX512 AI void transpose16(__m512 v[16]) {
    __m512 t[16], u[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(v[i], v[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(v[i], v[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        u[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
        u[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
        u[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        u[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    for (int i = 0; i < 16; i += 8) {
        for (int j = 0; j < 4; j++) {
            t[i + j] = _mm512_shuffle_f32x4(u[i + j], u[i + 4 + j], 0x88);
            t[i + 4 + j] = _mm512_shuffle_f32x4(u[i + j], u[i + 4 + j], 0xDD);
        }
    }
    for (int j = 0; j < 8; j++) {
        v[j] = _mm512_shuffle_f32x4(t[j], t[8 + j], 0x88);
        v[8 + j] = _mm512_shuffle_f32x4(t[j], t[8 + j], 0xDD);
    }
}

/// dst[jp·32·k + p·32 + c] = src[p·ld + jp·32 + c] for p < k, columns jp·32 + c < n (zero past n): the k rows of a
/// row-major (k, n) operand cut into contiguous panels of 32 columns.
AVX512 static void pack_panels(float *dst, const float *src, long ld, long k, long n) {
    const long panels = (n + NR - 1) / NR;
    for (long jp = 0; jp < panels; jp++) {
        const long j = jp * NR;
        const __mmask16 m0 = lanes(n - j), m1 = lanes(n - j - 16);
        float *panel = dst + jp * NR * k;
        for (long p = 0; p < k; p++) {
            _mm512_storeu_ps(panel + p * NR, _mm512_maskz_loadu_ps(m0, src + p * ld + j));
            _mm512_storeu_ps(panel + p * NR + 16, _mm512_maskz_loadu_ps(m1, src + p * ld + j + 16));
        }
    }
}

/// Per-thread scratch `slot` (0 or 1) of at least `floats` floats (64-byte aligned; kept for the thread's next call,
/// freed when the thread ends).
typedef struct { float *data[2]; long capacity[2]; } scratch_buffers;
static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static void scratch_free(void *buffers) {
    scratch_buffers *b = buffers;
    free(b->data[0]);
    free(b->data[1]);
    free(b);
}
static void scratch_make_key(void) { pthread_key_create(&scratch_key, scratch_free); }
static float *scratch(int slot, long floats) {
    pthread_once(&scratch_once, scratch_make_key);
    scratch_buffers *buffers = pthread_getspecific(scratch_key);
    if (!buffers) {
        buffers = calloc(1, sizeof *buffers);
        if (!buffers) { fputs("linear_avx512: out of memory\n", stderr); abort(); }
        pthread_setspecific(scratch_key, buffers);
    }
    if (buffers->capacity[slot] < floats) {
        free(buffers->data[slot]);
        buffers->data[slot] = aligned_alloc(64, (size_t)((floats * 4 + 63) / 64 * 64));
        if (!buffers->data[slot]) { fputs("linear_avx512: out of memory\n", stderr); abort(); }
        buffers->capacity[slot] = floats;
    }
    return buffers->data[slot];
}

/// C rows [r0, r1) of c (·, n) row stride ldc (+)= A (rows, k) row-major (lda) · B, where B's column panel jp (32
/// columns) row p is at b + jp·panelStride + p·bs. init: bias (n) or NULL (zero) when not accumulating.
/// Blocking as in BLIS, without packing A: a block of MC rows × KC of A (L2, read in place by the tiles: session 7
/// measured +7 % over packing it in 14-row slices, whose transposes cost more than they saved), one 32-column panel
/// chunk of B (KC × 32, L1) swept over the block's 14-row tiles.
AVX512 static void rows_times_panels(float *c, long ldc, const float *a, long lda, const float *b, long panelStride,
                                     long bs, const float *bias, long r0, long r1, long n, long k, int accumulate) {
    const long panels = (n + NR - 1) / NR;
    for (long rm = r0; rm < r1; rm += MC) {
        const long mc = r1 - rm < MC ? r1 - rm : MC;
        for (long p0 = 0; p0 < k || p0 == 0; p0 += KC) {
            const long kc = k - p0 < KC ? k - p0 : KC;
            const int add = accumulate || p0 > 0;
            for (long jp = 0; jp < panels; jp++) {
                const long j = jp * NR;
                const __mmask16 m0 = lanes(n - j), m1 = lanes(n - j - 16);
                const __m512 init0 = bias ? _mm512_maskz_loadu_ps(m0, bias + j) : _mm512_setzero_ps();
                const __m512 init1 = bias ? _mm512_maskz_loadu_ps(m1, bias + j + 16) : _mm512_setzero_ps();
                const float *panel = b + jp * panelStride + p0 * bs;
                for (long i = 0; i < mc; i += MR) {
                    tile_rows((int)(mc - i < MR ? mc - i : MR), c + (rm + i) * ldc + j, ldc, a + (rm + i) * lda + p0,
                              lda, 1, panel, bs, kc, m0, m1, init0, init1, add);
                }
            }
            if (k == 0) break;
        }
    }
}

long mg_linear_packed_weight_floats(long outFeatures, long inFeatures) {
    return (outFeatures + NR - 1) / NR * NR * inFeatures;
}

AVX512 void mg_linear_pack_weight_avx512(float *packed, const float *weight, long outFeatures, long inFeatures) {
    const long panels = (outFeatures + NR - 1) / NR;
    for (long jp = 0; jp < panels; jp++) {
        float *panel = packed + jp * NR * inFeatures;
        for (long half = 0; half < 2; half++) {   // 16 weight rows × 16 inputs at a time, transposed in registers
            const long j0 = jp * NR + half * 16;
            const long rows = outFeatures - j0 < 0 ? 0 : outFeatures - j0 < 16 ? outFeatures - j0 : 16;
            for (long p = 0; p < inFeatures; p += 16) {
                const __mmask16 m = lanes(inFeatures - p);
                __m512 v[16];
                for (int i = 0; i < 16; i++) {
                    v[i] = i < rows ? _mm512_maskz_loadu_ps(m, weight + (j0 + i) * inFeatures + p) : _mm512_setzero_ps();
                }
                transpose16(v);
                const long columns = inFeatures - p < 16 ? inFeatures - p : 16;
                for (long c = 0; c < columns; c++) _mm512_storeu_ps(panel + (p + c) * NR + half * 16, v[c]);
            }
        }
    }
}

AVX512 void mg_linear_forward_avx512(float *out, const float *input, const float *packedWeight, const float *bias,
                                     long rowStart, long rowEnd, long outFeatures, long inFeatures) {
    rows_times_panels(out, outFeatures, input, inFeatures, packedWeight, NR * inFeatures, NR, bias, rowStart, rowEnd,
                      outFeatures, inFeatures, 0);
}

AVX512 void mg_linear_backward_input_avx512(float *dinput, const float *dout, const float *weight, long rowStart,
                                            long rowEnd, long outFeatures, long inFeatures, int accumulate) {
    if (rowStart >= rowEnd) return;
    // The weight (Out, In) as contiguous panels of 32 inputs: strided rows would collide in the L1 sets.
    float *packed = scratch(0, mg_linear_packed_weight_floats(inFeatures, outFeatures));
    pack_panels(packed, weight, inFeatures, outFeatures, inFeatures);
    rows_times_panels(dinput, inFeatures, dout, outFeatures, packed, NR * outFeatures, NR, NULL, rowStart, rowEnd,
                      inFeatures, outFeatures, accumulate);
}

/// Rows summed into the bias gradient before it is added: 256, the reduction chunk before session 7, kept so the bias
/// gradient keeps its bits (the sums now span two 128-row chunks).
enum { BIAS_ROWS = 256 };

/// partial[0..<block] += Σ_{r < kc} dout[r·ld + 0..<block] (block ≤ 14; rows added in order to the running vector).
AVX512 static void column_sums(float *partial, const float *dout, long ld, long kc, int block) {
    const __mmask16 m = lanes(block);
    __m512 sum = _mm512_load_ps(partial);
    for (long r = 0; r < kc; r++) sum = _mm512_add_ps(sum, _mm512_maskz_loadu_ps(m, dout + r * ld));
    _mm512_store_ps(partial, sum);
}

AVX512 void mg_linear_backward_weight_avx512(float *dweight, float *dbias, const float *dout, const float *input,
                                             long rows, long outStart, long outEnd, long outFeatures, long inFeatures,
                                             int accumulate) {
    if (outStart >= outEnd) return;
    const long panels = (inFeatures + NR - 1) / NR, blocks = (outEnd - outStart + MR - 1) / MR;
    float *packedInput = scratch(0, panels * NR * KC);   // a chunk of input rows as 32-column panels (L2)
    float *partial = scratch(1, blocks * 16);             // each block's running column sums of dout (16 lanes)
    const __m512 zero = _mm512_setzero_ps();
    for (long jb = 0; jb < blocks; jb++) _mm512_store_ps(partial + jb * 16, zero);
    for (long p0 = 0; p0 < rows || p0 == 0; p0 += KC) {
        const long kc = rows - p0 < KC ? rows - p0 : KC;
        const int add = accumulate || p0 > 0;
        pack_panels(packedInput, input + p0 * inFeatures, inFeatures, kc, inFeatures);
        if (dbias) {   // dbias += the sums of each BIAS_ROWS rows (and of the last, shorter run)
            const int flush = (p0 + kc) % BIAS_ROWS == 0 || p0 + kc >= rows;
            for (long jb = 0; jb < blocks; jb++) {
                const long j = outStart + jb * MR;
                const int count = (int)(outEnd - j < MR ? outEnd - j : MR);
                column_sums(partial + jb * 16, dout + p0 * outFeatures + j, outFeatures, kc, count);
                if (flush) {
                    const __mmask16 m = lanes(count);
                    _mm512_mask_storeu_ps(dbias + j, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, dbias + j),
                                                                      _mm512_load_ps(partial + jb * 16)));
                    _mm512_store_ps(partial + jb * 16, zero);
                }
            }
        }
        for (long jp = 0; jp < panels; jp++) {   // one input panel chunk (L1) against every dout block
            const long q = jp * NR;
            const __mmask16 m0 = lanes(inFeatures - q), m1 = lanes(inFeatures - q - 16);
            for (long jb = 0; jb < blocks; jb++) {
                const long j = outStart + jb * MR;
                // dweight[j + i][q + 0..<32] (+)= Σ_r dout[r][j + i]·input[r][q + 0..<32], dout read in place
                // (element (i, r) of the block at dout[r·Out + j + i])
                tile_rows((int)(outEnd - j < MR ? outEnd - j : MR), dweight + j * inFeatures + q, inFeatures,
                          dout + p0 * outFeatures + j, 1, outFeatures, packedInput + jp * NR * kc, NR, kc, m0, m1, zero,
                          zero, add);
            }
        }
        if (rows == 0) break;
    }
}
