// BLASRuntime: picks OpenBLAS's kernels for this CPU once, before the first GEMM.
import CKernels
import Foundation

/// OpenBLAS core selection. Debian's OpenBLAS (0.3.21, DYNAMIC_ARCH) chooses its kernels from the CPU model
/// and falls back to "Prescott" (SSE3) for models its table does not know — e.g. the Xeon (family 6, model
/// 207) of this project's machines, where that is 4–5× slower per core than its "SkylakeX" (AVX-512)
/// kernels. `prepare()` switches to the best core the CPU supports when the library chose a weaker one and
/// the user did not set `OPENBLAS_CORETYPE` (which always wins). GEMM results then differ from the
/// Prescott kernels' in the last bits (another summation order), and are as deterministic as before.
public enum BLASRuntime {
    /// Cores with AVX-512 kernels (OpenBLAS names), strongest first.
    static let avx512Cores: Set<String> = ["cooperlake", "skylakex", "sapphirerapids"]
    /// Cores with AVX2 + FMA kernels.
    static let avx2Cores: Set<String> = avx512Cores.union(["haswell", "zen"])

    /// What `prepare()` did: the core before and after, and whether it switched.
    public struct Selection: Equatable, Sendable {
        /// The core OpenBLAS chose at load time (e.g. "Prescott").
        public let detected: String
        /// The core in use now.
        public let active: String
        /// True when `prepare()` switched the core.
        public var switched: Bool { detected != active }
    }

    /// The selection, made once (thread-safe) on first use; `sgemm` and `setBLASThreads` touch it.
    public static let selection: Selection = {
        let detected = String(cString: mg_blas_core_name())
        guard let wanted = preferredCore(detected: detected, environment: ProcessInfo.processInfo.environment,
                                         avx512: mg_cpu_supports_avx512() != 0,
                                         avx2FMA: mg_cpu_supports_avx2_fma() != 0) else {
            return Selection(detected: detected, active: detected)
        }
        _ = mg_blas_switch_core(wanted)
        return Selection(detected: detected, active: String(cString: mg_blas_core_name()))
    }()

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

    /// The core to switch to, or nil to keep `detected`: nothing when `OPENBLAS_CORETYPE` is set or the library
    /// does not name its core; "SkylakeX" when the CPU has AVX-512 and `detected` has no AVX-512 kernels;
    /// "Haswell" when it has AVX2 + FMA and `detected` has no AVX2 kernels.
    public static func preferredCore(detected: String, environment: [String: String], avx512: Bool, avx2FMA: Bool) -> String? {
        if environment["OPENBLAS_CORETYPE"] != nil || detected.isEmpty { return nil }
        let core = detected.lowercased()
        if avx512 && !avx512Cores.contains(core) { return "SkylakeX" }
        if avx2FMA && !avx2Cores.contains(core) { return "Haswell" }
        return nil
    }
}
