// The AVX-512 linear kernels (CKernels/linear_avx512.c) against a Double reference and the plain sgemm path, and
// their independence of the split over threads (bit for bit).
import XCTest
import CKernels
@testable import MarketTensor
import MarketSupport

final class LinearKernelTests: XCTestCase {
    /// (rows, out, in): tails of the 14-row tile, the 16/32-lane halves, the 128-long reduction chunk and the
    /// weight gradient's 256-row bias sums, the model's head (5 outputs) and input layer (7 features).
    let shapes = [(1, 1, 1), (13, 5, 128), (14, 32, 256), (37, 45, 19), (29, 17, 300), (64, 128, 7), (3, 70, 513),
                  (300, 16, 33)]

    func values(_ count: Int, seed: UInt64) -> [Float] {
        var rng = RandomGenerator(seed: seed)
        return (0..<count).map { _ in rng.nextNormal() }
    }

    /// Largest |a − b| over the largest |b| (1 when b is all zero).
    func relativeError(_ a: [Float], _ b: [Double]) -> Double {
        let scale = max(b.map(abs).max() ?? 0, 1e-30)
        return zip(a, b).map { abs(Double($0) - $1) }.max().map { $0 / scale } ?? 0
    }

    /// Forward (with and without bias), input gradient and weight gradient (written and accumulated) within 1e-5
    /// of Double sums, relative to the largest magnitude.
    func testKernelsMatchDoubleReference() throws {
        try XCTSkipIf(!linearUsesAVX512, "no AVX-512 linear kernels on this CPU")
        for (rows, o, i) in shapes { checkAgainstDoubleReference(rows: rows, o: o, i: i) }
    }

    /// Every register-tile tail against Double sums: 1…28 rows (forward and input gradient: one and two 14-row
    /// tiles) and 1…28 outputs (the weight gradient's 14-output blocks), each against 1…33, 47, 63 and 64 columns
    /// (every tail of the 32-column panel's two 16-lane halves, then a second panel); and every reduction-chunk
    /// edge (127…129 and 255…257 inputs or rows: the 128-long chunks and the bias gradient's 256-row sums).
    func testEveryTileTailMatchesDoubleReference() throws {
        try XCTSkipIf(!linearUsesAVX512, "no AVX-512 linear kernels on this CPU")
        for n in 1...28 {
            for m in Array(1...33) + [47, 63, 64] {
                checkAgainstDoubleReference(rows: n, o: m, i: 3)   // forward: rows × output columns
                checkAgainstDoubleReference(rows: 3, o: n, i: m)   // weight gradient: outputs × input columns
            }
        }
        for k in [127, 128, 129, 255, 256, 257] {
            checkAgainstDoubleReference(rows: k, o: 17, i: k)
            checkAgainstDoubleReference(rows: 15, o: k, i: 33)   // input gradient: a reduction over k outputs
        }
    }

