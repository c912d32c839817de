// Matrix-multiply kernels: row-major cblas_sgemm with transpose flags, and the naive reference.
import CBLAS

/// Row-major `C = alpha · op(A) · op(B) + beta · C` through `cblas_sgemm`; op(A) is (M, K), op(B) (K, N).
@inline(__always)
public func sgemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                  a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                  beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    if m == 0 || n == 0 { return }
    _ = BLASRuntime.selection
    if k == 0 {
        for i in 0..<m { for j in 0..<n { c[i &* ldc &+ j] = beta == 0 ? 0 : beta * c[i &* ldc &+ j] } }
        return
    }
    cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// Naive reference of `sgemm` (same arguments), for tests.
public func sgemmNaive(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                       a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                       beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    for i in 0..<m {
        for j in 0..<n {
            var sum: Double = 0
            for p in 0..<k {
                let av = transposeA ? a[p * lda + i] : a[i * lda + p]
                let bv = transposeB ? b[j * ldb + p] : b[p * ldb + j]
                sum += Double(av) * Double(bv)
            }
            let old = beta == 0 ? 0 : beta * c[i * ldc + j]
            c[i * ldc + j] = old + alpha * Float(sum)
        }
    }
}

/// Sets the number of OpenBLAS threads (call once; both cores for big GEMMs); makes `BLASRuntime`'s core
/// selection first.
public func setBLASThreads(_ count: Int) {
    _ = BLASRuntime.selection
    openblas_set_num_threads(Int32(count))
}
