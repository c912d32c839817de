// Fused causal self-attention for one (batch, head) block, forward and backward, on 16-lane vectors compiled
// twice (AVX-512 and AVX2 + FMA, chosen at run time) for head sizes 16, 32 and 64. Only the causal half is
// computed: scores, probabilities and every product stop at the diagonal, so the block costs about half the
// FLOPs of the dense sgemm path and needs no packing, no zero-fill and no strided BLAS calls.
// Every output element is one fused-multiply-add chain over its reduction index in ascending order, and the
// softmax reduces 16 fixed lanes in a fixed tree, so both instruction sets give the same bits.
// MarketTensor's Swift path (Ops+Attention.swift: sgemm + softmax) stays the plain path and the reference.
#include "CKernels.h"

#pragma clang diagnostic ignored "-Wpsabi"   // v16 helpers are always inlined into target-attributed callers
#include <math.h>
#include <string.h>

typedef float v16 __attribute__((vector_size(64)));
typedef int vi16 __attribute__((vector_size(64)));

#define AI static inline __attribute__((always_inline))
#define RB 4    // query rows (or key columns) per register block

AI v16 load16(const float *p) { v16 v; memcpy(&v, p, sizeof v); return v; }
AI void store16(float *p, v16 v) { memcpy(p, &v, sizeof v); }
AI v16 splat(float s) { return (v16){s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s}; }
AI v16 fma16(v16 a, v16 b, v16 c) { return __builtin_elementwise_fma(a, b, c); }
/// Lanes whose index (first + lane) is below n keep x, the others become `fill`.
AI v16 keep_below(v16 x, long first, long n, float fill) {
    const vi16 lane = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    const vi16 inside = (lane + (int)first) < (int)n;
    return (v16)(((vi16)x & inside) | ((vi16)splat(fill) & ~inside));
}
/// Lanes 8..15, 4..7, 2..3 or 1 moved down to lane 0 (the rest don't-care), for the reductions below.
#define HALF(v, n) __builtin_shufflevector(v, v, n, n + 1, n + 2, n + 3, n + 4, n + 5, n + 6, n + 7, \
                                           0, 0, 0, 0, 0, 0, 0, 0)
AI float lanes_max(v16 v) {
    v = __builtin_elementwise_max(v, HALF(v, 8));
    v = __builtin_elementwise_max(v, HALF(v, 4));
    v = __builtin_elementwise_max(v, HALF(v, 2));
    return v[0] > v[1] ? v[0] : v[1];
}
/// Σ of the 16 lanes in a fixed pairwise tree: a[l] = v[l] + v[l+8], then a[l] + a[l+4], then
/// (a[0] + a[2]) + (a[1] + a[3]).
AI float lanes_sum(v16 v) {
    v = v + HALF(v, 8);
    v = v + HALF(v, 4);
    v = v + HALF(v, 2);
    return v[0] + v[1];
}

/// exp(x) = 2^n·p(r), degree-6 polynomial on r ∈ [−ln2/2, ln2/2] (rel. error < 2e-7); x < −87 gives 0.
AI v16 exp16(v16 input) {
    v16 x = __builtin_elementwise_max(input, splat(-87.0f));
    x = __builtin_elementwise_min(x, splat(88.0f));
    const v16 shifted = fma16(x, splat(1.44269504088896341f), splat(12582912.0f));
    const v16 n = shifted - 12582912.0f;
    const v16 r = fma16(n, splat(2.12194440e-4f), fma16(n, splat(-0.693359375f), x));
    v16 p = splat(1.9875691500e-4f);
    p = fma16(p, r, splat(1.3981999507e-3f));
    p = fma16(p, r, splat(8.3334519073e-3f));
    p = fma16(p, r, splat(4.1665795894e-2f));
    p = fma16(p, r, splat(1.6666665459e-1f));
    p = fma16(p, r, splat(5.0000001201e-1f));
    p = fma16(p * r, r, r + 1.0f);
    const vi16 bits = (((vi16)shifted - 0x4B400000) + 127) << 23;
    const v16 result = p * (v16)bits;
    const vi16 underflow = input < -87.0f;
    return (v16)((vi16)result & ~underflow);
}

