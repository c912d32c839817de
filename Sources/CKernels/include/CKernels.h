// C kernels and CPU/BLAS run-time helpers for MarketTensor: what Swift cannot express (CPU feature tests,
// per-function AVX2/FMA code paths chosen at run time, OpenBLAS's run-time core switch).
#ifndef MARKETGPT_CKERNELS_H
#define MARKETGPT_CKERNELS_H

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when the CPU and the OS support AVX-512 F, BW, VL and DQ (OpenBLAS's SkylakeX kernels), else 0.
int mg_cpu_supports_avx512(void);

/// 1 when the CPU and the OS support AVX2 and FMA (OpenBLAS's Haswell kernels, our AVX2 paths), else 0.
int mg_cpu_supports_avx2_fma(void);

/// The OpenBLAS core in use (e.g. "Prescott", "SkylakeX"), or "" when the library does not say.
const char *mg_blas_core_name(void);

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

/// LayerNorm over the last dim: out (rows, columns) = (x − mean)·rstd·weight + bias; saves mean (rows) and rstd
/// (rows). AVX2 + FMA (see Kernels+LayerNorm.swift).
void mg_layernorm_forward_avx2(float *out, float *mean, float *rstd, const float *input, const float *weight,
                               const float *bias, long rows, long columns, float epsilon);

/// Accumulates (+=) dinput (rows, columns), dweight (columns), dbias (columns) from dout; any of the three may be
/// NULL. AVX2 + FMA (see Kernels+LayerNorm.swift).
void mg_layernorm_backward_avx2(float *dinput, float *dweight, float *dbias, const float *dout, const float *input,
                                const float *weight, const float *mean, const float *rstd, long rows, long columns);

#ifdef __cplusplus
}
#endif
#endif