    /// Forward (with and without bias), input gradient and weight gradient (written and accumulated) of one shape
    /// within 1e-5 of Double sums, relative to the largest magnitude.
    func checkAgainstDoubleReference(rows: Int, o: Int, i: Int, file: StaticString = #filePath, line: UInt = #line) {
        let x = values(rows * i, seed: 1), w = values(o * i, seed: 2), bias = values(o, seed: 3)
        let dout = values(rows * o, seed: 4), old = values(max(rows * i, o * i), seed: 5)
        var packed = [Float](repeating: .nan, count: mg_linear_packed_weight_floats(o, i))
        for withBias in [true, false] {
            var out = [Float](repeating: .nan, count: rows * o)
            packed.withUnsafeMutableBufferPointer { pk in
                bias.withUnsafeBufferPointer { bp in
                    linearForwardAVX512(&out, x, weight: w, bias: withBias ? bp.baseAddress : nil, packed: pk.baseAddress!,
                                        rows: rows, outFeatures: o, inFeatures: i)
                }
            }
            var reference = [Double](repeating: 0, count: rows * o)
            for r in 0..<rows { for j in 0..<o {
                var s = withBias ? Double(bias[j]) : 0
                for p in 0..<i { s += Double(x[r * i + p]) * Double(w[j * i + p]) }
                reference[r * o + j] = s
            } }
            XCTAssertLessThan(relativeError(out, reference), 1e-5, "forward \(rows)×\(o)×\(i), bias \(withBias)",
                              file: file, line: line)
        }
        for accumulate in [false, true] {
            var dx = Array(old.prefix(rows * i)), dw = Array(old.prefix(o * i)), db = Array(old.prefix(o))
            linearBackwardInputAVX512(&dx, dout, weight: w, rows: rows, outFeatures: o, inFeatures: i, accumulate: accumulate)
            linearBackwardWeightAVX512(&dw, dbias: &db, dout, input: x, rows: rows, outFeatures: o, inFeatures: i,
                                       accumulate: accumulate)
            let referenceB = (0..<o).map { j in (0..<rows).reduce(Double(old[j])) { $0 + Double(dout[$1 * o + j]) } }
            XCTAssertLessThan(relativeError(db, referenceB), 1e-5, "dbias (always added) \(rows)×\(o)×\(i)",
                              file: file, line: line)
            var referenceX = [Double](repeating: 0, count: rows * i), referenceW = [Double](repeating: 0, count: o * i)
            for r in 0..<rows { for q in 0..<i {
                var s = accumulate ? Double(old[r * i + q]) : 0
                for j in 0..<o { s += Double(dout[r * o + j]) * Double(w[j * i + q]) }
                referenceX[r * i + q] = s
            } }
            for j in 0..<o { for q in 0..<i {
                var s = accumulate ? Double(old[j * i + q]) : 0
                for r in 0..<rows { s += Double(dout[r * o + j]) * Double(x[r * i + q]) }
                referenceW[j * i + q] = s
            } }
            XCTAssertLessThan(relativeError(dx, referenceX), 1e-5, "dinput \(rows)×\(o)×\(i), accumulate \(accumulate)",
                              file: file, line: line)
            XCTAssertLessThan(relativeError(dw, referenceW), 1e-5, "dweight \(rows)×\(o)×\(i), accumulate \(accumulate)",
                              file: file, line: line)
        }
    }

    /// Rows cut at arbitrary points (forward, input gradient) and output rows cut at 14-row blocks (weight
    /// gradient) give the same bits as one call: threads never change a result.
    func testSplitsAreBitIdentical() throws {
        try XCTSkipIf(!linearUsesAVX512, "no AVX-512 linear kernels on this CPU")
        let rows = 61, o = 45, i = 300
        let x = values(rows * i, seed: 6), w = values(o * i, seed: 7), bias = values(o, seed: 8), dout = values(rows * o, seed: 9)
        var packed = [Float](repeating: 0, count: mg_linear_packed_weight_floats(o, i))
        mg_linear_pack_weight_avx512(&packed, w, o, i)
        var whole = [Float](repeating: 0, count: rows * o), pieces = whole
        mg_linear_forward_avx512(&whole, x, packed, bias, 0, rows, o, i)
        for (a, b) in [(0, 5), (5, 20), (20, 61)] { mg_linear_forward_avx512(&pieces, x, packed, bias, a, b, o, i) }
        XCTAssertEqual(whole, pieces, "forward")
        var dxWhole = [Float](repeating: 0, count: rows * i), dxPieces = dxWhole
        mg_linear_backward_input_avx512(&dxWhole, dout, w, 0, rows, o, i, 0)
        for (a, b) in [(0, 3), (3, 40), (40, 61)] { mg_linear_backward_input_avx512(&dxPieces, dout, w, a, b, o, i, 0) }
        XCTAssertEqual(dxWhole, dxPieces, "input gradient")
        var dwWhole = [Float](repeating: 0, count: o * i), dwPieces = dwWhole
        var dbWhole = [Float](repeating: 0, count: o), dbPieces = dbWhole
        mg_linear_backward_weight_avx512(&dwWhole, &dbWhole, dout, x, rows, 0, o, o, i, 0)
        for (a, b) in [(0, 14), (14, 42), (42, 45)] {
            mg_linear_backward_weight_avx512(&dwPieces, &dbPieces, dout, x, rows, a, b, o, i, 0)
        }
        XCTAssertEqual(dwWhole, dwPieces, "weight gradient")
        XCTAssertEqual(dbWhole, dbPieces, "bias gradient")
    }

