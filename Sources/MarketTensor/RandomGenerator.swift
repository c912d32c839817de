// RandomGenerator: seeded, splittable xoshiro256** with exact state save/restore.
import Foundation

/// A seeded xoshiro256** generator (Blackman & Vigna), seeded through SplitMix64.
///
/// Value type: pass it `inout`. `split()` hands out an independent stream (the child keeps the current
/// stream, the parent jumps 2^128 steps ahead), `state` / `init(state:)` save and restore it exactly.
public struct RandomGenerator: RandomNumberGenerator, Equatable, Codable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// The four 64-bit state words (save them to resume the stream exactly).
    public var state: [UInt64] { [s0, s1, s2, s3] }

    /// A generator whose stream is fixed by `seed`.
    public init(seed: UInt64) {
        var x = seed
        var s = [UInt64](repeating: 0, count: 4)
        for i in 0..<4 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            s[i] = z ^ (z >> 31)
        }
        if s.allSatisfy({ $0 == 0 }) { s[0] = 1 }
        (s0, s1, s2, s3) = (s[0], s[1], s[2], s[3])
    }

    /// Restores a generator from a saved `state` (4 words, not all zero).
    public init(state: [UInt64]) {
        precondition(state.count == 4 && state.contains { $0 != 0 }, "RandomGenerator: invalid state \(state)")
        (s0, s1, s2, s3) = (state[0], state[1], state[2], state[3])
    }

    @inline(__always)
    private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 &- k)) }

    /// The next 64 random bits.
    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = Self.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = Self.rotl(s3, 45)
        return result
    }

    /// Advances the state by 2^128 steps.
    public mutating func jump() {
        let table: [UInt64] = [0x180E_C6D3_3CFD_0ABA, 0xD5A6_1266_F0C9_392C, 0xA958_2618_E03F_C9AA, 0x39AB_DC45_29B1_661C]
        var s: [UInt64] = [0, 0, 0, 0]
        for word in table {
            for bit in 0..<64 {
                if word & (UInt64(1) << UInt64(bit)) != 0 {
                    s[0] ^= s0; s[1] ^= s1; s[2] ^= s2; s[3] ^= s3
                }
                _ = next()
            }
        }
        (s0, s1, s2, s3) = (s[0], s[1], s[2], s[3])
    }

    /// An independent generator: the child continues this stream, `self` jumps 2^128 steps ahead.
    public mutating func split() -> RandomGenerator {
        let child = self
        jump()
        return child
    }

    /// Uniform in [0, 1) with 24 random bits.
    @inline(__always)
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
}
