// The fused C paths of the training step against their plain Swift paths: dropout from 16-bit draws and the
// residual-dropout fusion (bit for bit), and the causal attention kernel (rounding; AVX-512 = AVX2 bit for bit;
// only the causal half of P written and read).
import XCTest
import CKernels
@testable import MarketTensor
import MarketSupport

final class FusedKernelTests: XCTestCase {
    /// drawnDropout vs the plain Swift loop, every tail length 0…9 and 1,003, recording and not, gradient written
    /// and accumulated: outputs, gradients and the generator's state bit-identical.
    func testDrawnDropoutIsBitIdenticalToThePlainLoop() throws {
        try XCTSkipIf(mg_kernels_use_avx2() == 0, "no AVX2 + FMA path on this CPU")
        for count in Array(0...9) + [1_003] {
            let values = (0..<count).map { Float($0) * 0.37 - 3 }, dout = (0..<count).map { Float($0 % 7) - 2.5 }
            for records in [false, true] {
                var rngC = RandomGenerator(seed: 21), rngPlain = RandomGenerator(seed: 21)
                let xC = Tensor(values, shape: [count], requiresGrad: records)
                let xPlain = Tensor(values, shape: [count], requiresGrad: records)
                let yC = drawnDropout(xC, adding: nil, probability: 0.3, rng: &rngC)
                let yPlain = plainDropout(xPlain, probability: 0.3, rng: &rngPlain, groupSize: 1)
                XCTAssertEqual(yC.scalars, yPlain.scalars, "count \(count), records \(records)")
                XCTAssertEqual(rngC, rngPlain, "generator after \(count) draws")
                guard records && count > 0 else { continue }
                for pass in 0..<2 {   // the second backward accumulates
                    yC.backward(seed: Tensor(dout, shape: [count]), retainingGraph: pass == 0)
                    yPlain.backward(seed: Tensor(dout, shape: [count]), retainingGraph: pass == 0)
                    XCTAssertEqual(xC.gradScalars, xPlain.gradScalars, "gradient, count \(count)")
                }
                if count > 100 { XCTAssertTrue(xC.gradScalars.contains { $0 != 0 }, "some units kept") }
            }
        }
    }

    /// residualDropout(r, x) = r + dropout(x) bit for bit (values, both gradients, generator), in train mode (the
    /// C path here) and eval mode (no draws).
    func testResidualDropoutEqualsAddAndDropout() {
        let shape = [3, 5, 7]
        for mode in [DropoutMode.train, .eval] {
            let r1 = parameter(shape, seed: 31), x1 = parameter(shape, seed: 32)
            let r2 = parameter(shape, seed: 31), x2 = parameter(shape, seed: 32)
            var rng1 = RandomGenerator(seed: 5), rng2 = RandomGenerator(seed: 5)
            let fused = residualDropout(r1, x1, probability: 0.25, mode: mode, rng: &rng1)
            let composed = r2 + (mode.drops ? plainDropout(x2, probability: 0.25, rng: &rng2, groupSize: 1) : x2)
            XCTAssertEqual(fused.scalars, composed.scalars, "\(mode)")
            XCTAssertEqual(rng1, rng2)
            let seed = constant(shape, seed: 33)
            fused.backward(seed: seed)
            composed.backward(seed: seed)
            XCTAssertEqual(r1.gradScalars, r2.gradScalars, "residual gradient, \(mode)")
            XCTAssertEqual(x1.gradScalars, x2.gradScalars, "branch gradient, \(mode)")
            if mode.drops { XCTAssertTrue(x1.gradScalars.contains(0), "some units dropped") }
        }
    }

