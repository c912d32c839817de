// Exposes OpenMPI's C API (Debian: libopenmpi-dev) to Swift. OpenMPI defines the predefined handles
// (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, MPI_IN_PLACE, MPI_ERRORS_RETURN…) as macros that cast the address of a
// global, which Swift cannot import; the inline functions below return them instead.
#ifndef MARKETGPT_CMPI_SHIM_H
#define MARKETGPT_CMPI_SHIM_H
#define OMPI_SKIP_MPICXX 1
#include <mpi.h>
#include <stdint.h>

/// MPI_COMM_WORLD: every process of the job.
static inline MPI_Comm cmpi_comm_world(void) { return MPI_COMM_WORLD; }
/// MPI_FLOAT (Swift Float).
static inline MPI_Datatype cmpi_float(void) { return MPI_FLOAT; }
/// MPI_DOUBLE (Swift Double).
static inline MPI_Datatype cmpi_double(void) { return MPI_DOUBLE; }
/// MPI_UINT64_T (Swift UInt64).
static inline MPI_Datatype cmpi_uint64(void) { return MPI_UINT64_T; }
/// MPI_BYTE (raw bytes).
static inline MPI_Datatype cmpi_byte(void) { return MPI_BYTE; }
/// MPI_SUM.
static inline MPI_Op cmpi_op_sum(void) { return MPI_SUM; }
/// MPI_MAX.
static inline MPI_Op cmpi_op_max(void) { return MPI_MAX; }
/// MPI_IN_PLACE: the send buffer of an in-place collective.
static inline void *cmpi_in_place(void) { return MPI_IN_PLACE; }
/// MPI_ERRORS_RETURN: collectives return an error code instead of aborting inside the library.
static inline MPI_Errhandler cmpi_errors_return(void) { return MPI_ERRORS_RETURN; }
/// MPI_MAX_ERROR_STRING: the size of the buffer MPI_Error_string fills.
static inline int cmpi_max_error_string(void) { return MPI_MAX_ERROR_STRING; }
#endif
