// The bf16 linear kernel (CKernels/linear_bf16.c, an experiment timed by `bench --only linear`): its conversion against
// round-to-nearest-even, the forward and the input gradient against exact sums of the rounded operands, every tail.
import XCTest
import CKernels
@testable import MarketTensor
import MarketSupport

final class LinearBF16KernelTests: XCTestCase {
    /// bf16 of a finite normal float, round to nearest even (the reference the kernel's conversion must match).
    func bf16Bits(_ x: Float) -> UInt16 {
        let u = x.bitPattern
        return UInt16(truncatingIfNeeded: (u &+ 0x7FFF &+ ((u >> 16) & 1)) >> 16)
    }
    func float(_ bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }

    func values(_ count: Int, seed: UInt64) -> [Float] {
        var rng = RandomGenerator(seed: seed)
        return (0..<count).map { _ in rng.nextNormal() }
    }

    func convert(_ x: [Float], rows: Int, cols: Int) -> [UInt16] {
        var out = [UInt16](repeating: 0xFFFF, count: rows * (cols + cols % 2))
        out.withUnsafeMutableBufferPointer { d in x.withUnsafeBufferPointer { mg_bf16_convert_rows(d.baseAddress, $0.baseAddress, rows, cols) } }
        return out
    }

    /// Rounding to nearest even on every tail of the 32- and 16-lane loops, the pad column of odd rows zero; ties go to
    /// even; NaN stays NaN; a denormal input becomes a signed zero (the instruction's DAZ).
    func testConversionRoundsToNearestEvenAndPadsOddRows() throws {
        try XCTSkipIf(mg_cpu_supports_avx512_bf16() == 0, "no AVX-512 BF16 on this CPU")
        for cols in [1, 2, 15, 16, 17, 31, 32, 33, 47, 64, 67] {
            let rows = 3, stride = cols + cols % 2
            let x = values(rows * cols, seed: UInt64(cols))
            let got = convert(x, rows: rows, cols: cols)
            for r in 0..<rows {
                for c in 0..<cols { XCTAssertEqual(got[r * stride + c], bf16Bits(x[r * cols + c]), "cols \(cols) (\(r), \(c))") }
                if stride > cols { XCTAssertEqual(got[r * stride + cols], 0, "pad of row \(r), cols \(cols)") }
            }
        }
        let special: [Float] = [1 + 1.0 / 256, 1 + 3.0 / 256, .nan, 1e-40, -1e-40, -2.5, .infinity]
        let got = convert(special, rows: 1, cols: special.count)
        XCTAssertEqual(got[0], 0x3F80, "a tie rounds down to even")
        XCTAssertEqual(got[1], 0x3F82, "a tie rounds up to even")
        XCTAssertTrue(float(got[2]).isNaN)
        XCTAssertEqual(got[3] & 0x7FFF, 0)
        XCTAssertEqual(got[4] & 0x7FFF, 0)
        XCTAssertEqual(float(got[5]), -2.5)
        XCTAssertEqual(float(got[6]), .infinity)
    }

