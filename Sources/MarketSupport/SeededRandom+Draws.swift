// The draws of the seeded generator family: uniforms, indices and normals in the exact forms each
// stream has always used (changing one would change every seeded output that depends on it).
import Foundation

extension SeededRandom {
    // MARK: Float draws (tensors: initialisation, dropout)

    /// Uniform in [0, 1) with 24 random bits.
    @inlinable @inline(__always)
    public mutating func nextUniform() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Standard normal by Box–Muller (one draw per call; no cached spare so `state` says everything).
    public mutating func nextNormal() -> Float {
        let u1 = Double((next() >> 11) &+ 1) * (1.0 / 9_007_199_254_740_993.0)
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        return Float((-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2))
    }

    /// Fills `count` floats with Normal(`mean`, `std`²) (pairs from Box–Muller).
    public mutating func fillNormal(_ out: UnsafeMutablePointer<Float>, count: Int, mean: Float = 0, std: Float = 1) {
        var i = 0
        while i < count {
            let u1 = Double((next() >> 11) &+ 1) * (1.0 / 9_007_199_254_740_993.0)
            let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
            let r = (-2 * Foundation.log(u1)).squareRoot()
            let a = 2 * Double.pi * u2
            out[i] = mean + std * Float(r * Foundation.cos(a))
            if i + 1 < count { out[i + 1] = mean + std * Float(r * Foundation.sin(a)) }
            i += 2
        }
    }

    // MARK: Double draws (synthetic engine, statistics)

    /// A uniform double in [0, 1) with 53 random bits.
    @inlinable @inline(__always)
    public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform double in the open interval (0, 1): (53 bits + ½) / 2⁵³.
    @inlinable @inline(__always)
    public mutating func uniformOpen() -> Double {
        (Double(next() >> 11) + 0.5) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// A uniform integer in 0..<bound (Lemire's multiply-shift; the bias is below 2⁻³² for our bounds).
    @inlinable @inline(__always)
    public mutating func index(below bound: Int) -> Int {
        Int(truncatingIfNeeded: ((next() >> 32) &* UInt64(bound)) >> 32)
    }

    /// A standard normal draw (Box–Muller; the second value of the pair is discarded, so `state` says
    /// everything).
    @inlinable
    public mutating func gaussian() -> Double {
        let u1 = max(uniform(), 0x1.0p-60)
        let u2 = uniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
