// Computes the 15 stylized facts on flat buffers, reusing scratch space across candidates.
import CBLAS
import Foundation

/// Scratch buffers for computing `StylizedFacts` without allocating per candidate. Not thread-safe:
/// use one workspace per thread.
public final class StylizedFactsWorkspace {
    @usableFromInline var demeaned: UnsafeMutablePointer<Double>      // e = r − r̄ (n)
    @usableFromInline var absolute: UnsafeMutablePointer<Double>      // |r| − mean|r| (n)
    @usableFromInline var squared: UnsafeMutablePointer<Double>       // e² (n), ARCH-LM regressand
    @usableFromInline var squaredCentered: UnsafeMutablePointer<Double> // r² − mean r² (n + 1; then Hurst scratch)
    @usableFromInline var prefix: UnsafeMutablePointer<Double>        // prefix sums for Hurst (n + 1)
    /// The largest series length this workspace holds.
    public private(set) var capacity: Int

    /// A workspace for series of up to `capacity` days.
    public init(capacity: Int) {
        self.capacity = max(capacity, 1)
        demeaned = .allocate(capacity: self.capacity)
        absolute = .allocate(capacity: self.capacity)
        squared = .allocate(capacity: self.capacity)
        squaredCentered = .allocate(capacity: self.capacity + 1)
        prefix = .allocate(capacity: self.capacity + 1)
    }

    deinit {
        demeaned.deallocate(); absolute.deallocate(); squared.deallocate(); squaredCentered.deallocate()
        prefix.deallocate()
    }

    private func reserve(_ n: Int) {
        guard n > capacity else { return }
        demeaned.deallocate(); absolute.deallocate(); squared.deallocate(); squaredCentered.deallocate()
        prefix.deallocate()
        capacity = n
        demeaned = .allocate(capacity: n); absolute = .allocate(capacity: n)
        squared = .allocate(capacity: n); squaredCentered = .allocate(capacity: n + 1)
        prefix = .allocate(capacity: n + 1)
    }

    /// The stylized facts of `r` (n ≥ 32 daily log returns). Formulas: see `StylizedFacts`.
    public func compute(_ r: UnsafeBufferPointer<Double>) -> StylizedFacts {
        let n = r.count
        precondition(n >= 32, "StylizedFacts needs at least 32 returns, got \(n)")
        reserve(n)
        let x = r.baseAddress!
        let nd = Double(n)
        var mean = 0.0, meanAbs = 0.0
        for t in 0..<n { mean += x[t]; meanAbs += abs(x[t]) }
        mean /= nd; meanAbs /= nd
        // Moments, demeaned copies, drawdown, tails (one pass).
        let e = demeaned, a = absolute, q = squared, qc = squaredCentered
        var m2 = 0.0, m3 = 0.0, m4 = 0.0, meanSquare = 0.0
        var cumulative = 0.0, peak = 0.0, worst = 0.0
        for t in 0..<n {
            let d = x[t] - mean
            let d2 = d * d
            e[t] = d; q[t] = d2
            a[t] = abs(x[t]) - meanAbs
            m2 += d2; m3 += d2 * d; m4 += d2 * d2
            meanSquare += x[t] * x[t]
            cumulative += x[t]
            peak = max(peak, cumulative)
            worst = min(worst, cumulative - peak)
        }
        meanSquare /= nd
        for t in 0..<n { qc[t] = x[t] * x[t] - meanSquare }
        let variance = m2 / nd
        let volatility = (m2 / (nd - 1)).squareRoot()
        let skewness = variance > 0 ? (m3 / nd) / (variance * variance.squareRoot()) : 0
        let kurtosis = variance > 0 ? (m4 / nd) / (variance * variance) - 3 : 0
        let maxDrawdown = -expm1(worst)
        var tails = 0
        let limit = 3 * volatility
        for t in 0..<n where abs(e[t]) > limit { tails &+= 1 }

        // Autocorrelations of r, r², |r|.
        var acf = [Double](repeating: 0, count: 11)
        var sumAbs = 0.0, ljungBox = 0.0
        if m2 > 0 {
            for k in 1...10 {
                acf[k] = lagDot(e, n, k) / m2
                sumAbs += abs(acf[k])
                ljungBox += acf[k] * acf[k] / (nd - Double(k))
            }
        }
        ljungBox *= nd * (nd + 2)
        let ljungBoxP = m2 > 0 ? ChiSquare.survival(ljungBox, degreesOfFreedom: 10) : 1
        let qcVariance = lagDot(qc, n, 0)
        let clustering = qcVariance > 0 ? lagDot(qc, n, 1) / qcVariance : 0
        let absVariance = lagDot(a, n, 0)
        let persistence = absVariance > 0 ? lagDot(a, n, 5) / absVariance : 0
        let absLag20 = absVariance > 0 && n > 20 ? lagDot(a, n, 20) / absVariance : 0

        let leverage = leverageEffect(n)
        let hurst = Self.hurstRS(x, n, prefix: prefix, prefixSquares: squaredCentered)   // qc is no longer needed
        let rsi = Self.rsiStandardDeviation(x, n)
        let archP = Self.archLMPValue(q, n, lags: 5)
        return StylizedFacts(values: [
            volatility, skewness, kurtosis, maxDrawdown, acf[1], sumAbs, clustering, hurst, ljungBoxP, archP,
            rsi, persistence, leverage, Double(tails) / nd, absLag20,
        ])
    }

