// OpenBLAS core selection at run time: a DYNAMIC_ARCH build (Debian's) picks its kernels from the CPU model
// and falls back to "Prescott" (SSE3) for models newer than its table, 4-5x slower on AVX-512 machines.
// The entry points are looked up with dlsym, so another BLAS (or a single-arch OpenBLAS) links and runs as is.
// The switch runs once, at load time (a constructor, before main and before any thread exists), in every process
// that links these kernels: no BLAS or LAPACK call of any thread can be running while the kernel table changes.
#define _GNU_SOURCE
#include "CKernels.h"
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *mg_blas_core_name(void) {
    char *(*corename)(void) = (char *(*)(void))dlsym(RTLD_DEFAULT, "openblas_get_corename");
    const char *name = corename ? corename() : NULL;
    return name ? name : "";
}

int mg_blas_switch_core(const char *name) {
    void (*quit)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "gotoblas_dynamic_quit");
    void (*init)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "gotoblas_dynamic_init");
    if (!quit || !init || !name) return 0;
    // gotoblas_dynamic_init reads OPENBLAS_CORETYPE; set it for the call only, so child processes
    // (and a later look at the environment) see what the user set.
    const char *old = getenv("OPENBLAS_CORETYPE");
    char *saved = old ? strdup(old) : NULL;
    setenv("OPENBLAS_CORETYPE", name, 1);
    quit();
    init();
    if (saved) { setenv("OPENBLAS_CORETYPE", saved, 1); free(saved); } else { unsetenv("OPENBLAS_CORETYPE"); }
    return strcasecmp(mg_blas_core_name(), name) == 0;
}

/// Lower-case `name` is one of `list` (NULL-terminated).
static int core_in(const char *name, const char *const *list) {
    for (; *list; list++) if (strcasecmp(name, *list) == 0) return 1;
    return 0;
}

static const char *const avx512_cores[] = {"cooperlake", "skylakex", "sapphirerapids", NULL};
static const char *const avx2_only_cores[] = {"haswell", "zen", NULL};

int mg_blas_core_kernels(const char *name) {
    if (!name) return 0;
    if (core_in(name, avx512_cores)) return 2;
    return core_in(name, avx2_only_cores) ? 1 : 0;
}

const char *mg_blas_preferred_core(const char *detected, int userChose, int avx512, int avx2FMA) {
    if (userChose || !detected || !*detected) return NULL;
    const int kernels = mg_blas_core_kernels(detected);
    if (avx512 && kernels < 2) return "SkylakeX";
    if (avx2FMA && kernels < 1) return "Haswell";
    return NULL;
}

static char core_at_load[64];

const char *mg_blas_core_at_load(void) { return core_at_load; }

__attribute__((constructor)) static void mg_blas_prepare_at_load(void) {
    strncpy(core_at_load, mg_blas_core_name(), sizeof core_at_load - 1);
    const char *wanted = mg_blas_preferred_core(core_at_load, getenv("OPENBLAS_CORETYPE") != NULL,
                                                mg_cpu_supports_avx512(), mg_cpu_supports_avx2_fma());
    if (wanted) mg_blas_switch_core(wanted);
}
