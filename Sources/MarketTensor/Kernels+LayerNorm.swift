// LayerNorm forward/backward kernels over the last dimension (llm.c layout).
import Foundation

/// out (N, C) = (x − mean)·rstd·weight + bias per row; saves mean (N) and rstd (N) for backward.
@inline(__always)
public func layerNormForward(_ out: UnsafeMutablePointer<Float>, _ mean: UnsafeMutablePointer<Float>,
                             _ rstd: UnsafeMutablePointer<Float>, _ input: UnsafePointer<Float>,
                             _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>,
                             rows: Int, columns c: Int, epsilon: Float) {
    for r in 0..<rows {
        let x = input + r &* c, o = out + r &* c
        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
        var j = 0
        while j &+ 4 <= c { s0 += x[j]; s1 += x[j &+ 1]; s2 += x[j &+ 2]; s3 += x[j &+ 3]; j &+= 4 }
        while j < c { s0 += x[j]; j &+= 1 }
        let m = ((s0 + s1) + (s2 + s3)) / Float(c)
        var v0: Float = 0, v1: Float = 0, v2: Float = 0, v3: Float = 0
        j = 0
        while j &+ 4 <= c {
            let d0 = x[j] - m, d1 = x[j &+ 1] - m, d2 = x[j &+ 2] - m, d3 = x[j &+ 3] - m
            v0 += d0 * d0; v1 += d1 * d1; v2 += d2 * d2; v3 += d3 * d3
            j &+= 4
        }
        while j < c { let d = x[j] - m; v0 += d * d; j &+= 1 }
        let s = 1 / ((((v0 + v1) + (v2 + v3)) / Float(c)) + epsilon).squareRoot()
        for k in 0..<c { o[k] = (x[k] - m) * s * weight[k] + bias[k] }
        mean[r] = m
        rstd[r] = s
    }
}

/// Accumulates dinput (N, C), dweight (C), dbias (C) from dout (N, C) (any of the three may be nil).
@inline(__always)
public func layerNormBackward(_ dinput: UnsafeMutablePointer<Float>?, _ dweight: UnsafeMutablePointer<Float>?,
                              _ dbias: UnsafeMutablePointer<Float>?, _ dout: UnsafePointer<Float>,
                              _ input: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
                              _ mean: UnsafePointer<Float>, _ rstd: UnsafePointer<Float>, rows: Int, columns c: Int) {
    let invC = 1 / Float(c)
    for r in 0..<rows {
        let x = input + r &* c, d = dout + r &* c
        let m = mean[r], s = rstd[r]
        var dnormMean: Float = 0, dnormNormMean: Float = 0
        for k in 0..<c {
            let norm = (x[k] - m) * s
            let dnorm = weight[k] * d[k]
            dnormMean += dnorm
            dnormNormMean += dnorm * norm
        }
        dnormMean *= invC
        dnormNormMean *= invC
        if let dbias { for k in 0..<c { dbias[k] += d[k] } }
        if let dweight { for k in 0..<c { dweight[k] += (x[k] - m) * s * d[k] } }
        if let dinput {
            let di = dinput + r &* c
            for k in 0..<c {
                let norm = (x[k] - m) * s
                di[k] += (weight[k] * d[k] - dnormMean - norm * dnormNormMean) * s
            }
        }
    }
}
