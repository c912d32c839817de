// The fused MLP op (Ops+MLP.swift: GELU inside the two AVX-512 GEMMs, block by block) against the composition
// `linear(gelu(linear(x)))` it replaces: output and every gradient bit for bit, on shapes covering every tail.
import XCTest
@testable import MarketTensor
import MarketSupport

final class MLPKernelTests: XCTestCase {
    func values(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
        var rng = RandomGenerator(seed: seed)
        return (0..<count).map { _ in rng.nextNormal() * scale }
    }

    /// Output and the gradients of x, both weights and both biases of `mlp` and of the composition (fresh tensors with
    /// the same values each); `frozen` parameters (0 fcWeight, 1 fcBias, 2 projectionWeight, 3 projectionBias) need
    /// no gradient; `reuseInput` adds x to the output (x's gradient then accumulates into a valid buffer).
    func run(rows: Int, inFeatures c: Int, hidden h: Int, outFeatures o: Int, frozen: Set<Int> = [], inputGrad: Bool = true,
             reuseInput: Bool = false, fused: Bool, seed: UInt64) -> [[Float]] {
        let x = Tensor(values(rows * c, seed: seed), shape: [rows, c], requiresGrad: inputGrad)
        let shapes = [[h, c], [h], [o, h], [o]]
        let p = shapes.enumerated().map { k, shape in
            Tensor(values(shape.reduce(1, *), seed: seed + 1 + UInt64(k), scale: k % 2 == 0 ? 0.2 : 0.5), shape: shape,
                   requiresGrad: !frozen.contains(k))
        }
        var y = fused ? mlp(x, fcWeight: p[0], fcBias: p[1], projectionWeight: p[2], projectionBias: p[3])
                      : linear(gelu(linear(x, weight: p[0], bias: p[1])), weight: p[2], bias: p[3])
        if reuseInput { y = y + x }
        y.backward(seed: Tensor(values(y.count, seed: seed + 9), shape: y.shape))
        return [y.scalars] + ([x] + p).map { $0.grad == nil ? [] : $0.gradScalars }
    }

    /// (rows, C, H, C′): row tails of the 14-row tile and of the 224-row block (one, two and three blocks, split over
    /// the threads), the 16/32-lane halves of both GEMMs, reductions past the 256-long chunk; the model's (…, 128, 512, 128).
    func testFusedMLPIsTheCompositionBitForBit() throws {
        try XCTSkipIf(!(linearUsesAVX512 && geluUsesAVX512), "no AVX-512 linear kernels on this CPU: mlp is the composition")
        let shapes = [(1, 1, 1, 1), (13, 19, 45, 7), (14, 32, 64, 16), (225, 20, 70, 33), (461, 128, 512, 128),
                      (250, 300, 17, 260), (3, 7, 513, 5)]
        for (k, (rows, c, h, o)) in shapes.enumerated() {
            let seed = UInt64(10 * k + 1)
            let fused = run(rows: rows, inFeatures: c, hidden: h, outFeatures: o, fused: true, seed: seed)
            let plain = run(rows: rows, inFeatures: c, hidden: h, outFeatures: o, fused: false, seed: seed)
            for (name, (a, b)) in zip(["output", "dx", "dfcWeight", "dfcBias", "dprojWeight", "dprojBias"], zip(fused, plain)) {
                XCTAssertEqual(a.count, b.count, "\(name) \(rows)×\(c)×\(h)×\(o)")
                XCTAssertTrue(a == b, "\(name) \(rows)×\(c)×\(h)×\(o): max |Δ| \(zip(a, b).map { abs($0 - $1) }.max() ?? 0)")
                XCTAssertTrue(a.allSatisfy(\.isFinite) && a.contains { $0 != 0 }, "\(name) is finite and not all zero")
            }
        }
    }

    /// Frozen parameters, an input without gradient, and an input gradient that accumulates: still the composition's
    /// bits, and frozen tensors get no gradient.
    func testFrozenParametersAndAccumulatedInputGradient() throws {
        try XCTSkipIf(!(linearUsesAVX512 && geluUsesAVX512), "no AVX-512 linear kernels on this CPU: mlp is the composition")
        let cases: [(frozen: Set<Int>, inputGrad: Bool, reuse: Bool)] = [([0, 2], true, false), ([1, 3], true, true),
                                                                       ([0, 1], false, false), ([2, 3], true, true)]
        for (k, setting) in cases.enumerated() {
            let args = (rows: 40, c: 24, h: 50, o: 24)
            let fused = run(rows: args.rows, inFeatures: args.c, hidden: args.h, outFeatures: args.o, frozen: setting.frozen,
                            inputGrad: setting.inputGrad, reuseInput: setting.reuse, fused: true, seed: UInt64(100 + k))
            let plain = run(rows: args.rows, inFeatures: args.c, hidden: args.h, outFeatures: args.o, frozen: setting.frozen,
                            inputGrad: setting.inputGrad, reuseInput: setting.reuse, fused: false, seed: UInt64(100 + k))
            XCTAssertEqual(fused, plain, "case \(k): \(setting)")
            for p in setting.frozen { XCTAssertTrue(fused[2 + p].isEmpty, "case \(k): frozen parameter \(p) got a gradient") }
            XCTAssertEqual(fused[1].isEmpty, !setting.inputGrad, "case \(k): input gradient present iff required")
        }
    }

    /// The op without recording (inference) gives the recorded forward's output.
    func testInferenceOutputEqualsTrainingOutput() throws {
        let (rows, c, h, o) = (30, 16, 40, 8)
        let x = Tensor(values(rows * c, seed: 200), shape: [2, rows / 2, c])
        let p = [[h, c], [h], [o, h], [o]].enumerated().map { k, s in
            Tensor(values(s.reduce(1, *), seed: 201 + UInt64(k), scale: 0.3), shape: s, requiresGrad: true)
        }
        let trained = mlp(x, fcWeight: p[0], fcBias: p[1], projectionWeight: p[2], projectionBias: p[3])
        let inferred = Autograd.withoutRecording { mlp(x, fcWeight: p[0], fcBias: p[1], projectionWeight: p[2], projectionBias: p[3]) }
        XCTAssertEqual(trained.shape, [2, rows / 2, o])
        XCTAssertEqual(trained.scalars, inferred.scalars)
    }
}