    /// Fused attention vs the naive Double-sum reference (1e-5 absolute) and vs the plain sgemm path: outputs within
    /// 1e-5, gradients (written, then accumulated by a second use of qkv) within 1e-5 of their largest magnitude;
    /// head sizes 16, 32, 64 and lengths 1, 5, 17, 64 (every tail of the 4-row and 16-lane blocks).
    func testFusedAttentionMatchesPlainPathAndNaiveReference() throws {
        for hs in [16, 32, 64] {
            try XCTSkipIf(mg_attention_fused_available(hs) == 0, "fused attention not available on this CPU")
            for t in [1, 5, 17, 64] {
                let b = 2, nh = 2, c = nh * hs
                let qkvFused = parameter([b, t, 3 * c], seed: UInt64(40 + t), std: 1.5)
                let qkvPlain = parameter([b, t, 3 * c], seed: UInt64(40 + t), std: 1.5)
                let fused = fusedCausalSelfAttention(qkvFused, heads: nh)
                let plain = plainCausalSelfAttention(qkvPlain, heads: nh)
                let naive = causalSelfAttentionNaive(qkvFused.scalars, batch: b, time: t, channels: c, heads: nh)
                for i in 0..<fused.count {
                    XCTAssertEqual(fused.scalars[i], naive[i], accuracy: 1e-5, "hs \(hs) t \(t) forward vs naive at \(i)")
                    XCTAssertEqual(fused.scalars[i], plain.scalars[i], accuracy: 1e-5, "hs \(hs) t \(t) forward vs plain at \(i)")
                }
                let w1 = constant([b, t, c], seed: 51), w2 = constant([b, t, c], seed: 52)
                let lossFused = (fused * w1).sum() + (fusedCausalSelfAttention(qkvFused, heads: nh) * w2).sum()
                let lossPlain = (plain * w1).sum() + (plainCausalSelfAttention(qkvPlain, heads: nh) * w2).sum()
                lossFused.backward()
                lossPlain.backward()
                let gFused = qkvFused.gradScalars, gPlain = qkvPlain.gradScalars
                let scale = max(gPlain.map(abs).max() ?? 0, 1e-3)
                XCTAssertGreaterThan(gPlain.map(abs).max() ?? 0, 0)
                for i in gFused.indices {
                    XCTAssertEqual(gFused[i], gPlain[i], accuracy: 1e-5 * scale, "hs \(hs) t \(t) gradient at \(i)")
                }
            }
        }
    }

    /// Central finite differences through the fused kernel (head size 16, t = 6 with a 4-row block and a tail row).
    func testFusedAttentionGradientCheck() throws {
        try XCTSkipIf(mg_attention_fused_available(16) == 0, "fused attention not available on this CPU")
        let qkv = parameter([2, 6, 3 * 32], seed: 61)
        GradientCheck().check([qkv]) { project(fusedCausalSelfAttention(qkv, heads: 2)) }
    }

    /// The AVX-512 and AVX2 builds of the fused kernel give the same bits (forward out and P, backward with and
    /// without accumulation).
    func testAVX512AndAVX2AttentionBuildsAreBitIdentical() throws {
        try XCTSkipIf(mg_cpu_supports_avx512() == 0 || mg_kernels_use_avx2() == 0, "needs AVX-512 to compare the two builds")
        var rng = RandomGenerator(seed: 71)
        for hs in [16, 32, 64] {
            let t = 23, c = 2 * hs, c3 = 3 * c
            let qkv = (0..<(t * c3)).map { _ in rng.nextNormal() }, dout = (0..<(t * c)).map { _ in rng.nextNormal() }
            var results: [[Float]] = []
            for wide in [Int32(1), 0] {
                var out = [Float](repeating: 0, count: t * c), probs = [Float](repeating: 0, count: t * t)
                var dqkv = (0..<(t * c3)).map { Float($0 % 3) }
                var work = [Float](repeating: 0, count: mg_attention_workspace_floats(t, hs))
                qkv.withUnsafeBufferPointer { q in
                    let q0 = q.baseAddress! + hs   // head 1
                    mg_attention_forward_variant(wide, &out, &probs, q0, q0 + c, q0 + 2 * c, t, hs, c3, c, 0.3, &work)
                    dout.withUnsafeBufferPointer { g in
                        dqkv.withUnsafeMutableBufferPointer { d in
                            let d0 = d.baseAddress! + hs
                            for accumulate in [Int32(0), 1] {
                                mg_attention_backward_variant(wide, d0, d0 + c, d0 + 2 * c, g.baseAddress! + hs, probs,
                                                              q0, q0 + c, q0 + 2 * c, t, hs, c3, c, 0.3, accumulate, &work)
                            }
                        }
                    }
                }
                let lower = (0..<t).flatMap { i in probs[(i * t)...(i * t + i)] }
                results.append(out + lower + dqkv)
            }
            XCTAssertEqual(results[0].map(\.bitPattern), results[1].map(\.bitPattern), "head size \(hs)")
        }
    }

