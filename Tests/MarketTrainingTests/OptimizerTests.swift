// AdamW against a hand-computed step, decay rule, clipping, schedule, and the overfit-one-batch test.
import XCTest
@testable import MarketTensor
@testable import MarketTraining
import MarketSupport

final class OptimizerTests: XCTestCase {
    func testAdamWFirstStepsMatchHandComputation() {
        let w = Tensor([1, -2], shape: [1, 2], requiresGrad: true)
        w.name = "layer.weight"
        let b = Tensor([0.5], shape: [1], requiresGrad: true)
        b.name = "layer.bias"
        let opt = AdamW(parameters: [w, b], learningRate: 0.1, weightDecay: 0.5)
        XCTAssertEqual(opt.decays, [true, false])
        // loss = Σ w² + b²  → g = 2w, 2b
        var ew: [Double] = [1, -2], eb = 0.5
        var mw: [Double] = [0, 0], vw: [Double] = [0, 0], mb = 0.0, vb = 0.0
        for step in 1...3 {
            opt.zeroGrad()
            ((w * w).sum() + (b * b).sum()).backward()
            opt.step()
            for i in 0..<2 {
                let g = 2 * ew[i]
                ew[i] *= 1 - 0.1 * 0.5
                mw[i] = 0.9 * mw[i] + 0.1 * g
                vw[i] = 0.999 * vw[i] + 0.001 * g * g
                ew[i] -= 0.1 * (mw[i] / (1 - pow(0.9, Double(step)))) / ((vw[i] / (1 - pow(0.999, Double(step)))).squareRoot() + 1e-8)
            }
            let g = 2 * eb
            mb = 0.9 * mb + 0.1 * g
            vb = 0.999 * vb + 0.001 * g * g
            eb -= 0.1 * (mb / (1 - pow(0.9, Double(step)))) / ((vb / (1 - pow(0.999, Double(step)))).squareRoot() + 1e-8)
        }
        XCTAssertEqual(Double(w.data[0]), ew[0], accuracy: 1e-5)
        XCTAssertEqual(Double(w.data[1]), ew[1], accuracy: 1e-5)
        XCTAssertEqual(Double(b.data[0]), eb, accuracy: 1e-5)
    }

    func testDefaultDecayRule() {
        func named(_ name: String, _ shape: [Int]) -> Tensor { let t = Tensor.zeros(shape); t.name = name; return t }
        XCTAssertTrue(AdamW.defaultDecayRule(named("blocks.0.attn.qkv.weight", [6, 2])))
        XCTAssertFalse(AdamW.defaultDecayRule(named("blocks.0.attn.qkv.bias", [6])))
        XCTAssertFalse(AdamW.defaultDecayRule(named("blocks.0.norm1.weight", [2])))
        XCTAssertFalse(AdamW.defaultDecayRule(named("embed.asset.weight", [10, 2])))
    }

    func testClipping() {
        let a = Tensor([3, 0], shape: [2], requiresGrad: true), b = Tensor([4], shape: [1], requiresGrad: true)
        ((a * a).sum() * 0.5 + (b * b).sum() * 0.5).backward()  // grads (3, 0), (4): norm 5
        let norm = clipGradientNorm([a, b], maxNorm: 1)
        XCTAssertEqual(norm, 5, accuracy: 1e-6)
        XCTAssertEqual(a.gradScalars[0], 0.6, accuracy: 1e-5)
        XCTAssertEqual(b.gradScalars[0], 0.8, accuracy: 1e-5)
        XCTAssertEqual(clipGradientNorm([a, b], maxNorm: 10), 1, accuracy: 1e-5)
        XCTAssertEqual(a.gradScalars[0], 0.6, accuracy: 1e-5)
    }

    func testWarmupCosineSchedule() {
        let s = WarmupCosineSchedule(peak: 1, minimum: 0.1, warmupSteps: 10, totalSteps: 110)
        XCTAssertEqual(s.learningRate(at: 0), 0.1, accuracy: 1e-6)
        XCTAssertEqual(s.learningRate(at: 9), 1, accuracy: 1e-6)
        XCTAssertEqual(s.learningRate(at: 10), 1, accuracy: 1e-6)
        XCTAssertEqual(s.learningRate(at: 60), 0.55, accuracy: 1e-5)
        XCTAssertEqual(s.learningRate(at: 110), 0.1, accuracy: 1e-6)
        XCTAssertEqual(s.learningRate(at: 500), 0.1, accuracy: 1e-6)
    }

    /// A tiny transformer-like stack (embedding + input projection + one pre-LN block + head) fitted to
    /// one fixed batch: mean squared error falls at least 10×.
    func testTinyStackOverfitsOneBatch() {
        var rng = RandomGenerator(seed: 11)
        let b = 4, t = 6, f = 3, c = 16, nh = 2
        func p(_ shape: [Int], _ std: Float, _ name: String) -> Tensor {
            let x = Tensor.normal(shape, std: std, rng: &rng, requiresGrad: true); x.name = name; return x
        }
        let win = p([c, f], 0.3, "in.weight"), bin = p([c], 0.01, "in.bias"), pos = p([t, c], 0.1, "embed.pos")
        let ln1w = Tensor.ones([c], requiresGrad: true), ln1b = Tensor.zeros([c], requiresGrad: true)
        let wqkv = p([3 * c, c], 0.2, "qkv.weight"), bqkv = p([3 * c], 0.01, "qkv.bias")
        let wo = p([c, c], 0.2, "o.weight"), bo = p([c], 0.01, "o.bias")
        let ln2w = Tensor.ones([c], requiresGrad: true), ln2b = Tensor.zeros([c], requiresGrad: true)
        let w1 = p([4 * c, c], 0.2, "fc.weight"), b1 = p([4 * c], 0.01, "fc.bias")
        let w2 = p([c, 4 * c], 0.1, "proj.weight"), b2 = p([c], 0.01, "proj.bias")
        let wh = p([2, c], 0.2, "head.weight"), bh = p([2], 0.01, "head.bias")
        let params = [win, bin, pos, ln1w, ln1b, wqkv, bqkv, wo, bo, ln2w, ln2b, w1, b1, w2, b2, wh, bh]
        let x = Tensor.normal([b, t, f], rng: &rng)
        let y = Tensor.normal([b, t, 2], rng: &rng)
        let opt = AdamW(parameters: params, learningRate: 3e-3, weightDecay: 0)
        func loss() -> Tensor {
            var h = linear(x, weight: win, bias: bin) + pos                                  // (B, T, C)
            h = h + linear(causalSelfAttention(linear(layerNorm(h, weight: ln1w, bias: ln1b), weight: wqkv, bias: bqkv),
                                               heads: nh), weight: wo, bias: bo)
            h = h + linear(gelu(linear(layerNorm(h, weight: ln2w, bias: ln2b), weight: w1, bias: b1)), weight: w2, bias: b2)
            let d = linear(h, weight: wh, bias: bh) - y                                      // (B, T, 2)
            return (d * d).mean()
        }
        let first = loss().item
        var last = first
        for _ in 0..<300 {
            opt.zeroGrad()
            let l = loss()
            l.backward()
            clipGradientNorm(params, maxNorm: 1)
            opt.step()
            last = l.item
        }
        XCTAssertLessThan(last, first / 10, "loss \(first) → \(last)")
    }
}
