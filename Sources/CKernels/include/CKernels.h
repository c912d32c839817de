// C kernels and CPU/BLAS run-time helpers for MarketTensor: what Swift cannot express (CPU feature tests,
// per-function AVX2/FMA code paths chosen at run time, OpenBLAS's run-time core switch).
#ifndef MARKETGPT_CKERNELS_H
#define MARKETGPT_CKERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when the CPU and the OS support AVX-512 F, BW, VL and DQ (OpenBLAS's SkylakeX kernels), else 0.
int mg_cpu_supports_avx512(void);

/// 1 when the CPU and the OS support AVX2 and FMA (OpenBLAS's Haswell kernels, our AVX2 paths), else 0.
int mg_cpu_supports_avx2_fma(void);

/// The FMA peak probe: `iterations` rounds of 12 independent fused multiply-adds on registers (16 lanes with
/// AVX-512 F, 8 with AVX2 + FMA, a scalar chain otherwise); returns the floating-point operations done (2 per lane
/// per FMA) and stores a result in `sink` so the loop cannot be optimised away. Time it to get GFLOP/s of one core.
double mg_fma_probe(long iterations, float *sink);

/// 1 when the CPU has AVX-512 BF16 on top of mg_cpu_supports_avx512() (`vdpbf16ps`), else 0.
int mg_cpu_supports_avx512_bf16(void);

/// bf16 (round to nearest even; NaN stays NaN, denormal inputs become zero, as `vcvtne2ps2bf16` does) of a row-major
/// (rows, cols) matrix into dst (rows, cols rounded up to even), the pad column zero. AVX-512 BF16 (check
/// mg_cpu_supports_avx512_bf16() first; see linear_bf16.c).
void mg_bf16_convert_rows(uint16_t *dst, const float *src, long rows, long cols);

/// 32-bit words of scratch for mg_linear_bf16_pack_weight: Out rounded up to 32, times ⌈In / 2⌉.
long mg_linear_bf16_packed_weight_words(long outFeatures, long inFeatures);

/// packed = a bf16 weight (Out, In rounded up to even; from mg_bf16_convert_rows) in panels of 32 outputs, one word per
/// pair of inputs ([panel][⌈In/2⌉][32], zero past Out), for mg_linear_bf16_forward. Plain C.
void mg_linear_bf16_pack_weight(uint32_t *packed, const uint16_t *weight, long outFeatures, long inFeatures);

/// 32-bit words of scratch for mg_linear_bf16_pack_weight_t: In rounded up to 32, times ⌈Out / 2⌉.
long mg_linear_bf16_packed_weight_t_words(long outFeatures, long inFeatures);

/// packed = the bf16 weight (Out, In rounded up to even) transposed for the input gradient: panels of 32 inputs, one
/// word per pair of outputs ([panel][⌈Out/2⌉][32], zero past In and Out). Then mg_linear_bf16_forward(dx, dy, packed,
/// NULL, r0, r1, In, Out) computes dx (rows, In) = dy (rows, Out rounded up to even, bf16) · weight. Plain C.
void mg_linear_bf16_pack_weight_t(uint32_t *packed, const uint16_t *weight, long outFeatures, long inFeatures);

/// Rows [rowStart, rowEnd) of out (rows, Out) = bias + input · weightᵀ on bf16 operands: input (rows, In rounded up
/// to even) from mg_bf16_convert_rows, the packed weight, bias (Out, fp32) or NULL; fp32 accumulators started at the
/// bias, input pairs ascending. Not used by training (an experiment of issue 17, timed by `bench --only linear`).
/// AVX-512 BF16.
void mg_linear_bf16_forward(float *out, const uint16_t *input, const uint32_t *packedWeight, const float *bias,
                            long rowStart, long rowEnd, long outFeatures, long inFeatures);

/// The OpenBLAS core in use (e.g. "Prescott", "SkylakeX"), or "" when the library does not say.
const char *mg_blas_core_name(void);