    /// out = bias + Σ bf16(x)·bf16(w) over every tail: 1…29 rows (the 14-row tile), 1…70 outputs (the two 16-lane
    /// halves and a second and third panel), odd and even inputs; within 1e-5 of the Double sum of the rounded
    /// operands relative to Σ|terms| (the products of bf16 values are exact in fp32; only the fp32 sums round). Rows
    /// outside [rowStart, rowEnd) are not written.
    func testForwardEqualsExactSumsOfRoundedOperandsOnEveryTail() throws {
        try XCTSkipIf(mg_cpu_supports_avx512_bf16() == 0, "no AVX-512 BF16 on this CPU")
        var cases: [(Int, Int, Int, Bool)] = []
        for rows in [1, 13, 14, 15, 29] { for outputs in [1, 5, 16, 17, 31, 32, 33, 70] { cases.append((rows, outputs, 7, rows % 2 == 1)) } }
        for inputs in [1, 2, 3, 64, 67, 128, 513] { cases.append((15, 33, inputs, inputs % 2 == 0)) }
        for (rows, outputs, inputs, useBias) in cases {
            let x = values(rows * inputs, seed: 1), w = values(outputs * inputs, seed: 2), bias = values(outputs, seed: 3)
            let xb = convert(x, rows: rows, cols: inputs), wb = convert(w, rows: outputs, cols: inputs)
            var packed = [UInt32](repeating: 0xDEAD, count: mg_linear_bf16_packed_weight_words(outputs, inputs))
            packed.withUnsafeMutableBufferPointer { p in wb.withUnsafeBufferPointer { mg_linear_bf16_pack_weight(p.baseAddress, $0.baseAddress, outputs, inputs) } }
            var out = [Float](repeating: .nan, count: (rows + 2) * outputs)   // one untouched row above and below
            out.withUnsafeMutableBufferPointer { o in
                xb.withUnsafeBufferPointer { xp in
                    packed.withUnsafeBufferPointer { pp in
                        bias.withUnsafeBufferPointer { bp in
                            let shiftedInput = UnsafeRawPointer(xp.baseAddress!).assumingMemoryBound(to: UInt16.self)
                                - (inputs + inputs % 2)   // row 0 of `out` is row −1 of the input: never read
                            mg_linear_bf16_forward(o.baseAddress, shiftedInput, pp.baseAddress, useBias ? bp.baseAddress : nil,
                                                   1, rows + 1, outputs, inputs)
                        }
                    }
                }
            }
            let stride = inputs + inputs % 2
            for r in 0..<rows {
                for o in 0..<outputs {
                    var sum = useBias ? Double(bias[o]) : 0, magnitude = abs(sum)
                    for k in 0..<inputs {
                        let term = Double(float(xb[r * stride + k])) * Double(float(wb[o * stride + k]))
                        sum += term
                        magnitude += abs(term)
                    }
                    let got = Double(out[(r + 1) * outputs + o])
                    XCTAssertEqual(got, sum, accuracy: 1e-5 * max(magnitude, 1e-30), "(\(rows), \(outputs), \(inputs)) at (\(r), \(o))")
                }
            }
            XCTAssertTrue(out[0..<outputs].allSatisfy(\.isNaN) && out[((rows + 1) * outputs)...].allSatisfy(\.isNaN),
                          "(\(rows), \(outputs), \(inputs)): rows outside the range written")
        }
    }

    /// The input gradient through the transposed packing: dx (rows, In) = dy · W on bf16 operands equals the exact
    /// sums of the rounded operands within 1e-5 of Σ|terms|, for odd and even Out (the pair's missing half is zero)
    /// and In across the panel tails.
    func testInputGradientThroughTransposedPackingEqualsExactSums() throws {
        try XCTSkipIf(mg_cpu_supports_avx512_bf16() == 0, "no AVX-512 BF16 on this CPU")
        for (rows, outputs, inputs) in [(1, 1, 1), (15, 7, 33), (14, 32, 16), (29, 33, 70), (3, 128, 7), (17, 513, 31)] {
            let dy = values(rows * outputs, seed: 4), w = values(outputs * inputs, seed: 5)
            let dyb = convert(dy, rows: rows, cols: outputs), wb = convert(w, rows: outputs, cols: inputs)
            var packed = [UInt32](repeating: 0xDEAD, count: mg_linear_bf16_packed_weight_t_words(outputs, inputs))
            packed.withUnsafeMutableBufferPointer { p in wb.withUnsafeBufferPointer { mg_linear_bf16_pack_weight_t(p.baseAddress, $0.baseAddress, outputs, inputs) } }
            var dx = [Float](repeating: .nan, count: rows * inputs)
            dx.withUnsafeMutableBufferPointer { d in
                dyb.withUnsafeBufferPointer { g in
                    packed.withUnsafeBufferPointer { mg_linear_bf16_forward(d.baseAddress, g.baseAddress, $0.baseAddress, nil, 0, rows, inputs, outputs) }
                }
            }
            let gStride = outputs + outputs % 2, wStride = inputs + inputs % 2
            for r in 0..<rows {
                for i in 0..<inputs {
                    var sum = 0.0, magnitude = 0.0
                    for o in 0..<outputs {
                        let term = Double(float(dyb[r * gStride + o])) * Double(float(wb[o * wStride + i]))
                        sum += term
                        magnitude += abs(term)
                    }
                    XCTAssertEqual(Double(dx[r * inputs + i]), sum, accuracy: 1e-5 * max(magnitude, 1e-30), "(\(rows), \(outputs), \(inputs)) at (\(r), \(i))")
                }
            }
        }
    }
}
