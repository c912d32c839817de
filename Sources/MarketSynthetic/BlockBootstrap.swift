// Stationary and circular block bootstrap: which source days a synthetic path is made of.
import MarketSupport

/// How blocks of source days are drawn.
public enum BootstrapMethod: String, Sendable, CaseIterable, Codable {
    /// Politis & Romano (1994): blocks start at a uniform day and have geometric lengths with mean
    /// `blockLength`; the series wraps around. The default: its resamples are stationary.
    case stationary
    /// Circular block bootstrap: blocks of fixed length `round(blockLength)` starting at uniform days,
    /// wrapping around the end of the series.
    case circular
}

/// Draws bootstrap day indices. The same `(rng state, method, blockLength, n)` always gives the same days.
public enum BlockBootstrap {
    /// Fills `indices` (L) with source day indices in 0..<sourceCount.
    @inlinable
    public static func drawIndices(into indices: UnsafeMutableBufferPointer<Int32>, sourceCount n: Int,
                                   method: BootstrapMethod, blockLength: Double,
                                   rng: inout SeededRandom) {
        precondition(n > 0, "BlockBootstrap: empty source")
        let count = indices.count
        guard count > 0 else { return }
        switch method {
        case .stationary:
            // A new block starts with probability p = 1/b: compare 64-bit draws with p·2⁶⁴.
            let p = 1 / max(blockLength, 1)
            let threshold = p >= 1 ? UInt64.max : UInt64(p * 0x1.0p64)
            var day = rng.index(below: n)
            indices[0] = Int32(truncatingIfNeeded: day)
            var t = 1
            while t < count {
                if rng.next() < threshold {
                    day = rng.index(below: n)
                } else {
                    day &+= 1
                    if day == n { day = 0 }
                }
                indices[t] = Int32(truncatingIfNeeded: day)
                t &+= 1
            }
        case .circular:
            let block = max(1, Int(blockLength.rounded()))
            var t = 0
            while t < count {
                var day = rng.index(below: n)
                var k = 0
                while k < block && t < count {
                    indices[t] = Int32(truncatingIfNeeded: day)
                    day &+= 1
                    if day == n { day = 0 }
                    k &+= 1
                    t &+= 1
                }
            }
        }
    }

    /// Copies `source[indices[t]]` into `output[t]` for every t (L).
    @inlinable
    public static func gather(_ output: UnsafeMutableBufferPointer<Double>, from source: UnsafeBufferPointer<Double>,
                              indices: UnsafeBufferPointer<Int32>) {
        precondition(output.count == indices.count, "gather: length mismatch")
        var t = 0
        while t < indices.count {
            output[t] = source[Int(indices[t])]
            t &+= 1
        }
    }
}