/// The OpenBLAS core the library chose for itself when it loaded (before the load-time switch below), or "".
const char *mg_blas_core_at_load(void);

/// 2 when the OpenBLAS core `name` has AVX-512 kernels (SkylakeX, Cooperlake, SapphireRapids), 1 for AVX2 + FMA
/// kernels only (Haswell, Zen), else 0 (case-insensitive).
int mg_blas_core_kernels(const char *name);

/// The rule of the load-time switch: NULL (keep `detected`) when the user chose (`userChose`: OPENBLAS_CORETYPE is
/// set) or the library names no core; "SkylakeX" when the CPU has AVX-512 and `detected` has no AVX-512 kernels;
/// "Haswell" when it has AVX2 + FMA and `detected` has neither. Every process linking CKernels applies it once at
/// load time (a constructor), before any thread can call BLAS or LAPACK.
const char *mg_blas_preferred_core(const char *detected, int userChose, int avx512, int avx2FMA);

/// Switches a DYNAMIC_ARCH OpenBLAS to the core `name` (as OPENBLAS_CORETYPE would at load time);
/// returns 1 on success, 0 when the library has no run-time switch (then nothing changes).
/// Call before any BLAS call runs, from one thread.
int mg_blas_switch_core(const char *name);

/// 1 when the AVX2 + FMA kernels below may run: the CPU has them and MARKETGPT_KERNELS is not "plain"
/// (read once). Callers fall back to their plain kernels otherwise.
int mg_kernels_use_avx2(void);

/// GELU (tanh form) out[i] = x·σ(2u) over `count` floats, AVX2 + FMA (see Kernels+Activation.swift).
void mg_gelu_forward_avx2(float *out, const float *input, long count);

/// dinput[i] (+)= dout[i]·gelu'(input[i]) over `count` floats (adds when `accumulate` ≠ 0), AVX2 + FMA.
void mg_gelu_backward_avx2(float *dinput, const float *input, const float *dout, long count, int accumulate);

/// mg_gelu_forward_avx2 on 16 lanes (AVX-512 F; check mg_cpu_supports_avx512() first): the same bits.
void mg_gelu_forward_avx512(float *out, const float *input, long count);

/// mg_gelu_backward_avx2 on 16 lanes (AVX-512 F; check mg_cpu_supports_avx512() first): the same bits.
void mg_gelu_backward_avx512(float *dinput, const float *input, const float *dout, long count, int accumulate);

/// LayerNorm over the last dim: out (rows, columns) = (x − mean)·rstd·weight + bias; saves mean (rows) and rstd
/// (rows). AVX2 + FMA (see Kernels+LayerNorm.swift).
void mg_layernorm_forward_avx2(float *out, float *mean, float *rstd, const float *input, const float *weight,
                               const float *bias, long rows, long columns, float epsilon);

/// Accumulates (+=) dinput (rows, columns), dweight (columns), dbias (columns) from dout; any of the three may be
/// NULL. AVX2 + FMA (see Kernels+LayerNorm.swift).
void mg_layernorm_backward_avx2(float *dinput, float *dweight, float *dbias, const float *dout, const float *input,
                                const float *weight, const float *mean, const float *rstd, long rows, long columns);

/// Inverted dropout from 16-bit draws (see Ops+Dropout.swift): out[i] = (residual[i] +) x[i]·v with
/// v = keepScale when draws[i] ≥ threshold, else 0; `residual` may be NULL. AVX2; bit-identical to the Swift loop.
void mg_dropout_forward_avx2(float *out, const float *x, const float *residual, const uint16_t *draws, long count,
                             unsigned threshold, float keepScale);

/// dx[i] (+)= dout[i]·v with v as in mg_dropout_forward_avx2 (adds when `accumulate` ≠ 0). AVX2.
void mg_dropout_backward_avx2(float *dx, const float *dout, const uint16_t *draws, long count, unsigned threshold,
                              float keepScale, int accumulate);

