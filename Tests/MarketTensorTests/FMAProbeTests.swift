// mg_fma_probe (CKernels/fma_probe.c): the operation count it reports and the values its chains compute.
import XCTest
import CKernels

final class FMAProbeTests: XCTestCase {
    /// Each of the 12 accumulators runs x ← x·a + b from 0.001·(k+1) (a = 0.999999, b = 1e-7) on every lane; the
    /// result is their sum over lanes, which must equal the recurrence's closed form — so the loop really ran the
    /// iterations it counts — and the count is iterations × 12 × lanes × 2.
    func testProbeCountsAndComputesItsChains() {
        let lanes = mg_cpu_supports_avx512() != 0 ? 16 : (mg_cpu_supports_avx2_fma() != 0 ? 8 : 0)
        let a = Double(Float(0.999999)), b = Double(Float(1e-7))
        for iterations in [1, 37, 10_000] {
            var sink: Float = .nan
            let flops = mg_fma_probe(iterations, &sink)
            let n = Double(iterations), an = pow(a, n)
            func chain(_ start: Float) -> Double { an * Double(start) + b * (1 - an) / (1 - a) }
            if lanes > 0 {
                XCTAssertEqual(flops, n * 12 * Double(lanes) * 2, "iterations \(iterations)")
                let expected = (0..<12).reduce(0.0) { $0 + Double(lanes) * chain(0.001 * Float($1 + 1)) }
                XCTAssertEqual(Double(sink), expected, accuracy: 1e-4 * expected, "iterations \(iterations)")
            } else {
                XCTAssertEqual(flops, n * 2)
                XCTAssertEqual(Double(sink), chain(0.001), accuracy: 1e-4 * chain(0.001))
            }
        }
        var sink: Float = 7
        XCTAssertEqual(mg_fma_probe(0, &sink), 0)
        XCTAssertEqual(mg_fma_probe(-5, &sink), 0)
        XCTAssertEqual(sink, 7, "nothing written when nothing ran")
    }
}
