// `marketgpt bench` suite "tensor": raw sgemm, autograd matmul, elementwise and memcpy bandwidth.
import CBLAS
import Foundation
import MarketTensor
import MarketSupport

extension BenchSuite {
    /// sgemm_gflops, tensor_matmul_gflops, sgemm_fwd_bwd_gflops, elementwise_gbps, memcpy_gbps (2 BLAS threads).
    static let tensor = BenchSuite(name: "tensor") {
        setBLASThreads(2)
        let m = 2048, k = 128, n = 512
        let flops = 2.0 * Double(m * n * k)
        var rng = RandomGenerator(seed: 1)
        let pool = BufferPool()
        let a = Tensor.normal([m, k], rng: &rng, pool: pool, requiresGrad: true)
        let b = Tensor.normal([k, n], rng: &rng, pool: pool, requiresGrad: true)
        let c = Tensor.zeros([m, n], pool: pool)
        let sgemmSeconds = BenchTimer.median(iterations: 40) {
            sgemm(transposeA: false, transposeB: false, m: m, n: n, k: k, a: a.data, lda: k, b: b.data, ldb: n,
                  beta: 0, c: c.data, ldc: n)
        }
        // The same three GEMMs autograd runs (forward, dA = dC·Bᵀ, dB = Aᵀ·dC), raw: the fair reference for
        // tensor_matmul_gflops, since the backward shapes run at a different rate than the forward one.
        let da = Tensor.zeros([m, k], pool: pool), db = Tensor.zeros([k, n], pool: pool)
        let rawThreeSeconds = BenchTimer.median(iterations: 30) {
            sgemm(transposeA: false, transposeB: false, m: m, n: n, k: k, a: a.data, lda: k, b: b.data, ldb: n,
                  beta: 0, c: c.data, ldc: n)
            sgemm(transposeA: false, transposeB: true, m: m, n: k, k: n, a: c.data, lda: n, b: b.data, ldb: n,
                  beta: 0, c: da.data, ldc: k)
            sgemm(transposeA: true, transposeB: false, m: k, n: n, k: m, a: a.data, lda: k, b: c.data, ldb: n,
                  beta: 0, c: db.data, ldc: n)
        }
        let seed = Tensor.ones([m, n], pool: pool)
        let matmulSeconds = BenchTimer.median(iterations: 30) {
            a.zeroGrad()
            b.zeroGrad()
            matmul(a, b).backward(seed: seed)
        }
        let count = 8 << 20
        let x = Tensor.normal([count], rng: &rng, pool: pool)
        let geluSeconds = BenchTimer.median(iterations: 15) { _ = gelu(x) }
        let y = Tensor.zeros([count], pool: pool)
        let memcpySeconds = BenchTimer.median(iterations: 15) { memcpy(y.data, x.data, count * 4) }
        let sgemmRate = flops / sgemmSeconds / 1e9
        let bytes = Double(count * 8)  // read + write
        return [
            BenchFigure(name: "sgemm_gflops", value: sgemmRate, unit: "GFLOP/s", target: "~160 on 2 cores"),
            BenchFigure(name: "tensor_matmul_gflops", value: 3 * flops / matmulSeconds / 1e9, unit: "GFLOP/s",
                        target: String(format: ">= %.1f (0.9 x sgemm)", 0.9 * sgemmRate)),
            BenchFigure(name: "sgemm_fwd_bwd_gflops", value: 3 * flops / rawThreeSeconds / 1e9, unit: "GFLOP/s",
                        target: "reference for tensor_matmul_gflops"),
            BenchFigure(name: "elementwise_gbps", value: bytes / geluSeconds / 1e9, unit: "GB/s",
                        target: String(format: ">= %.1f (memcpy / 2)", bytes / memcpySeconds / 1e9 / 2)),
            BenchFigure(name: "memcpy_gbps", value: bytes / memcpySeconds / 1e9, unit: "GB/s", target: "reference"),
        ]
    }
}

/// Wall-clock timing for benchmarks: one warm-up call, then the median of `iterations` calls.
enum BenchTimer {
    static func median(iterations: Int, _ body: () -> Void) -> Double {
        body()
        var times: [Double] = []
        for _ in 0..<iterations {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return times.sorted()[times.count / 2]
    }
}
