// Optimised kernels against their naive references, with stated tolerances.
import XCTest
@testable import MarketTensor
import MarketSupport

final class KernelReferenceTests: XCTestCase {
    /// sgemm vs the Double-accumulating reference: rel. tolerance 1e-4 of the row scale.
    func testSgemmMatchesNaiveForEveryTransposeAndStride() {
        var rng = RandomGenerator(seed: 1)
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let m = 7, n = 9, k = 13, lda = (ta ? m : k) + 2, ldb = (tb ? k : n) + 1, ldc = n + 3
            let a = Tensor.normal([(ta ? k : m) * lda], rng: &rng), b = Tensor.normal([(tb ? n : k) * ldb], rng: &rng)
            let c1 = Tensor.normal([m * ldc], rng: &rng), c2 = Tensor(c1.scalars, shape: c1.shape)
            sgemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: 0.7, a: a.data, lda: lda, b: b.data, ldb: ldb,
                  beta: 0.5, c: c1.data, ldc: ldc)
            sgemmNaive(transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: 0.7, a: a.data, lda: lda, b: b.data, ldb: ldb,
                       beta: 0.5, c: c2.data, ldc: ldc)
            for i in 0..<c1.count { XCTAssertEqual(c1.data[i], c2.data[i], accuracy: 1e-4 * 4) }
        }
    }

    /// Fast tanh within 1e-6 absolute of libm over [-12, 12]; fast exp within 2e-7 relative over [-87, 0].
    func testFastTanhAndExp() {
        var worstTanh: Float = 0, worstExp: Double = 0
        for i in 0...24_000 {
            let x = Float(i) / 1000 - 12
            worstTanh = max(worstTanh, abs(fastTanh(x) - Float(Foundation.tanh(Double(x)))))
        }
        for i in 0...87_000 {
            let x = -Float(i) / 1000
            let exact = Foundation.exp(Double(x))
            worstExp = max(worstExp, abs(Double(fastExp(x)) - exact) / exact)
        }
        var worstExp8: Double = 0
        for i in 0..<10_875 {  // down to -87
            let x = SIMD8<Float>((0..<8).map { -Float(i * 8 + $0) / 1000 })
            let e = fastExp8(x)
            for lane in 0..<8 {
                let exact = Foundation.exp(Double(x[lane]))
                worstExp8 = max(worstExp8, abs(Double(e[lane]) - exact) / exact)
            }
        }
        XCTAssertLessThan(worstExp8, 2e-7)
        XCTAssertEqual(fastExp8(SIMD8<Float>(repeating: -.infinity)), SIMD8<Float>(repeating: 0))
        XCTAssertLessThan(worstTanh, 1e-6)
        XCTAssertLessThan(worstExp, 2e-7)
        XCTAssertEqual(fastExp(-.infinity), 0)
    }

    /// GELU kernels vs libm references on [-12, 12] (every SIMD lane and the scalar tail): forward within
    /// 5e-7·max(1, |x|), derivative within 1e-6·max(1, |x|) (measured 1.5e-7 and 4.8e-7; exp2 error 2.4e-7).
    func testGELUMatchesNaive() {
        let count = 24_003  // odd: the scalar tail runs too
        let x = Tensor.zeros([count])
        for i in 0..<count { x.data[i] = -12 + 24 * Float(i) / Float(count - 1) }
        let fast = gelu(x)
        let ref = Tensor.zeros([count])
        geluForwardNaive(ref.data, x.data, count: x.count)
        var worst: Float = 0
        for i in 0..<count { worst = max(worst, abs(fast.data[i] - ref.data[i]) / max(1, abs(x.data[i]))) }
        XCTAssertLessThan(worst, 5e-7)
        let ones = Tensor.ones([count])
        let dx = Tensor.zeros([count])
        geluBackward(dx.data, x.data, ones.data, count: count, accumulate: false)
        var worstGrad: Float = 0
        for i in 0..<count {
            worstGrad = max(worstGrad, abs(dx.data[i] - geluDerivativeNaive(x.data[i])) / max(1, abs(x.data[i])))
        }
        XCTAssertLessThan(worstGrad, 1e-6)
        let extremes = gelu(Tensor([-200, 0, 200], shape: [3])).scalars  // clamped exponent: no inf/NaN
        XCTAssertEqual(extremes[0], 0, accuracy: 1e-30)
        XCTAssertEqual(Array(extremes[1...]), [0, 200])
    }

    /// Fused attention (blocks of sgemm) vs plain loops: 1e-5 absolute.
    func testAttentionMatchesNaive() {
        var rng = RandomGenerator(seed: 3)
        let b = 3, t = 11, c = 16, nh = 4
        let qkv = Tensor.normal([b, t, 3 * c], rng: &rng)
        let fused = causalSelfAttention(qkv, heads: nh).scalars
        let naive = causalSelfAttentionNaive(qkv.scalars, batch: b, time: t, channels: c, heads: nh)
        for i in 0..<fused.count { XCTAssertEqual(fused[i], naive[i], accuracy: 1e-5) }
    }

    /// The last-query inference kernel equals the last position of the fused kernel (1e-5).
    func testLastQueryAttentionMatchesFullKernel() {
        var rng = RandomGenerator(seed: 6)
        let b = 2, t = 9, c = 12, nh = 3
        let qkv = Tensor.normal([b, t, 3 * c], rng: &rng)
        let full = lastPosition(causalSelfAttention(qkv, heads: nh)).scalars
        let last = Autograd.withoutRecording { causalSelfAttentionLastQuery(qkv, heads: nh) }.scalars
        XCTAssertEqual(full.count, last.count)
        for i in 0..<full.count { XCTAssertEqual(full[i], last[i], accuracy: 1e-5) }
    }

    /// LayerNorm rows have mean ≈ bias and std ≈ |weight| (1e-4).
    func testLayerNormNormalises() {
        var rng = RandomGenerator(seed: 4)
        let x = Tensor.normal([5, 64], mean: 3, std: 2, rng: &rng)
        let y = layerNorm(x, weight: Tensor.ones([64]), bias: Tensor.zeros([64]))
        for r in 0..<5 {
            let row = Array(y.scalars[(r * 64)..<((r + 1) * 64)])
            let mean = row.reduce(0, +) / 64
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 64
            XCTAssertEqual(mean, 0, accuracy: 1e-4)
            XCTAssertEqual(variance, 1, accuracy: 1e-3)
        }
    }

    func testDropoutModesAndScaling() {
        var rng = RandomGenerator(seed: 5)
        let x = Tensor.ones([100_000])
        XCTAssertTrue(dropout(x, probability: 0.3, mode: .eval, rng: &rng) === x)
        let before = rng
        let y = dropout(x, probability: 0.3, mode: .monteCarlo, rng: &rng)
        XCTAssertNotEqual(before, rng)
        let kept = y.scalars.filter { $0 != 0 }
        XCTAssertEqual(Double(kept.count) / 100_000, 0.7, accuracy: 0.01)
        XCTAssertEqual(kept[0], 1 / 0.7, accuracy: 1e-6)
        let mean = y.scalars.reduce(0, +) / 100_000
        XCTAssertEqual(mean, 1, accuracy: 0.02)
    }
}
