// SeededRandom: the one seeded generator family — xoshiro256** seeded through SplitMix64, with exact
// state save/restore, independent streams per (seed, stream, salt), and the draws every module uses.
import Foundation

/// SplitMix64 (Steele, Lea & Flood): the seeding generator of the family and a cheap stand-alone stream.
///
/// `next()` adds the golden-ratio increment to the state and returns the finalised value, so
/// `SplitMix64(state: s)` yields `mix(s + γ), mix(s + 2γ), …`.
public struct SplitMix64: RandomNumberGenerator, Equatable, Sendable {
    /// The golden-ratio increment γ = 0x9E3779B97F4A7C15.
    public static let increment: UInt64 = 0x9E37_79B9_7F4A_7C15
    /// The current state (the next output is `finalise(state + γ)`).
    public var state: UInt64

    /// A stream starting after `state`.
    public init(state: UInt64) { self.state = state }

    /// SplitMix64's output function (a bijection of 64-bit words; a good hash of a counter).
    @inline(__always)
    public static func finalise(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The next 64 random bits.
    @inline(__always)
    public mutating func next() -> UInt64 {
        state &+= Self.increment
        return Self.finalise(state)
    }

    /// Uniform in the open interval (0, 1) with 53 random bits: (bits + ½) / 2⁵³.
    @inline(__always)
    public mutating func uniformOpen() -> Double {
        (Double(next() >> 11) + 0.5) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inline(__always)
    public mutating func uniform() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }
}

/// A seeded xoshiro256** generator (Blackman & Vigna), its four state words filled by SplitMix64.
///
/// Value type: pass it `inout`. `split()` hands out an independent stream (the child keeps the current
/// stream, the parent jumps 2^128 steps ahead), `state` / `init(state:)` save and restore it exactly.
/// Every seeded draw of the package comes from this type (the model's dropout and initialisation, the
/// synthetic engine, gap filling, the demo market); the draws live in `SeededRandom+Draws.swift`.
public struct SeededRandom: RandomNumberGenerator, Equatable, Codable, Sendable {
    @usableFromInline var s0: UInt64
    @usableFromInline var s1: UInt64
    @usableFromInline var s2: UInt64
    @usableFromInline var s3: UInt64

    /// The salt of the synthetic engine's streams (bootstrap, gap filling, reference processes), so that
    /// they never coincide with a model stream of the same seed.
    public static let syntheticSalt: UInt64 = 0x6A09_E667_F3BC_C909

    /// The four 64-bit state words (save them to resume the stream exactly).
    public var state: [UInt64] { [s0, s1, s2, s3] }

    /// A generator whose stream is fixed by `seed`, `stream` (e.g. an asset id or a candidate index) and
    /// `salt` (a subsystem constant such as `syntheticSalt`): SplitMix64 started at
    /// `seed ^ (stream · 0xD1B54A32D192ED03) ^ salt` fills the four words. Different streams are
    /// independent for practical purposes. `SeededRandom(seed: s)` is stream 0 without salt.
    public init(seed: UInt64, stream: UInt64 = 0, salt: UInt64 = 0) {
        var mixer = SplitMix64(state: seed ^ (stream &* 0xD1B5_4A32_D192_ED03) ^ salt)
        s0 = mixer.next(); s1 = mixer.next(); s2 = mixer.next(); s3 = mixer.next()
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }
    }

    /// Restores a generator from a saved `state` (4 words, not all zero).
    public init(state: [UInt64]) {
        precondition(state.count == 4 && state.contains { $0 != 0 }, "SeededRandom: invalid state \(state)")
        (s0, s1, s2, s3) = (state[0], state[1], state[2], state[3])
    }

    @inlinable @inline(__always)
    static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 &- k)) }

    /// The next 64 random bits.
    @inlinable @inline(__always)
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
    public mutating func split() -> SeededRandom {
        let child = self
        jump()
        return child
    }
}