    /// The kernel's P buffer (t, t): the forward writes exactly the causal half (rows sum to 1, entries above the
    /// diagonal and 16 floats past the end keep their sentinel), and the backward reads only that half (NaN above
    /// the diagonal gives the bits of zeros there); every length 1…40 (each tail of the 16-lane chunks and 4-row
    /// blocks, and of the 16×16 transposes), head sizes 16, 32, 64, both builds.
    func testFusedAttentionTouchesOnlyTheCausalHalfOfP() throws {
        try XCTSkipIf(mg_attention_fused_available(16) == 0, "fused attention not available on this CPU")
        var rng = RandomGenerator(seed: 73)
        for wide in [Int32(1), 0] {
            for hs in [16, 32, 64] {
                for t in 1...40 {
                    let c = hs, c3 = 3 * c, guardCount = 16
                    let qkv = (0..<(t * c3)).map { _ in rng.nextNormal() * 2 }, dout = (0..<(t * c)).map { _ in rng.nextNormal() }
                    var out = [Float](repeating: 0, count: t * c)
                    var probs = [Float](repeating: -7, count: t * t + guardCount)
                    var work = [Float](repeating: 0, count: mg_attention_workspace_floats(t, hs))
                    mg_attention_forward_variant(wide, &out, &probs, qkv, Array(qkv[c...]), Array(qkv[(2 * c)...]), t, hs,
                                                 c3, c, 0.25, &work)
                    for i in 0..<t {
                        let row = probs[(i * t)..<(i * t + t)]
                        XCTAssertEqual(row.prefix(i + 1).reduce(0, +), 1, accuracy: 1e-5, "hs \(hs) t \(t) row \(i) sum")
                        XCTAssertTrue(row.prefix(i + 1).allSatisfy { $0 >= 0 }, "hs \(hs) t \(t) row \(i) sign")
                        XCTAssertTrue(row.dropFirst(i + 1).allSatisfy { $0 == -7 }, "hs \(hs) t \(t) row \(i) above the diagonal")
                    }
                    XCTAssertTrue(probs[(t * t)...].allSatisfy { $0 == -7 }, "hs \(hs) t \(t): written past P")
                    var gradients: [[UInt32]] = []
                    for above in [Float.nan, 0] {
                        var p = probs
                        for i in 0..<t { for j in (i + 1)..<max(t, i + 1) { p[i * t + j] = above } }
                        var dqkv = [Float](repeating: 0, count: t * c3)
                        dqkv.withUnsafeMutableBufferPointer { d in
                            let d0 = d.baseAddress!
                            mg_attention_backward_variant(wide, d0, d0 + c, d0 + 2 * c, dout, p, qkv, Array(qkv[c...]),
                                                          Array(qkv[(2 * c)...]), t, hs, c3, c, 0.25, 0, &work)
                        }
                        gradients.append(dqkv.map(\.bitPattern))
                    }
                    XCTAssertEqual(gradients[0], gradients[1], "hs \(hs) t \(t): the backward read above the diagonal")
                    XCTAssertFalse(gradients[1].contains { Float(bitPattern: $0).isNaN }, "hs \(hs) t \(t)")
                }
            }
        }
    }

    /// GELU forward and backward (written and accumulated): the AVX-512 kernels equal the AVX2 kernels bit for bit,
    /// every tail length 0…17 and 1,003.
    func testAVX512GELUIsBitIdenticalToAVX2() throws {
        try XCTSkipIf(mg_cpu_supports_avx512() == 0 || mg_cpu_supports_avx2_fma() == 0, "needs AVX-512 to compare")
        var rng = RandomGenerator(seed: 81)
        for count in Array(0...17) + [1_003] {
            let x = (0..<count).map { _ in rng.nextNormal() * 5 }, dout = (0..<count).map { _ in rng.nextNormal() }
            var wide = [Float](repeating: 0, count: count), narrow = wide
            mg_gelu_forward_avx512(&wide, x, count)
            mg_gelu_forward_avx2(&narrow, x, count)
            XCTAssertEqual(wide.map(\.bitPattern), narrow.map(\.bitPattern), "forward, count \(count)")
            for accumulate in [Int32(0), 1] {
                var gw = (0..<count).map { Float($0) * 0.01 }, gn = gw
                mg_gelu_backward_avx512(&gw, x, dout, count, accumulate)
                mg_gelu_backward_avx2(&gn, x, dout, count, accumulate)
                XCTAssertEqual(gw.map(\.bitPattern), gn.map(\.bitPattern), "backward, count \(count), accumulate \(accumulate)")
            }
        }
    }
}
