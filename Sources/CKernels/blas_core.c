// OpenBLAS core selection at run time: a DYNAMIC_ARCH build (Debian's) picks its kernels from the CPU model
// and falls back to "Prescott" (SSE3) for models newer than its table, 4-5x slower on AVX-512 machines.
// The entry points are looked up with dlsym, so another BLAS (or a single-arch OpenBLAS) links and runs as is.
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
