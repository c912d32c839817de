// The C AVX2 + FMA kernels against the Swift kernels they replace (the plain path) and the naive references.
import XCTest
import CKernels
@testable import MarketTensor
import MarketSupport

final class AVX2KernelTests: XCTestCase {
    /// GELU forward/backward, AVX2 vs Swift: within 1e-6·max(1, |x|) forward and 4e-6 backward (fused
    /// multiply-adds round once where the Swift kernels round twice), every tail length 0…8, accumulate on and off.
    func testGELUMatchesTheSwiftKernels() throws {
        try XCTSkipIf(mg_cpu_supports_avx2_fma() == 0, "no AVX2 + FMA on this CPU")
        var rng = RandomGenerator(seed: 5)
        for count in [0, 1, 7, 8, 9, 15, 16, 1_003] {
            let x = (0..<count).map { _ in rng.nextNormal() * 4 }, dout = (0..<count).map { _ in rng.nextNormal() }
            var fast = [Float](repeating: 0, count: count), plain = fast
            mg_gelu_forward_avx2(&fast, x, count)
            geluForward(&plain, x, count: count)
            for i in 0..<count { XCTAssertEqual(fast[i], plain[i], accuracy: 1e-6 * max(1, abs(x[i])), "forward x=\(x[i])") }
            for accumulate in [false, true] {
                var fastGrad = (0..<count).map { Float($0) * 0.01 }, plainGrad = fastGrad
                mg_gelu_backward_avx2(&fastGrad, x, dout, count, accumulate ? 1 : 0)
                geluBackward(&plainGrad, x, dout, count: count, accumulate: accumulate)
                for i in 0..<count {
                    XCTAssertEqual(fastGrad[i], plainGrad[i], accuracy: 4e-6 * max(1, abs(plainGrad[i])), "backward x=\(x[i])")
                }
            }
        }
    }

    /// Far tails and the exact GELU: the AVX2 kernel within 2e-6·max(1, |x|) of the Double reference over [−12, 12].
    func testGELUAgainstTheNaiveReference() throws {
        try XCTSkipIf(mg_cpu_supports_avx2_fma() == 0, "no AVX2 + FMA on this CPU")
        let x = (0...24_000).map { Float($0) / 1000 - 12 }
        var fast = [Float](repeating: 0, count: x.count), exact = fast
        mg_gelu_forward_avx2(&fast, x, x.count)
        geluForwardNaive(&exact, x, count: x.count)
        for i in x.indices { XCTAssertEqual(fast[i], exact[i], accuracy: 2e-6 * max(1, abs(x[i])), "x=\(x[i])") }
        var grad = [Float](repeating: 0, count: x.count)
        mg_gelu_backward_avx2(&grad, x, [Float](repeating: 1, count: x.count), x.count, 0)
        for i in x.indices { XCTAssertEqual(grad[i], geluDerivativeNaive(x[i]), accuracy: 4e-6, "x=\(x[i])") }
    }
}

extension AVX2KernelTests {
    /// LayerNorm forward/backward, AVX2 vs Swift, C = 128 (the model's width) and 37 (tails): outputs, mean and rstd
    /// within 2e-5 relative, the three gradients within 1e-4 of their scale (sums in another order, fused rounding).
    func testLayerNormMatchesTheSwiftKernels() throws {
        try XCTSkipIf(mg_cpu_supports_avx2_fma() == 0, "no AVX2 + FMA on this CPU")
        var rng = RandomGenerator(seed: 9)
        for (rows, c) in [(64, 128), (5, 37), (3, 8)] {
            func draw(_ n: Int, _ scale: Float = 1, _ offset: Float = 0) -> [Float] { (0..<n).map { _ in rng.nextNormal() * scale + offset } }
            let x = draw(rows * c, 2, 0.5), w = draw(c, 0.3, 1), b = draw(c, 0.1), dout = draw(rows * c)
            var out1 = [Float](repeating: 0, count: rows * c), out2 = out1
            var stats1 = [Float](repeating: 0, count: 2 * rows), stats2 = stats1
            stats1.withUnsafeMutableBufferPointer { s in
                mg_layernorm_forward_avx2(&out1, s.baseAddress!, s.baseAddress! + rows, x, w, b, rows, c, 1e-5)
            }
            stats2.withUnsafeMutableBufferPointer { s in
                layerNormForward(&out2, s.baseAddress!, s.baseAddress! + rows, x, w, b, rows: rows, columns: c, epsilon: 1e-5)
            }
            for i in out1.indices { XCTAssertEqual(out1[i], out2[i], accuracy: 2e-5 * max(1, abs(out2[i])), "out[\(i)] C=\(c)") }
            for i in stats1.indices { XCTAssertEqual(stats1[i], stats2[i], accuracy: 2e-5 * max(1, abs(stats2[i])), "stats[\(i)]") }
            let start = draw(rows * c, 0.1), startW = draw(c, 0.1), startB = draw(c, 0.1)
            var dx1 = start, dx2 = start, dw1 = startW, dw2 = startW, db1 = startB, db2 = startB
            stats2.withUnsafeBufferPointer { s in
                mg_layernorm_backward_avx2(&dx1, &dw1, &db1, dout, x, w, s.baseAddress!, s.baseAddress! + rows, rows, c)
                layerNormBackward(&dx2, &dw2, &db2, dout, x, w, s.baseAddress!, s.baseAddress! + rows, rows: rows, columns: c)
            }
            for (name, fast, plain) in [("dinput", dx1, dx2), ("dweight", dw1, dw2), ("dbias", db1, db2)] {
                let scale = max(1, plain.map(abs).max() ?? 0)
                for i in fast.indices { XCTAssertEqual(fast[i], plain[i], accuracy: 1e-4 * scale, "\(name)[\(i)] C=\(c)") }
            }
            // nil gradients are skipped
            var onlyInput = start
            stats2.withUnsafeBufferPointer { s in
                mg_layernorm_backward_avx2(&onlyInput, nil, nil, dout, x, w, s.baseAddress!, s.baseAddress! + rows, rows, c)
            }
            for i in onlyInput.indices { XCTAssertEqual(onlyInput[i], dx1[i], "dinput alone differs at \(i)") }
        }
    }
}
