// BLASRuntime: what the load-time OpenBLAS core switch (CKernels, before main) chose for this CPU.
import CKernels
import Foundation

/// OpenBLAS core selection. Debian's OpenBLAS (0.3.21, DYNAMIC_ARCH) chooses its kernels from the CPU model
/// and falls back to "Prescott" (SSE3) for models its table does not know — e.g. the Xeon (family 6, model
/// 207) of this project's machines, where that is 4–5× slower per core than its "SkylakeX" (AVX-512)
/// kernels. At load time (a C constructor in `CKernels`) the process switches to the best core the CPU supports
/// when the library chose a weaker one and the user did not set `OPENBLAS_CORETYPE` (which always wins). GEMM results then differ from the
/// Prescott kernels' in the last bits (another summation order), and are as deterministic as before.
public enum BLASRuntime {
    /// What the load-time switch did: the core before and after, and whether it switched.
    public struct Selection: Equatable, Sendable {
        /// The core OpenBLAS chose at load time (e.g. "Prescott").
        public let detected: String
        /// The core in use now.
        public let active: String
        /// True when the load-time switch changed the core.
        public var switched: Bool { detected != active }
    }

    /// The selection. The switch itself ran when the process loaded (`mg_blas_preferred_core`'s rule, applied by
    /// a C constructor in `CKernels` before `main`, so no thread can be inside BLAS or LAPACK at that moment —
    /// in `marketgpt`, tests and any other program alike); this records its outcome on first use.
    public static let selection = Selection(detected: String(cString: mg_blas_core_at_load()),
                                            active: String(cString: mg_blas_core_name()))

    /// Makes the selection now (call at program start, before any thread uses BLAS or LAPACK).
    @discardableResult
    public static func prepare() -> Selection { selection }

    /// Runs `body` with OpenBLAS on `core` (e.g. the `detected` one, to compare kernels in one process), then
    /// switches back to `selection.active`. Only while no other thread uses BLAS; nil when the switch failed.
    public static func withCore<R>(_ core: String, _ body: () throws -> R) rethrows -> R? {
        _ = selection
        guard mg_blas_switch_core(core) != 0 else { return nil }
        defer { _ = mg_blas_switch_core(selection.active) }
        return try body()
    }

    /// The core to switch to, or nil to keep `detected` (the load-time rule, `mg_blas_preferred_core`): nothing
    /// when `OPENBLAS_CORETYPE` is set or the library does not name its core; "SkylakeX" when the CPU has AVX-512 and
    /// `detected` has no AVX-512 kernels; "Haswell" when it has AVX2 + FMA and `detected` has no AVX2 kernels.
    public static func preferredCore(detected: String, environment: [String: String], avx512: Bool, avx2FMA: Bool) -> String? {
        mg_blas_preferred_core(detected, environment["OPENBLAS_CORETYPE"] != nil ? 1 : 0, avx512 ? 1 : 0, avx2FMA ? 1 : 0)
            .map { String(cString: $0) }
    }

    /// Whether the OpenBLAS core `name` has AVX-512 kernels (2), AVX2 + FMA kernels only (1) or neither (0).
    public static func kernelLevel(_ name: String) -> Int { Int(mg_blas_core_kernels(name)) }
}
