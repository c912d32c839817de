// Seeded random numbers for the demo market generator: SplitMix64 seeding, xoshiro256**, normal, Student-t.
import Foundation

/// A small, fast, seeded generator (xoshiro256**, seeded through SplitMix64) with the draws the demo
/// generator needs. Value type: copying it forks the stream, so pass it `inout`.
struct DemoRandom {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64
    /// The second value of the last Box–Muller pair, returned by the next `normal()`.
    private var spareNormal: Double?

    /// A stream fixed by `seed` and `stream` (e.g. an asset id): different streams are independent.
    init(seed: UInt64, stream: UInt64) {
        var state = seed ^ (stream &* 0xD1B5_4A32_D192_ED03)
        func splitMix() -> UInt64 {
            state = state &+ 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
    }

    /// The next 64 random bits.
    mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// Uniform in the open interval (0, 1).
    mutating func uniform() -> Double {
        (Double(next() >> 11) + 0.5) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Uniform in [lower, upper).
    mutating func uniform(_ lower: Double, _ upper: Double) -> Double {
        lower + (upper - lower) * uniform()
    }

    /// Standard normal (Box–Muller, both values of each pair used).
    mutating func normal() -> Double {
        if let spare = spareNormal {
            spareNormal = nil
            return spare
        }
        let radius = (-2.0 * log(uniform())).squareRoot()
        let angle = 2.0 * Double.pi * uniform()
        spareNormal = radius * sin(angle)
        return radius * cos(angle)
    }

    /// Gamma(shape, 1) by Marsaglia–Tsang; `shape` ≥ 1.
    mutating func gamma(shape: Double) -> Double {
        precondition(shape >= 1, "DemoRandom.gamma: shape \(shape) < 1")
        let d = shape - 1.0 / 3.0
        let c = 1.0 / (9.0 * d).squareRoot()
        while true {
            let x = normal()
            let v0 = 1.0 + c * x
            if v0 <= 0 { continue }
            let v = v0 * v0 * v0
            let u = uniform()
            if log(u) < 0.5 * x * x + d - d * v + d * log(v) { return d * v }
        }
    }

    /// Student-t with `degreesOfFreedom` ν > 2, scaled to unit variance (multiplied by √((ν−2)/ν)).
    mutating func unitStudentT(degreesOfFreedom nu: Double) -> Double {
        precondition(nu > 2, "DemoRandom.unitStudentT: ν = \(nu) must exceed 2 for a finite variance")
        let chiSquare = 2.0 * gamma(shape: nu / 2)
        return normal() / (chiSquare / nu).squareRoot() * ((nu - 2) / nu).squareRoot()
    }
}
