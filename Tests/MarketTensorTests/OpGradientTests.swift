// Finite-difference gradient checks for every differentiable op and a composed attention block.
import XCTest
@testable import MarketTensor
import MarketSupport

final class OpGradientTests: XCTestCase {
    let check = GradientCheck()

    func testMatmulAllTransposes() {
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let a = parameter(ta ? [4, 3] : [3, 4], seed: 1)
            let b = parameter(tb ? [5, 4] : [4, 5], seed: 2)
            check.check([a, b]) { project(matmul(a, b, transposeA: ta, transposeB: tb)) }
        }
    }

    func testMatmulFoldedAndBatched() {
        let a = parameter([2, 3, 4], seed: 3), w = parameter([4, 5], seed: 4)
        check.check([a, w]) { project(matmul(a, w)) }                        // leading dims folded
        let at = parameter([2, 4, 3], seed: 5)
        check.check([at, w]) { project(matmul(at, w, transposeA: true)) }    // looped, shared b
        let b = parameter([2, 5, 4], seed: 6)
        check.check([a, b]) { project(matmul(a, b, transposeB: true)) }      // batched
    }

    func testLinear() {
        let x = parameter([2, 3, 4], seed: 7), w = parameter([5, 4], seed: 8), bias = parameter([5], seed: 9)
        check.check([x, w, bias]) { project(linear(x, weight: w, bias: bias)) }
        check.check([x, w]) { project(linear(x, weight: w, bias: nil)) }
    }

    func testArithmeticWithBroadcast() {
        let a = parameter([2, 3, 4], seed: 10), full = parameter([2, 3, 4], seed: 11), bias = parameter([4], seed: 12)
        let rows = parameter([3, 4], seed: 13)
        check.check([a, full]) { project(a + full) }
        check.check([a, bias]) { project(a + bias) }
        check.check([a, rows]) { project(a - rows) }
        check.check([a, bias]) { project(a * bias) }
        check.check([a, full]) { project(a * full) }
        check.check([a]) { project(scale(a, by: -1.7)) }
    }

    func testGELU() {
        let x = parameter([3, 7], seed: 14, std: 2)
        check.check([x]) { project(gelu(x)) }
    }

    func testLayerNorm() {
        let x = parameter([4, 6], seed: 15), w = parameter([6], seed: 16), b = parameter([6], seed: 17)
        check.check([x, w, b]) { project(layerNorm(x, weight: w, bias: b)) }
    }

    func testSoftmax() {
        let x = parameter([3, 5], seed: 18)
        check.check([x]) { project(softmax(x)) }
    }

    func testCausalSelfAttention() {
        let qkv = parameter([2, 5, 12], seed: 19)
        check.check([qkv]) { project(causalSelfAttention(qkv, heads: 2)) }
    }

    func testEmbeddingScatterAdd() {
        let table = parameter([5, 3], seed: 20)
        check.check([table]) { project(embedding(table, ids: [4, 1, 1, 0, 4, 4], shape: [2, 3])) }
    }

    func testDropoutTrainAndGroups() {
        let x = parameter([4, 6], seed: 21)
        for group in [1, 6] {
            check.check([x]) {
                var rng = RandomGenerator(seed: 5)
                return project(dropout(x, probability: 0.3, mode: .train, rng: &rng, groupSize: group))
            }
        }
    }

    func testShapeOps() {
        let x = parameter([2, 3, 4], seed: 22)
        check.check([x]) { project(x.reshaped([6, 4])) }
        check.check([x]) { project(x.permuted([1, 0, 2])) }
        check.check([x]) { project(x.reshaped([2, 3, 2, 2]).permuted([0, 2, 1, 3])) }
        check.check([x]) { project(lastPosition(x)) }
        let y = parameter([2, 1, 4], seed: 23)
        check.check([x, y]) { project(concat([x, y], axis: 1)) }
        check.check([x, x]) { project(concat([x, x], axis: 2)) }
    }

    func testReductions() {
        let x = parameter([3, 4], seed: 24)
        check.check([x]) { (x * x).sum() }
        check.check([x]) { (x * x).mean() }
    }

    func testGaussianNLLMaskedAndWeighted() {
        let mu = parameter([2, 3, 2], seed: 25), lv = parameter([2, 3, 2], seed: 26, std: 0.5)
        let y = constant([2, 3, 2], seed: 27)
        let w = Tensor([1, 0, 1, 0.5, 1, 1, 0, 1, 1, 1, 0.25, 1], shape: [2, 3, 2])
        check.check([mu, lv]) { gaussianNLL(mean: mu, logVariance: lv, target: y, weight: w) }
        check.check([mu, lv]) { studentTNLL(mean: mu, logVariance: lv, target: y, weight: w, degreesOfFreedom: 4) }
    }

    func testNLLValuesAgainstClosedForm() {
        let mu = Tensor([0.5], shape: [1]), lv = Tensor([Float(Foundation.log(2.0))], shape: [1]), y = Tensor([1.5], shape: [1])
        let gauss = gaussianNLL(mean: mu, logVariance: lv, target: y).item
        XCTAssertEqual(Double(gauss), 0.5 * (log(2 * Double.pi * 2) + 1.0 / 2.0), accuracy: 1e-5)
        // Student-t with ν = 3, scale² = 2 at z² = 0.5: scipy.stats.t.logpdf(1, 3, scale=√2) = −1.6237…
        let t = studentTNLL(mean: mu, logVariance: lv, target: y, degreesOfFreedom: 3).item
        let nu = 3.0, s2 = 2.0, r2 = 1.0
        let normaliser: Double = lgamma(nu / 2) - lgamma((nu + 1) / 2) + 0.5 * log(nu * Double.pi * s2)
        let kernel: Double = (nu + 1) / 2 * log(1 + r2 / (nu * s2))
        let expected = normaliser + kernel
        XCTAssertEqual(Double(t), expected, accuracy: 1e-5)
        // Clamp: a huge log-variance is treated as the upper bound, with no gradient.
        let big = Tensor([50], shape: [1], requiresGrad: true)
        let clamped = gaussianNLL(mean: mu, logVariance: big, target: y)
        clamped.backward()
        XCTAssertEqual(Double(clamped.item), 0.5 * (10 + exp(-10.0) + log(2 * Double.pi)), accuracy: 1e-4)
        XCTAssertEqual(big.gradScalars, [0])
    }

    /// A pre-LN attention block: x + proj(attn(qkv(LN(x)))) then x + fc2(gelu(fc1(LN(x)))).
    func testComposedAttentionBlock() {
        let c = 8, nh = 2
        let x = parameter([2, 4, c], seed: 30)
        let ln1w = parameter([c], seed: 31), ln1b = parameter([c], seed: 32, std: 0.1)
        let wqkv = parameter([3 * c, c], seed: 33, std: 0.3), bqkv = parameter([3 * c], seed: 34, std: 0.1)
        let wo = parameter([c, c], seed: 35, std: 0.3), bo = parameter([c], seed: 36, std: 0.1)
        let ln2w = parameter([c], seed: 37), ln2b = parameter([c], seed: 38, std: 0.1)
        let w1 = parameter([2 * c, c], seed: 39, std: 0.3), b1 = parameter([2 * c], seed: 40, std: 0.1)
        let w2 = parameter([c, 2 * c], seed: 41, std: 0.3), b2 = parameter([c], seed: 42, std: 0.1)
        let all = [x, ln1w, ln1b, wqkv, bqkv, wo, bo, ln2w, ln2b, w1, b1, w2, b2]
        check.check(all) {
            var h = x
            let qkv = linear(layerNorm(h, weight: ln1w, bias: ln1b), weight: wqkv, bias: bqkv)
            h = h + linear(causalSelfAttention(qkv, heads: nh), weight: wo, bias: bo)
            let mlp = linear(gelu(linear(layerNorm(h, weight: ln2w, bias: ln2b), weight: w1, bias: b1)), weight: w2, bias: b2)
            h = h + mlp
            return project(h)
        }
    }

    func testInferenceModeRecordsNothing() {
        let w = parameter([3, 3], seed: 50), x = constant([2, 3], seed: 51)
        let y = Autograd.withoutRecording { gelu(linear(x, weight: w, bias: nil)) }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertTrue(y.parents.isEmpty)
        XCTAssertNil(y.gradBuffer)
        XCTAssertNil(w.gradBuffer)
    }

    func testGradientsAccumulateAcrossBackwardCalls() {
        let x = parameter([3], seed: 52)
        (x * x).sum().backward()
        let once = x.gradScalars
        (x * x).sum().backward()
        XCTAssertEqual(x.gradScalars, once.map { 2 * $0 })
        x.zeroGrad()
        XCTAssertEqual(x.gradScalars, [0, 0, 0])
    }
}
