// GELU (tanh form) forward/backward kernels with a fast rational tanh, plus their naive references.
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

/// `fastTanh` on 8 lanes (same coefficients).
@inline(__always)
func fastTanh8(_ input: SIMD8<Float>) -> SIMD8<Float> {
    // Clamp by masks (SIMD `clamped`/`pointwiseMin` are NaN-aware scalar loops on this toolchain).
    let bound = SIMD8<Float>(repeating: 7.90531110763549805)
    var x = input
    x.replace(with: bound, where: x .> bound)
    x.replace(with: -bound, where: x .< -bound)
    let x2 = x * x
    var p = SIMD8<Float>(repeating: -2.76076847742355e-16)
    p = x2 * p + 2.00018790482477e-13
    p = x2 * p + -8.60467152213735e-11
    p = x2 * p + 5.12229709037114e-08
    p = x2 * p + 1.48572235717979e-05
    p = x2 * p + 6.37261928875436e-04
    p = x2 * p + 4.89352455891786e-03
    p = x * p
    var q = SIMD8<Float>(repeating: 1.19825839466702e-06)
    q = x2 * q + 1.18534705686654e-04
    q = x2 * q + 2.26843463243900e-03
    q = x2 * q + 4.89352518554385e-03
    return p / q
}

@inline(__always)
func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self) }

@inline(__always)
func store8(_ p: UnsafeMutablePointer<Float>, _ v: SIMD8<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self) }

/// `out[i] = 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³)))` over `count` floats (8 lanes at a time).
@inline(__always)
public func geluForward(_ out: UnsafeMutablePointer<Float>, _ input: UnsafePointer<Float>, count: Int) {
    var i = 0
    while i &+ 8 <= count {
        let x = load8(input + i)
        let cube: SIMD8<Float> = 0.044715 * x * x * x
        let u: SIMD8<Float> = geluScale * (x + cube)
        let y: SIMD8<Float> = 0.5 * x * (1 + fastTanh8(u))
        store8(out + i, y)
        i &+= 8
    }
    while i < count {
        let x = input[i]
        let u = geluScale * (x + 0.044715 * x * x * x)
        out[i] = 0.5 * x * (1 + fastTanh(u))
        i &+= 1
    }
}

/// `dinput[i] (+)= dout[i] · gelu'(x)` (accumulates when `accumulate`).
@inline(__always)
public func geluBackward(_ dinput: UnsafeMutablePointer<Float>, _ input: UnsafePointer<Float>,
                         _ dout: UnsafePointer<Float>, count: Int, accumulate: Bool) {
    var i = 0
    while i &+ 8 <= count {
        let x = load8(input + i), x2 = x * x
        let inner: SIMD8<Float> = x + 0.044715 * x2 * x
        let t = fastTanh8(geluScale * inner)
        let half = SIMD8<Float>(repeating: 0.5)
        let left: SIMD8<Float> = half * (1 + t)
        let slope: SIMD8<Float> = geluScale * (1 + 0.134145 * x2)
        let right: SIMD8<Float> = half * x * (1 - t * t) * slope
        let derivative = left + right
        let g = load8(dout + i) * derivative
        store8(dinput + i, accumulate ? load8(dinput + i) + g : g)
        i &+= 8
    }
    while i < count {
        let g = dout[i] * geluDerivative(input[i])
        dinput[i] = accumulate ? dinput[i] + g : g
        i &+= 1
    }
}

@inline(__always)
func geluDerivative(_ x: Float) -> Float {
    let x2 = x * x
    let t = fastTanh(geluScale * (x + 0.044715 * x2 * x))
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * geluScale * (1 + 3 * 0.044715 * x2)
}

/// Naive reference of `geluForward` with libm's tanh, for tests.
public func geluForwardNaive(_ out: UnsafeMutablePointer<Float>, _ input: UnsafePointer<Float>, count: Int) {
    for i in 0..<count {
        let x = Double(input[i])
        out[i] = Float(0.5 * x * (1 + Foundation.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x))))
    }
}