    /// Σ_{t=k}^{n−1} x_t x_{t−k}, four accumulators.
    @inline(__always)
    func lagDot(_ x: UnsafeMutablePointer<Double>, _ n: Int, _ k: Int) -> Double {
        Self.dot(x + k, x, n - k)
    }

    /// Σ_{i<count} a_i b_i with SIMD4 accumulators.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ count: Int) -> Double {
        guard count > 0 else { return 0 }
        var s0 = SIMD4<Double>(), s1 = SIMD4<Double>()
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var i = 0
        while i &+ 8 <= count {
            s0 += ra.loadUnaligned(fromByteOffset: i &* 8, as: SIMD4<Double>.self)
                * rb.loadUnaligned(fromByteOffset: i &* 8, as: SIMD4<Double>.self)
            s1 += ra.loadUnaligned(fromByteOffset: (i &+ 4) &* 8, as: SIMD4<Double>.self)
                * rb.loadUnaligned(fromByteOffset: (i &+ 4) &* 8, as: SIMD4<Double>.self)
            i &+= 8
        }
        var total = (s0 + s1).sum()
        while i < count { total += a[i] * b[i]; i &+= 1 }
        return total
    }

    /// Mean over k = 1…10 of corr(r_t, |r_{t+k}|), t = 0…n−k−1 (shift-invariant: uses e and a).
    private func leverageEffect(_ n: Int) -> Double {
        let e = demeaned, a = absolute
        var sumE = 0.0, sumE2 = 0.0, sumA = 0.0, sumA2 = 0.0
        for t in 0..<n { sumE += e[t]; sumE2 += e[t] * e[t]; sumA += a[t]; sumA2 += a[t] * a[t] }
        var total = 0.0
        // x = e[0..<n−k] (drop the tail), y = a[k..<n] (drop the head), updated as k grows.
        var sx = sumE, sxx = sumE2, sy = sumA, syy = sumA2
        for k in 1...10 {
            let tail = e[n - k], head = a[k - 1]
            sx -= tail; sxx -= tail * tail
            sy -= head; syy -= head * head
            let m = Double(n - k)
            let sxy = Self.dot(e, a + k, n - k)
            let cov = sxy - sx * sy / m
            let vx = sxx - sx * sx / m, vy = syy - sy * sy / m
            if vx > 0, vy > 0 { total += cov / (vx * vy).squareRoot() }
        }
        return total / 10
    }

    /// Hurst exponent by rescaled range (see `StylizedFacts.hurst`). `prefix` (n + 1) is scratch space.
    /// With prefix sums P_k = Σ_{i<k} x_i and Q_k = Σ_{i<k} x_i², a chunk [a, a+s) has mean
    /// m = (P_{a+s} − P_a)/s, S² = (Q_{a+s} − Q_a)/s − m², and cumulated deviations
    /// Y_k = P_{a+k} − P_a − k·m (k = 0…s), so each scale is one vectorised max/min pass.
    static func hurstRS(_ x: UnsafePointer<Double>, _ n: Int, prefix: UnsafeMutablePointer<Double>,
                        prefixSquares: UnsafeMutablePointer<Double>) -> Double {
        var p = 0.0, q = 0.0
        prefix[0] = 0; prefixSquares[0] = 0
        for i in 0..<n {
            p += x[i]; q += x[i] * x[i]
            prefix[i &+ 1] = p; prefixSquares[i &+ 1] = q
        }
        let raw = UnsafeRawPointer(prefix)
        var logSizes: [Double] = [], logRS: [Double] = []
        var size = 8
        while size * 4 <= n {
            var total = 0.0, used = 0
            var start = 0
            let sd = Double(size)
            while start + size <= n {
                let base = prefix[start]
                let mean = (prefix[start &+ size] - base) / sd
                let variance = (prefixSquares[start &+ size] - prefixSquares[start]) / sd - mean * mean
                var high = SIMD4<Double>(repeating: 0), low = SIMD4<Double>(repeating: 0)
                var ramp = SIMD4<Double>(1, 2, 3, 4)
                let step = SIMD4<Double>(repeating: 4), meanVector = SIMD4<Double>(repeating: mean)
                let baseVector = SIMD4<Double>(repeating: base)
                var k = 1
                while k &+ 3 <= size {
                    let y = raw.loadUnaligned(fromByteOffset: (start &+ k) &* 8, as: SIMD4<Double>.self) - baseVector
                        - ramp * meanVector
                    high.replace(with: y, where: y .> high); low.replace(with: y, where: y .< low)
                    ramp += step
                    k &+= 4
                }
                var hi = high.max(), lo = low.min()
                while k <= size {
                    let y = prefix[start &+ k] - base - Double(k) * mean
                    hi = max(hi, y); lo = min(lo, y)
                    k &+= 1
                }
                if variance > 0 { total += (hi - lo) / variance.squareRoot(); used += 1 }
                start += size
            }
            if used > 0, total > 0 {
                logSizes.append(log(Double(size)))
                logRS.append(log(total / Double(used)))
            }
            size *= 2
        }
        guard logSizes.count >= 2 else { return 0.5 }
        let k = Double(logSizes.count)
        let mx = logSizes.reduce(0, +) / k, my = logRS.reduce(0, +) / k
        var sxy = 0.0, sxx = 0.0
        for i in 0..<logSizes.count {
            sxy += (logSizes[i] - mx) * (logRS[i] - my)
            sxx += (logSizes[i] - mx) * (logSizes[i] - mx)
        }
        return sxy / sxx
    }

    /// Population standard deviation of Wilder's RSI(14) on the changes `x` (see `StylizedFacts.rsiBehaviour`).
    static func rsiStandardDeviation(_ x: UnsafePointer<Double>, _ n: Int) -> Double {
        let period = 14
        guard n > period else { return 0 }
        var gain = 0.0, loss = 0.0
        for t in 0..<period { let v = x[t]; if v > 0 { gain += v } else { loss -= v } }
        gain /= Double(period); loss /= Double(period)
        func rsi(_ g: Double, _ l: Double) -> Double {
            let total = g + l
            return total > 0 ? 100 * g / total : 50
        }
        var value = rsi(gain, loss)
        var sum = value, sumSquares = value * value
        let keep = Double(period - 1) / Double(period), add = 1 / Double(period)
        for t in period..<n {
            let v = x[t]
            gain = gain * keep + (v > 0 ? v : 0) * add
            loss = loss * keep + (v < 0 ? -v : 0) * add
            value = rsi(gain, loss)
            sum += value; sumSquares += value * value
        }
        let count = Double(n - period + 1)
        let mean = sum / count
        return max(0, sumSquares / count - mean * mean).squareRoot()
    }

    /// ARCH-LM p-value of the squared residuals `y` (n) with `lags` lags: centred normal equations
    /// solved by LAPACKE `dposv` (Cholesky); see `StylizedFacts.archLMP`.
    static func archLMPValue(_ y: UnsafePointer<Double>, _ n: Int, lags: Int) -> Double {
        let p = lags, rows = n - p
        guard rows > p + 1 else { return 1 }
        // Column j (0 = regressand y_t, j ≥ 1 = lag j) over t = p…n−1 is y[p−j ..< n−j].
        // Σ_t col_i col_j = Σ_u y_u y_{u+d}, d = j − i (i ≤ j), u from p−j to n−1−j: a full lag product
        // minus the few terms outside that range.
        var full = [Double](repeating: 0, count: p + 1)
        for d in 0...p { full[d] = dot(y + d, y, n - d) }
        var total = 0.0
        for t in 0..<n { total += y[t] }
        var sums = [Double](repeating: 0, count: p + 1)
        for j in 0...p {
            var s = total
            for u in 0..<(p - j) { s -= y[u] }
            for u in (n - j)..<n { s -= y[u] }
            sums[j] = s
        }
        var cross = [Double](repeating: 0, count: (p + 1) * (p + 1))
        for j in 0...p {
            for i in 0...j {
                let d = j - i
                var s = full[d]
                var u = 0
                while u < p - j { s -= y[u] * y[u + d]; u += 1 }
                u = n - j
                while u <= n - 1 - d { s -= y[u] * y[u + d]; u += 1 }
                let centred = s - sums[i] * sums[j] / Double(rows)
                cross[i * (p + 1) + j] = centred
                cross[j * (p + 1) + i] = centred
            }
        }
        let syy = cross[0]
        guard syy > 0 else { return 1 }
        var matrix = [Double](repeating: 0, count: p * p)   // (p, p) lag covariances, column-major
        var rhs = [Double](repeating: 0, count: p)           // (p) lag–regressand covariances
        for j in 0..<p {
            rhs[j] = cross[j + 1]
            for i in 0..<p { matrix[j * p + i] = cross[(i + 1) * (p + 1) + (j + 1)] }
        }
        var solution = rhs
        let info = matrix.withUnsafeMutableBufferPointer { m in
            solution.withUnsafeMutableBufferPointer { b in
                LAPACKE_dposv(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "U")), Int32(p), 1,
                              m.baseAddress, Int32(p), b.baseAddress, Int32(p))
            }
        }
        guard info == 0 else { return 1 }
        var explained = 0.0
        for j in 0..<p { explained += solution[j] * rhs[j] }
        let rSquared = min(max(explained / syy, 0), 1)
        return ChiSquare.survival(Double(rows) * rSquared, degreesOfFreedom: p)
    }
}