/// 1 when the fused causal attention below may run: AVX2 + FMA usable (mg_kernels_use_avx2) and the head size is
/// 16, 32 or 64; callers use their plain path (Ops+Attention.swift) otherwise.
int mg_attention_fused_available(long headSize);

/// Floats of scratch one thread needs for mg_attention_forward/backward at context length t.
long mg_attention_workspace_floats(long t, long headSize);

/// One (batch, head) block of causal attention: q, k, v point at its first row (row stride ld, headSize columns
/// each), out (row stride ldo) = softmax(q·kᵀ·scale, causal)·v, probs (t, t) receives P on and below the diagonal
/// (entries above it are left as they were). AVX-512 when the CPU has it, else AVX2 + FMA; same bits either way.
void mg_attention_forward(float *out, float *probs, const float *q, const float *k, const float *v, long t,
                          long headSize, long ld, long ldo, float scale, float *work);

/// Backward of mg_attention_forward from dout (row stride ldo) and its probs: dq, dk, dv (row stride ld) receive
/// the gradients (added when `accumulate` ≠ 0, else stored).
void mg_attention_backward(float *dq, float *dk, float *dv, const float *dout, const float *probs, const float *q,
                           const float *k, const float *v, long t, long headSize, long ld, long ldo, float scale,
                           int accumulate, float *work);

/// mg_attention_forward on a chosen build: AVX-512 when `avx512` ≠ 0 and the CPU has it, else AVX2 + FMA (tests
/// compare the two bit for bit).
void mg_attention_forward_variant(int avx512, float *out, float *probs, const float *q, const float *k, const float *v,
                                  long t, long headSize, long ld, long ldo, float scale, float *work);

/// mg_attention_backward on a chosen build (as mg_attention_forward_variant).
void mg_attention_backward_variant(int avx512, float *dq, float *dk, float *dv, const float *dout, const float *probs,
                                   const float *q, const float *k, const float *v, long t, long headSize, long ld,
                                   long ldo, float scale, int accumulate, float *work);

/// Floats of scratch for mg_linear_pack_weight_avx512: Out rounded up to 32, times In.
long mg_linear_packed_weight_floats(long outFeatures, long inFeatures);

/// packed = weight (Out, In) transposed into panels of 32 outputs ([panel][in][32], zero past Out), for
/// mg_linear_forward_avx512. AVX-512.
void mg_linear_pack_weight_avx512(float *packed, const float *weight, long outFeatures, long inFeatures);

/// Rows [rowStart, rowEnd) of out (rows, Out) = input (rows, In) · weightᵀ + bias, from the packed weight; bias (Out)
/// or NULL. Each output is one FMA chain started at its bias over In ascending. AVX-512 (check
/// mg_cpu_supports_avx512() first; see Kernels+Linear.swift).
void mg_linear_forward_avx512(float *out, const float *input, const float *packedWeight, const float *bias,
                              long rowStart, long rowEnd, long outFeatures, long inFeatures);

/// Rows [rowStart, rowEnd) of dinput (rows, In) (+)= dout (rows, Out) · weight (Out, In) (adds when `accumulate`).
/// AVX-512.
void mg_linear_backward_input_avx512(float *dinput, const float *dout, const float *weight, long rowStart,
                                     long rowEnd, long outFeatures, long inFeatures, int accumulate);

/// Rows [outStart, outEnd) of dweight (Out, In) (+)= doutᵀ · input over `rows` rows (adds when `accumulate`); each
/// element one FMA chain over the rows ascending. When dbias (Out) is not NULL, its [outStart, outEnd) also receive
/// (always +=) the column sums of dout (chunks of 256 rows summed in order, then added). AVX-512.
void mg_linear_backward_weight_avx512(float *dweight, float *dbias, const float *dout, const float *input, long rows,
                                      long outStart, long outEnd, long outFeatures, long inFeatures, int accumulate);

#ifdef __cplusplus
}
#endif
#endif
