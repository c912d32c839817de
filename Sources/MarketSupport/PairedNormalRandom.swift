// A seeded generator that uses both values of each Box–Muller pair, with Gamma and Student-t draws
// (the demo market generator's stream). Part of the `SeededRandom` family.
import Foundation

/// `SeededRandom` plus the spare normal of the last Box–Muller pair, so every second `normal()` costs no
/// uniforms. Value type: copying it forks the stream, so pass it `inout`.
public struct PairedNormalRandom: Sendable {
    /// The underlying xoshiro256** stream.
    public private(set) var base: SeededRandom
    /// The second value of the last Box–Muller pair, returned by the next `normal()`.
    private var spareNormal: Double?

    /// A stream fixed by `seed` and `stream` (e.g. an asset id): `SeededRandom(seed:stream:)`.
    public init(seed: UInt64, stream: UInt64) {
        base = SeededRandom(seed: seed, stream: stream)
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 { base.next() }

    /// Uniform in the open interval (0, 1).
    public mutating func uniform() -> Double { base.uniformOpen() }

    /// Uniform in (lower, upper).
    public mutating func uniform(_ lower: Double, _ upper: Double) -> Double {
        lower + (upper - lower) * uniform()
    }

    /// Standard normal (Box–Muller, both values of each pair used).
    public mutating func normal() -> Double {
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
    public mutating func gamma(shape: Double) -> Double {
        precondition(shape >= 1, "PairedNormalRandom.gamma: shape \(shape) < 1")
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
    public mutating func unitStudentT(degreesOfFreedom nu: Double) -> Double {
        precondition(nu > 2, "PairedNormalRandom.unitStudentT: ν = \(nu) must exceed 2 for a finite variance")
        let chiSquare = 2.0 * gamma(shape: nu / 2)
        return normal() / (chiSquare / nu).squareRoot() * ((nu - 2) / nu).squareRoot()
    }
}
