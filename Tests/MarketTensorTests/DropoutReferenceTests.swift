// Dropout's unrolled draw loop against the one-draw-at-a-time reference: bit-identical outputs and gradients.
import XCTest
@testable import MarketTensor
import MarketSupport

final class DropoutReferenceTests: XCTestCase {
    /// The reference: 16-bit draws, four per 64-bit output, kept when draw ≥ p·65536 (the original loop).
    private func referenceMask(count: Int, probability p: Float, seed: UInt64) -> [Float] {
        var rng = RandomGenerator(seed: seed)
        let threshold = UInt64(min(Double(p) * 65_536.0, 65_535.0).rounded()), keep = 1 / (1 - p)
        var bits: UInt64 = 0
        return (0..<count).map { g in
            if g & 3 == 0 { bits = rng.next() }
            defer { bits >>= 16 }
            return (bits & 0xFFFF) >= threshold ? keep : 0
        }
    }

    /// Every length 0…9 and 1,003, recording and not: out = x·mask bit for bit, dx = dout·mask, and the generator
    /// left in the same state as the reference's.
    func testUnrolledDropoutIsBitIdenticalToTheReference() {
        for count in Array(0...9) + [1_003] {
            let values = (0..<count).map { Float($0) * 0.37 - 3 }
            let mask = referenceMask(count: count, probability: 0.3, seed: 11)
            for records in [false, true] {
                let x = Tensor(values, shape: [max(count, 0)], requiresGrad: records)
                var rng = RandomGenerator(seed: 11)
                let y = dropout(x, probability: 0.3, mode: .train, rng: &rng)
                XCTAssertEqual(y.scalars, zip(values, mask).map { $0 * $1 }, "count \(count), records \(records)")
                var reference = RandomGenerator(seed: 11)
                for _ in 0..<((count + 3) / 4) { _ = reference.next() }
                XCTAssertEqual(rng, reference, "generator state after \(count) draws")
                if records && count > 0 {
                    let dout = (0..<count).map { Float($0 % 5) - 2 }
                    y.backward(seed: Tensor(dout, shape: [count]))
                    XCTAssertEqual(x.gradScalars, zip(dout, mask).map { $0 * $1 }, "gradient, count \(count)")
                }
            }
        }
    }
}