/// v[c] (c < 16) becomes column c of the 16×16 matrix whose rows were v[0..<16]: four rounds that swap the
/// off-diagonal h×h sub-blocks (h = 8, 4, 2, 1) of each pair of rows r, r + h. Moves values only (exact).
#define SWAP_ROUND(h, ...)                                                                                   \
    for (int r = 0; r < 16; r++) {                                                                           \
        if (r & h) continue;                                                                                 \
        const v16 a = v[r], b = v[r + h];                                                                    \
        v[r] = __builtin_shufflevector(a, b, __VA_ARGS__);                                                   \
        v[r + h] = __builtin_shufflevector(a, b, SWAP_HIGH_##h);                                             \
    }
#define SWAP_HIGH_8 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31
#define SWAP_HIGH_4 4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31
#define SWAP_HIGH_2 2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31
#define SWAP_HIGH_1 1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31
AI void transpose16(v16 v[16]) {
    SWAP_ROUND(8, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23)
    SWAP_ROUND(4, 0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27)
    SWAP_ROUND(2, 0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29)
    SWAP_ROUND(1, 0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30)
}

/// dst (hs, tp) = srcᵀ for src (t, hs) with row stride ld; columns t..<tp are zero. 16×16 blocks transposed in
/// registers (hs is a multiple of 16; rows past t load as zeros).
AI void transpose_block(float *dst, const float *src, long t, long hs, long ld, long tp) {
    for (long j0 = 0; j0 < tp; j0 += 16) {
        for (long e0 = 0; e0 < hs; e0 += 16) {
            v16 m[16];
            for (int j = 0; j < 16; j++) m[j] = j0 + j < t ? load16(src + (j0 + j) * ld + e0) : splat(0.0f);
            transpose16(m);
            for (int e = 0; e < 16; e++) store16(dst + (e0 + e) * tp + j0, m[e]);
        }
    }
}

/// Chunk ch (16 floats from ch·16) of a row of `length` floats; lanes past the row's end read as 0 (the last,
/// partial chunk goes through a copy, so nothing past the row is read).
AI v16 load_row_chunk(const float *row, long ch, long length) {
    if (ch * 16 + 16 <= length) return load16(row + ch * 16);
    float tail[16] = {0};
    memcpy(tail, row + ch * 16, (size_t)(length - ch * 16) * sizeof(float));
    return load16(tail);
}

/// Stores chunk ch of the first `length` floats of a row; lanes from `length` on are dropped (not written).
AI void store_row_chunk(float *row, long ch, long length, v16 x) {
    if (ch * 16 + 16 <= length) { store16(row + ch * 16, x); return; }
    float tail[16];
    store16(tail, x);
    memcpy(row + ch * 16, tail, (size_t)(length - ch * 16) * sizeof(float));
}

/// Rows r < R (a compile-time 1 or RB) of out (R, tp), chunks 0..<chunks:
/// out[r][j] = factor·Σ_e a[(i0+r)·lda + e]·bT[e·tp + j].
AI void rows_times_transposed(float *out, const float *a, long lda, long i0, const int R, const float *bT, long hs,
                              long tp, long chunks, float factor) {
    long ch = 0;
    for (; ch + 2 <= chunks; ch += 2) {    // two chunks at once: 2·R independent chains
        v16 acc0[RB] = {{0}}, acc1[RB] = {{0}};
        for (long e = 0; e < hs; e++) {
            const v16 b0 = load16(bT + e * tp + ch * 16), b1 = load16(bT + e * tp + ch * 16 + 16);
            for (int r = 0; r < R; r++) {
                const v16 x = splat(a[(i0 + r) * lda + e]);
                acc0[r] = fma16(x, b0, acc0[r]);
                acc1[r] = fma16(x, b1, acc1[r]);
            }
        }
        for (int r = 0; r < R; r++) {
            store16(out + r * tp + ch * 16, acc0[r] * factor);
            store16(out + r * tp + ch * 16 + 16, acc1[r] * factor);
        }
    }
    for (; ch < chunks; ch++) {
        v16 acc[RB] = {{0}};
        for (long e = 0; e < hs; e++) {
            const v16 b = load16(bT + e * tp + ch * 16);
            for (int r = 0; r < R; r++) acc[r] = fma16(splat(a[(i0 + r) * lda + e]), b, acc[r]);
        }
        for (int r = 0; r < R; r++) store16(out + r * tp + ch * 16, acc[r] * factor);
    }
}

/// dst rows (ld stride) (+)= acc for R rows starting at row0, hs = 16·hc columns.
AI void write_rows(float *dst, long ld, long row0, const int R, v16 acc[RB][4], long hc, int accumulate) {
    for (int r = 0; r < R; r++) {
        float *d = dst + (row0 + r) * ld;
        for (long c = 0; c < hc; c++) store16(d + c * 16, accumulate ? load16(d + c * 16) + acc[r][c] : acc[r][c]);
    }
}

/// Query rows i0..<i0+R of the forward (R a compile-time 1 or RB): scores, causal softmax into probs, out = P·v.
AI void forward_rows(float *out, float *probs, const float *q, const float *v, const float *kT, float *sc, long i0,
                     const int R, long t, long tp, long hs, long ld, long ldo, float scale) {
    const long hc = hs / 16, n = i0 + R, chunks = (n + 15) / 16;
    rows_times_transposed(sc, q, ld, i0, R, kT, hs, tp, chunks, scale);                 // S = q·kᵀ/√hs
    for (int r = 0; r < R; r++) {                                                        // causal softmax
        float *row = sc + r * tp;
        const long valid = i0 + r + 1;
        v16 m = splat(-INFINITY);
        for (long ch = 0; ch < chunks; ch++)
            m = __builtin_elementwise_max(m, keep_below(load16(row + ch * 16), ch * 16, valid, -INFINITY));
        const float mx = lanes_max(m);
        v16 sum = {0};
        for (long ch = 0; ch < chunks; ch++) {
            const v16 e = keep_below(exp16(load16(row + ch * 16) - mx), ch * 16, valid, 0.0f);
            store16(row + ch * 16, e);
            sum += e;
        }
        const float inv = 1.0f / lanes_sum(sum);
        for (long ch = 0; ch < chunks; ch++) {   // P into the scratch row (for P·v) and its causal part into probs
            const v16 p = load16(row + ch * 16) * inv;
            store16(row + ch * 16, p);
            if (ch * 16 < valid) store_row_chunk(probs + (i0 + r) * t, ch, valid, p);
        }
    }
    v16 acc[RB][4] = {{{0}}};                                                            // out = P·v
    for (long j = 0; j < n; j++) {
        v16 vj[4];
        for (long c = 0; c < hc; c++) vj[c] = load16(v + j * ld + c * 16);
        for (int r = 0; r < R; r++) {
            const v16 p = splat(sc[r * tp + j]);   // 0 beyond the diagonal
            for (long c = 0; c < hc; c++) acc[r][c] = fma16(p, vj[c], acc[r][c]);
        }
    }
    write_rows(out, ldo, i0, R, acc, hc, 0);
}

AI void forward_impl(float *out, float *probs, const float *q, const float *k, const float *v, long t, const long hs,
                     long ld, long ldo, float scale, float *work) {
    const long tp = (t + 15) & ~15L;
    float *kT = work, *sc = work + hs * tp;
    transpose_block(kT, k, t, hs, ld, tp);
    long i0 = 0;
    for (; i0 + RB <= t; i0 += RB) forward_rows(out, probs, q, v, kT, sc, i0, RB, t, tp, hs, ld, ldo, scale);
    for (; i0 < t; i0++) forward_rows(out, probs, q, v, kT, sc, i0, 1, t, tp, hs, ld, ldo, scale);
}

/// acc[r] = Σ_{i ≥ j0+r} w[i·ldw + j0 + r]·x[i·ldx] for R key columns j0+r: the transposed products dv = Pᵀ·dout
/// and dk = dSᵀ·q over the causal half (w read only on and below the diagonal).
AI void columns_times_rows(v16 acc[RB][4], const float *w, long ldw, long j0, const int R, const float *x, long ldx,
                           long t, long hc) {
    for (long i = j0; i < t; i++) {
        v16 xi[4];
        for (long c = 0; c < hc; c++) xi[c] = load16(x + i * ldx + c * 16);
        for (int r = 0; r < R; r++) {
            const v16 s = splat(j0 + r <= i ? w[i * ldw + j0 + r] : 0.0f);
            for (long c = 0; c < hc; c++) acc[r][c] = fma16(s, xi[c], acc[r][c]);
        }
    }
}

/// Query rows i0..<i0+R of the backward: dP = dout·vᵀ, dS (kept in ds for dk), dq = dS·k.
AI void backward_rows(float *dq, float *ds, const float *dout, const float *probs, const float *k,
                      const float *vT, long i0, const int R, long t, long tp, long hs, long ld, long ldo, float scale,
                      int accumulate) {
    const long hc = hs / 16, n = i0 + R, chunks = (n + 15) / 16;
    rows_times_transposed(ds + i0 * tp, dout, ldo, i0, R, vT, hs, tp, chunks, 1.0f);   // dP = dout·vᵀ
    for (int r = 0; r < R; r++) {           // dS = P ⊙ (dP − Σ_j P·dP) · scale, 0 beyond the diagonal
        const long i = i0 + r, valid = i + 1;
        float *row = ds + i * tp;
        const float *prow = probs + i * t;
        v16 dot = {0};
        for (long ch = 0; ch < chunks; ch++) {
            const v16 p = keep_below(load_row_chunk(prow, ch, t), ch * 16, valid, 0.0f);
            dot = fma16(p, keep_below(load16(row + ch * 16), ch * 16, valid, 0.0f), dot);
        }
        const float d = lanes_sum(dot);
        for (long ch = 0; ch < chunks; ch++) {
            const v16 p = keep_below(load_row_chunk(prow, ch, t), ch * 16, valid, 0.0f);
            store16(row + ch * 16, p * (load16(row + ch * 16) - d) * scale);
        }
    }
    v16 acc[RB][4] = {{{0}}};                                                            // dq = dS·k
    for (long j = 0; j < n; j++) {
        v16 kj[4];
        for (long c = 0; c < hc; c++) kj[c] = load16(k + j * ld + c * 16);
        for (int r = 0; r < R; r++) {
            const v16 s = splat(ds[(i0 + r) * tp + j]);   // 0 beyond the diagonal
            for (long c = 0; c < hc; c++) acc[r][c] = fma16(s, kj[c], acc[r][c]);
        }
    }
    write_rows(dq, ld, i0, R, acc, hc, accumulate);
}

/// Key columns j0..<j0+R of the backward: dv = Pᵀ·dout and dk = dSᵀ·q.
AI void backward_columns(float *dk, float *dv, const float *ds, const float *dout, const float *probs, const float *q,
                         long j0, const int R, long t, long tp, long hs, long ld, long ldo, int accumulate) {
    const long hc = hs / 16;
    v16 acc[RB][4] = {{{0}}};
    columns_times_rows(acc, probs, t, j0, R, dout, ldo, t, hc);                          // dv = Pᵀ·dout
    write_rows(dv, ld, j0, R, acc, hc, accumulate);
    v16 acck[RB][4] = {{{0}}};
    columns_times_rows(acck, ds, tp, j0, R, q, ld, t, hc);                               // dk = dSᵀ·q
    write_rows(dk, ld, j0, R, acck, hc, accumulate);
}

AI void backward_impl(float *dq, float *dk, float *dv, const float *dout, const float *probs, const float *q,
                      const float *k, const float *v, long t, const long hs, long ld, long ldo, float scale,
                      int accumulate, float *work) {
    const long tp = (t + 15) & ~15L;
    float *vT = work, *ds = work + hs * tp;
    transpose_block(vT, v, t, hs, ld, tp);
    long i0 = 0;
    for (; i0 + RB <= t; i0 += RB)
        backward_rows(dq, ds, dout, probs, k, vT, i0, RB, t, tp, hs, ld, ldo, scale, accumulate);
    for (; i0 < t; i0++) backward_rows(dq, ds, dout, probs, k, vT, i0, 1, t, tp, hs, ld, ldo, scale, accumulate);
    long j0 = 0;
    for (; j0 + RB <= t; j0 += RB) backward_columns(dk, dv, ds, dout, probs, q, j0, RB, t, tp, hs, ld, ldo, accumulate);
    for (; j0 < t; j0++) backward_columns(dk, dv, ds, dout, probs, q, j0, 1, t, tp, hs, ld, ldo, accumulate);
}

#define INSTANTIATE(ARCH, TARGET, HS)                                                                              \
    __attribute__((target(TARGET))) static void forward_##ARCH##_##HS(float *out, float *probs, const float *q,    \
        const float *k, const float *v, long t, long ld, long ldo, float scale, float *work) {                    \
        forward_impl(out, probs, q, k, v, t, HS, ld, ldo, scale, work);                                            \
    }                                                                                                              \
    __attribute__((target(TARGET))) static void backward_##ARCH##_##HS(float *dq, float *dk, float *dv,           \
        const float *dout, const float *probs, const float *q, const float *k, const float *v, long t, long ld,    \
        long ldo, float scale, int accumulate, float *work) {                                                      \
        backward_impl(dq, dk, dv, dout, probs, q, k, v, t, HS, ld, ldo, scale, accumulate, work);                 \
    }

