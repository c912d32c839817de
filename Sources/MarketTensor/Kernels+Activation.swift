// GELU (tanh form) forward/backward kernels (via σ(2u) and a bit-trick exp2) and fast tanh, plus naive references.
import Foundation

/// tanh by a clamped 13/6 rational approximation (Eigen's `generic_fast_tanh_float`); |error| < 1e-6.
@inline(__always)
public func fastTanh(_ input: Float) -> Float {
    let clamp: Float = 7.90531110763549805
    let x = input < -clamp ? -clamp : (input > clamp ? clamp : input)
    let x2 = x * x
    var p: Float = -2.76076847742355e-16
    p = x2 * p + 2.00018790482477e-13
    p = x2 * p + -8.60467152213735e-11
    p = x2 * p + 5.12229709037114e-08
    p = x2 * p + 1.48572235717979e-05
    p = x2 * p + 6.37261928875436e-04
    p = x2 * p + 4.89352455891786e-03
    p = x * p
    var q: Float = 1.19825839466702e-06
    q = x2 * q + 1.18534705686654e-04
    q = x2 * q + 2.26843463243900e-03
    q = x2 * q + 4.89352518554385e-03
    return p / q
}

let geluScale: Float = 0.7978845608028654  // √(2/π)

@inline(__always)
func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self) }

@inline(__always)
func store8(_ p: UnsafeMutablePointer<Float>, _ v: SIMD8<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self) }

/// The tanh-form GELU as a sigmoid: `0.5·(1 + tanh(u)) = σ(2u) = 1 / (1 + 2^v)` with
/// `v = -2·log₂e·√(2/π)·(x + 0.044715x³)`. 2^v is range-reduced to `2^n·p(f)`, f ∈ [-½, ½], with a degree-5
/// near-minimax polynomial (rel. error < 2.4e-7) and the 2^n scale added into the exponent bits; v is clamped
/// to [-125, 125] (σ is then 1 or 0 to float precision). Branch-free, one divide per lane.
@inline(__always)
func geluSigmoid8(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let a: Float = -2 * 1.4426950408889634 * 0.7978845608028654
    let b: Float = a * 0.044715
    var v = x * (x * x * b + a)
    let bound = SIMD8<Float>(repeating: 125)
    v.replace(with: bound, where: v .> bound)
    v.replace(with: -bound, where: v .< -bound)
    let shifted = v + 12_582_912  // 1.5·2^23: rounds to the nearest integer n in the low mantissa bits
    let f = v - (shifted - 12_582_912)
    var p = SIMD8<Float>(repeating: 1.327645150013268e-3)
    p = p * f + 9.675540961325169e-3
    p = p * f + 5.550713464617729e-2
    p = p * f + 2.4022120237350464e-1
    p = p * f + 6.931469440460205e-1
    p = p * f + 1.0000001192092896
    let scaled = unsafeBitCast(p, to: SIMD8<UInt32>.self) &+ (unsafeBitCast(shifted, to: SIMD8<UInt32>.self) &<< 23)
    return 1 / (1 + unsafeBitCast(scaled, to: SIMD8<Float>.self))
}

/// `out[i] = 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³)))` over `count` floats (8 lanes at a time), as `x·σ(2u)`.
@inline(__always)
public func geluForward(_ out: UnsafeMutablePointer<Float>, _ input: UnsafePointer<Float>, count: Int) {
    var i = 0
    while i &+ 8 <= count {
        let x = load8(input + i)
        store8(out + i, x * geluSigmoid8(x))
        i &+= 8
    }
    while i < count {
        let x = input[i]
        out[i] = x * geluSigmoid8(SIMD8(repeating: x))[0]
        i &+= 1
    }
}

/// gelu'(x) = σ + 2x·σ(1−σ)·√(2/π)(1 + 0.134145x²) with σ = σ(2u) (the forward's own σ, so both agree).
@inline(__always)
func geluDerivative8(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let s = geluSigmoid8(x)
    let slope: SIMD8<Float> = (2 * geluScale) * (1 + 0.134145 * x * x)
    return s + x * (s - s * s) * slope
}

/// `dinput[i] (+)= dout[i] · gelu'(x)` (accumulates when `accumulate`).
@inline(__always)
public func geluBackward(_ dinput: UnsafeMutablePointer<Float>, _ input: UnsafePointer<Float>,
                         _ dout: UnsafePointer<Float>, count: Int, accumulate: Bool) {
    var i = 0
    while i &+ 8 <= count {
        let g = load8(dout + i) * geluDerivative8(load8(input + i))
        store8(dinput + i, accumulate ? load8(dinput + i) + g : g)
        i &+= 8
    }
    while i < count {
        let g = dout[i] * geluDerivative8(SIMD8(repeating: input[i]))[0]
        dinput[i] = accumulate ? dinput[i] + g : g
        i &+= 1
    }
}

/// Naive reference of gelu'(x) in Double with libm's tanh, for tests.
public func geluDerivativeNaive(_ x: Float) -> Float {
    let x = Double(x), s = 0.7978845608028654
    let t = Foundation.tanh(s * (x + 0.044715 * x * x * x))
    return Float(0.5 * (1 + t) + 0.5 * x * (1 - t * t) * s * (1 + 3 * 0.044715 * x * x))
}

/// Naive reference of `geluForward` with libm's tanh, for tests.
public func geluForwardNaive(_ out: UnsafeMutablePointer<Float>, _ input: UnsafePointer<Float>, count: Int) {
    for i in 0..<count {
        let x = Double(input[i])
        out[i] = Float(0.5 * x * (1 + Foundation.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x))))
    }
}
