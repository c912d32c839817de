// Exposes OpenBLAS's CBLAS and LAPACKE (Debian: libopenblas-dev, liblapacke-dev) to Swift.
#include <cblas.h>
#include <lapacke.h>