INSTANTIATE(avx512, "avx512f,avx512dq,avx512bw,avx512vl,avx2,fma", 16)
INSTANTIATE(avx512, "avx512f,avx512dq,avx512bw,avx512vl,avx2,fma", 32)
INSTANTIATE(avx512, "avx512f,avx512dq,avx512bw,avx512vl,avx2,fma", 64)
INSTANTIATE(avx2, "avx2,fma", 16)
INSTANTIATE(avx2, "avx2,fma", 32)
INSTANTIATE(avx2, "avx2,fma", 64)

typedef void (*forward_fn)(float *, float *, const float *, const float *, const float *, long, long, long, float, float *);
typedef void (*backward_fn)(float *, float *, float *, const float *, const float *, const float *, const float *,
                            const float *, long, long, long, float, int, float *);

int mg_attention_fused_available(long headSize) {
    return mg_kernels_use_avx2() && (headSize == 16 || headSize == 32 || headSize == 64);
}

long mg_attention_workspace_floats(long t, long headSize) {
    const long tp = (t + 15) & ~15L;
    return headSize * tp + (t > RB ? t : RB) * tp;   // kᵀ or vᵀ, then RB score rows (forward) or dS (backward)
}

void mg_attention_forward_variant(int avx512, float *out, float *probs, const float *q, const float *k, const float *v,
                                  long t, long headSize, long ld, long ldo, float scale, float *work) {
    const int wide = avx512 && mg_cpu_supports_avx512();
    forward_fn f = headSize == 16 ? (wide ? forward_avx512_16 : forward_avx2_16)
                 : headSize == 32 ? (wide ? forward_avx512_32 : forward_avx2_32)
                                  : (wide ? forward_avx512_64 : forward_avx2_64);
    f(out, probs, q, k, v, t, ld, ldo, scale, work);
}

