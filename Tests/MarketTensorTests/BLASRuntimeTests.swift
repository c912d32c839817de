// OpenBLAS core selection: the decision rule, the switch on this machine, and GEMMs on both cores.
import XCTest
import CKernels
@testable import MarketTensor
import MarketSupport

final class BLASRuntimeTests: XCTestCase {
    /// The rule: the user's OPENBLAS_CORETYPE wins; weaker cores are upgraded to what the CPU supports only.
    func testPreferredCoreRule() {
        let none: [String: String] = [:]
        XCTAssertEqual(BLASRuntime.preferredCore(detected: "Prescott", environment: none, avx512: true, avx2FMA: true), "SkylakeX")
        XCTAssertEqual(BLASRuntime.preferredCore(detected: "Prescott", environment: none, avx512: false, avx2FMA: true), "Haswell")
        XCTAssertEqual(BLASRuntime.preferredCore(detected: "Haswell", environment: none, avx512: true, avx2FMA: true), "SkylakeX")
        XCTAssertNil(BLASRuntime.preferredCore(detected: "Haswell", environment: none, avx512: false, avx2FMA: true))
        XCTAssertNil(BLASRuntime.preferredCore(detected: "SkylakeX", environment: none, avx512: true, avx2FMA: true))
        XCTAssertNil(BLASRuntime.preferredCore(detected: "Cooperlake", environment: none, avx512: true, avx2FMA: true))
        XCTAssertNil(BLASRuntime.preferredCore(detected: "Prescott", environment: none, avx512: false, avx2FMA: false))
        XCTAssertNil(BLASRuntime.preferredCore(detected: "Prescott", environment: ["OPENBLAS_CORETYPE": "Prescott"],
                                               avx512: true, avx2FMA: true))
        XCTAssertNil(BLASRuntime.preferredCore(detected: "", environment: none, avx512: true, avx2FMA: true))
    }

    /// On this machine the active core has the strongest kernels the CPU supports (unless the user forced one). Nothing
    /// in Swift switches cores any more (`selection` only reads them), so this also shows that the C constructor
    /// switched at load time, before this test process ran any code.
    func testActiveCoreMatchesTheCPU() throws {
        let selection = BLASRuntime.prepare()
        XCTAssertFalse(selection.active.isEmpty, "OpenBLAS does not name its core")
        try XCTSkipIf(ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] != nil, "OPENBLAS_CORETYPE is set")
        let core = selection.active.lowercased()
        if mg_cpu_supports_avx512() != 0 {
            XCTAssertEqual(BLASRuntime.kernelLevel(core), 2, "\(selection.active) on an AVX-512 CPU (detected \(selection.detected))")
        } else if mg_cpu_supports_avx2_fma() != 0 {
            XCTAssertGreaterThanOrEqual(BLASRuntime.kernelLevel(core), 1, "\(selection.active) on an AVX2 CPU")
        }
        XCTAssertEqual(String(cString: mg_blas_core_name()), selection.active)
        XCTAssertEqual(selection.detected, String(cString: mg_blas_core_at_load()))
        XCTAssertEqual(selection.switched, BLASRuntime.preferredCore(detected: selection.detected, environment: [:],
                                                                     avx512: mg_cpu_supports_avx512() != 0,
                                                                     avx2FMA: mg_cpu_supports_avx2_fma() != 0) != nil)
    }

    /// The kernel levels of OpenBLAS's core names (case-insensitive).
    func testKernelLevels() {
        XCTAssertEqual(["SkylakeX", "cooperlake", "SAPPHIRERAPIDS", "Haswell", "Zen", "Prescott", ""].map(BLASRuntime.kernelLevel),
                       [2, 2, 2, 1, 1, 0, 0])
    }

    /// sgemm on the load-time core and on the active core: both within 1e-4·√K of the Double reference (shapes of
    /// the model's GEMMs, every transpose), each bit-identical when repeated; the two cores agree to rounding.
    func testGEMMsOnBothCoresMatchTheReference() throws {
        let selection = BLASRuntime.prepare()
        var rng = RandomGenerator(seed: 3)
        for (ta, tb, m, n, k) in [(false, true, 130, 96, 128), (false, false, 64, 32, 64), (true, false, 128, 130, 70),
                                  (true, true, 33, 17, 129)] {
            let lda = ta ? m : k, ldb = tb ? k : n
            let a = Tensor.normal([(ta ? k : m) * lda], rng: &rng), b = Tensor.normal([(tb ? n : k) * ldb], rng: &rng)
            func product() -> [Float] {
                let c = Tensor.zeros([m * n])
                sgemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k, a: a.data, lda: lda, b: b.data, ldb: ldb,
                      beta: 0, c: c.data, ldc: n)
                return c.scalars
            }
            let reference = Tensor.zeros([m * n])
            sgemmNaive(transposeA: ta, transposeB: tb, m: m, n: n, k: k, a: a.data, lda: lda, b: b.data, ldb: ldb,
                       beta: 0, c: reference.data, ldc: n)
            let tolerance = 1e-4 * Float(k).squareRoot()
            let active = product()
            XCTAssertEqual(active, product(), "repeated GEMM on \(selection.active) not bit-identical")
            let detected = try XCTUnwrap(BLASRuntime.withCore(selection.detected) { product() })
            XCTAssertEqual(String(cString: mg_blas_core_name()), selection.active, "withCore did not switch back")
            for i in 0..<(m * n) {
                XCTAssertEqual(active[i], reference.data[i], accuracy: tolerance, "\(selection.active) (\(ta),\(tb),\(m),\(n),\(k))[\(i)]")
                XCTAssertEqual(detected[i], reference.data[i], accuracy: tolerance, "\(selection.detected) (\(ta),\(tb),\(m),\(n),\(k))[\(i)]")
            }
        }
    }
}