    /// The bias gradient adds, for each run of 256 rows, that run's Float sum taken in row order (the bits it had
    /// when the reduction chunk was 256 rows long; the chunks are 128 rows now).
    func testBiasGradientAddsSumsOfRunsOf256Rows() throws {
        try XCTSkipIf(!linearUsesAVX512, "no AVX-512 linear kernels on this CPU")
        let rows = 600, o = 20, i = 9
        let x = values(rows * i, seed: 14), dout = values(rows * o, seed: 15), old = values(o, seed: 16)
        var dw = [Float](repeating: 0, count: o * i), db = old
        mg_linear_backward_weight_avx512(&dw, &db, dout, x, rows, 0, o, o, i, 0)
        var expected = old
        for j in 0..<o {
            for start in stride(from: 0, to: rows, by: 256) {
                var sum: Float = 0
                for r in start..<min(start + 256, rows) { sum += dout[r * o + j] }
                expected[j] += sum
            }
        }
        XCTAssertEqual(db, expected)
    }

    /// `linear` (the AVX-512 path here) against the plain sgemm path: output and all three gradients within 1e-5 of
    /// their largest magnitude (accumulating kernels are covered by `testKernelsMatchDoubleReference`).
    func testLinearMatchesPlainSgemmPath() throws {
        try XCTSkipIf(!linearUsesAVX512, "no AVX-512 linear kernels on this CPU")
        let (b, t, i, o) = (3, 11, 40, 70)
        let x = Tensor(values(b * t * i, seed: 10), shape: [b, t, i], requiresGrad: true)
        let w = Tensor(values(o * i, seed: 11), shape: [o, i], requiresGrad: true)
        let bias = Tensor(values(o, seed: 12), shape: [o], requiresGrad: true)
        let y = linear(x, weight: w, bias: bias)
        let seed = Tensor(values(b * t * o, seed: 13), shape: [b, t, o])
        y.backward(seed: seed)
        let rows = b * t
        var plain = [Float](repeating: 0, count: rows * o)
        for r in 0..<rows { for j in 0..<o { plain[r * o + j] = bias.scalars[j] } }
        sgemm(transposeA: false, transposeB: true, m: rows, n: o, k: i, a: x.data, lda: i, b: w.data, ldb: i,
              beta: 1, c: &plain, ldc: o)
        var dx = [Float](repeating: 0, count: rows * i), dw = [Float](repeating: 0, count: o * i)
        do {
            sgemm(transposeA: false, transposeB: false, m: rows, n: i, k: o, a: seed.data, lda: o, b: w.data, ldb: i,
                  beta: 1, c: &dx, ldc: i)
            sgemm(transposeA: true, transposeB: false, m: o, n: i, k: rows, a: seed.data, lda: o, b: x.data, ldb: i,
                  beta: 1, c: &dw, ldc: i)
        }
        XCTAssertLessThan(relativeError(y.scalars, plain.map(Double.init)), 1e-5, "output")
        XCTAssertLessThan(relativeError(x.gradScalars, dx.map(Double.init)), 1e-5, "input gradient")
        XCTAssertLessThan(relativeError(w.gradScalars, dw.map(Double.init)), 1e-5, "weight gradient")
        var db = [Float](repeating: 0, count: o)
        columnSumAccumulate(&db, seed.data, rows: rows, columns: o)
        XCTAssertLessThan(relativeError(bias.gradScalars, db.map(Double.init)), 1e-5, "bias gradient")
        XCTAssertNotEqual(y.scalars, plain, "the two paths are different code (rounding differs somewhere)")
    }
}