void mg_attention_backward_variant(int avx512, float *dq, float *dk, float *dv, const float *dout, const float *probs,
                                   const float *q, const float *k, const float *v, long t, long headSize, long ld,
                                   long ldo, float scale, int accumulate, float *work) {
    const int wide = avx512 && mg_cpu_supports_avx512();
    backward_fn f = headSize == 16 ? (wide ? backward_avx512_16 : backward_avx2_16)
                  : headSize == 32 ? (wide ? backward_avx512_32 : backward_avx2_32)
                                   : (wide ? backward_avx512_64 : backward_avx2_64);
    f(dq, dk, dv, dout, probs, q, k, v, t, ld, ldo, scale, accumulate, work);
}

/// 1 when the AVX-512 build runs (read once).
static int use_avx512(void) {
    static int decided = -1;   // a benign race: every thread computes the same value
    if (decided < 0) decided = mg_cpu_supports_avx512();
    return decided;
}

void mg_attention_forward(float *out, float *probs, const float *q, const float *k, const float *v, long t,
                          long headSize, long ld, long ldo, float scale, float *work) {
    mg_attention_forward_variant(use_avx512(), out, probs, q, k, v, t, headSize, ld, ldo, scale, work);
}

void mg_attention_backward(float *dq, float *dk, float *dv, const float *dout, const float *probs, const float *q,
                           const float *k, const float *v, long t, long headSize, long ld, long ldo, float scale,
                           int accumulate, float *work) {
    mg_attention_backward_variant(use_avx512(), dq, dk, dv, dout, probs, q, k, v, t, headSize, ld, ldo, scale,
                                  accumulate, work);
}
