// CPU feature tests (cpuid + OS register state, through the compiler's __builtin_cpu_supports).
#include "CKernels.h"

int mg_cpu_supports_avx512(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
}

int mg_cpu_supports_avx2_fma(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

#include <stdlib.h>
#include <string.h>

int mg_kernels_use_avx2(void) {
    static int decided = -1;   // a benign race: every thread computes the same value
    if (decided < 0) {
        const char *choice = getenv("MARKETGPT_KERNELS");
        decided = (choice && strcmp(choice, "plain") == 0) ? 0 : mg_cpu_supports_avx2_fma();
    }
    return decided;
}
