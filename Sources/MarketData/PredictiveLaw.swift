// The predictive law of one forecast: a Gaussian or Student-t, or an equal-weight mixture of them (MC dropout, ensembles).
import Foundation

/// The component family of a predictive law.
public enum LawFamily: Equatable, Hashable, Sendable {
    /// N(location, scale²).
    case gaussian
    /// location + scale · t_ν (variance scale² ν/(ν − 2) for ν > 2).
    case studentT(degreesOfFreedom: Double)

    /// ν, or +∞ for the Gaussian.
    public var degreesOfFreedom: Double {
        if case .studentT(let nu) = self { return nu }
        return .infinity
    }

    /// The family with ν (+∞ or ν > 1e6 → Gaussian).
    public init(degreesOfFreedom nu: Double) {
        self = nu.isFinite && nu < 1e6 ? .studentT(degreesOfFreedom: nu) : .gaussian
    }

    /// Variance of the standard member (scale 1): 1, ν/(ν − 2), or +∞ for ν ≤ 2.
    public var standardVariance: Double {
        if case .studentT(let nu) = self { return StudentTDistribution.variance(degreesOfFreedom: nu) }
        return 1
    }

    /// ln density of the standard member (location 0, scale 1) at z.
    public func logDensity(_ z: Double) -> Double {
        switch self {
        case .gaussian: return -0.5 * (z * z + log(2 * Double.pi))
        case .studentT(let nu): return StudentTDistribution.logDensity(z, degreesOfFreedom: nu)
        }
    }
    func cdf(_ z: Double) -> Double {
        switch self {
        case .gaussian: return NormalDistribution.cdf(z)
        case .studentT(let nu): return StudentTDistribution.cdf(z, degreesOfFreedom: nu)
        }
    }
    func quantile(_ p: Double) -> Double {
        switch self {
        case .gaussian: return NormalDistribution.quantile(p)
        case .studentT(let nu): return StudentTDistribution.quantile(p, degreesOfFreedom: nu)
        }
    }
    /// E|Z − z| for the standard member.
    func expectedAbsoluteDeviation(_ z: Double) -> Double {
        switch self {
        case .gaussian: return z * (2 * NormalDistribution.cdf(z) - 1) + 2 * exp(-0.5 * z * z) / (2 * Double.pi).squareRoot()
        case .studentT(let nu): return StudentTDistribution.expectedAbsoluteDeviation(z, degreesOfFreedom: nu)
        }
    }
    /// ½ E|Z − Z′| for the standard member.
    var halfMeanPairDistance: Double {
        switch self {
        case .gaussian: return 1 / Double.pi.squareRoot()
        case .studentT(let nu): return StudentTDistribution.halfMeanPairDistance(degreesOfFreedom: nu)
        }
    }
}

/// The predictive distribution of one target: an equal-weight mixture of M ≥ 1 members
/// `location[m] + scale[m] · Z`, Z from `family` (M = 1: a plain Gaussian or Student-t; M = S MC-dropout
/// passes × K ensemble members: their mixture). Units: those of the target (one-day log returns).
///
/// Every score uses this law itself — log mean density, mixture CDF, quantiles by inversion, CRPS —
/// never a Gaussian moment match.
public struct PredictiveLaw: Equatable, Sendable {
    public var family: LawFamily
    /// (M) member locations (the mean of each member when it has one).
    public var locations: [Double]
    /// (M) member scales > 0 (the standard deviation for Gaussian members; t scale, not sd, for Student-t).
    public var scales: [Double]
    /// A quantile-map recalibration of the whole law (nil: none): CDF g(F(y)), density g′(F(y)) f(y), quantile
    /// F⁻¹(g⁻¹(p)) where F, f are the mixture's above. `mean`, `variance` and `sum` stay those of the unmapped mixture.
    public var pitMap: PITMap?

    public init(family: LawFamily, locations: [Double], scales: [Double], pitMap: PITMap? = nil) {
        precondition(!locations.isEmpty && locations.count == scales.count, "PredictiveLaw: \(locations.count) locations, \(scales.count) scales")
        self.family = family
        self.locations = locations
        self.scales = scales
        self.pitMap = pitMap
    }

    /// N(mean, variance).
    public static func gaussian(mean: Double, variance: Double) -> PredictiveLaw {
        PredictiveLaw(family: .gaussian, locations: [mean], scales: [variance.squareRoot()])
    }

    /// A Student-t (or, for ν = ∞, Gaussian) with the given mean and *variance* (scale² = variance (ν − 2)/ν; ν > 2).
    public static func studentT(mean: Double, variance: Double, degreesOfFreedom nu: Double) -> PredictiveLaw {
        let family = LawFamily(degreesOfFreedom: nu)
        return PredictiveLaw(family: family, locations: [mean], scales: [(variance / family.standardVariance).squareRoot()])
    }

    /// M.
    public var memberCount: Int { locations.count }

    /// The law with every member scale multiplied by `factor` (variance × factor²): a recalibration.
    public func scaled(by factor: Double) -> PredictiveLaw {
        PredictiveLaw(family: family, locations: locations, scales: scales.map { $0 * factor }, pitMap: pitMap)
    }

    /// The law recalibrated by the quantile map `map` (replacing any map it had).
    public func mapped(by map: PITMap?) -> PredictiveLaw {
        PredictiveLaw(family: family, locations: locations, scales: scales, pitMap: map)
    }

    /// True when every location is finite and every scale finite and > 0.
    public var isValid: Bool {
        for m in locations.indices where !(locations[m].isFinite && scales[m].isFinite && scales[m] > 0) { return false }
        return true
    }

    /// The mixture mean (mean of the member locations).
    public var mean: Double { locations.reduce(0, +) / Double(memberCount) }

    /// The mixture variance: mean member variance (aleatoric) + variance of the member locations (epistemic).
    public var variance: Double { aleatoricVariance + epistemicVariance }
    /// Mean over members of scale² · Var(Z).
    public var aleatoricVariance: Double { scales.reduce(0) { $0 + $1 * $1 } * family.standardVariance / Double(memberCount) }
    /// Variance over members of the locations.
    public var epistemicVariance: Double {
        let m = mean
        return locations.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(memberCount)
    }

    /// ln p(y) = ln (1/M) Σ_m f_m(y) (log-sum-exp), plus ln g′(F(y)) with a quantile map.
    public func logDensity(_ y: Double) -> Double {
        guard let pitMap else { return baseLogDensity(y) }
        return baseLogDensity(y) + log(pitMap.slope(baseCDF(y)))
    }

    func baseLogDensity(_ y: Double) -> Double {
        if memberCount == 1 { return family.logDensity((y - locations[0]) / scales[0]) - log(scales[0]) }
        var terms = [Double](repeating: 0, count: memberCount)
        var peak = -Double.infinity
        for m in 0..<memberCount {
            terms[m] = family.logDensity((y - locations[m]) / scales[m]) - log(scales[m])
            peak = max(peak, terms[m])
        }
        guard peak.isFinite else { return peak }
        var sum = 0.0
        for term in terms { sum += exp(term - peak) }
        return peak + log(sum / Double(memberCount))
    }

    /// −ln p(y) (nats).
    public func negativeLogLikelihood(_ y: Double) -> Double { -logDensity(y) }

    /// F(y) = (1/M) Σ_m F_m(y): the PIT value of y (g(F(y)) with a quantile map).
    public func cdf(_ y: Double) -> Double {
        guard let pitMap else { return baseCDF(y) }
        return pitMap.map(baseCDF(y))
    }

    func baseCDF(_ y: Double) -> Double {
        var sum = 0.0
        for m in 0..<memberCount { sum += family.cdf((y - locations[m]) / scales[m]) }
        return sum / Double(memberCount)
    }

    /// F⁻¹(p): exact for one member; for a mixture the root of F(y) = p by bisection between the
    /// members' own p-quantiles (which bracket it), to 1e-12 relative.
    public func quantile(_ p: Double) -> Double {
        guard let pitMap else { return baseQuantile(p) }
        return baseQuantile(pitMap.inverse(p))
    }

    func baseQuantile(_ p: Double) -> Double {
        let z = family.quantile(p)
        if memberCount == 1 || !z.isFinite { return locations[0] + scales[0] * z }
        var lo = Double.infinity, hi = -Double.infinity
        for m in 0..<memberCount {
            let q = locations[m] + scales[m] * z
            lo = min(lo, q); hi = max(hi, q)
        }
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            if hi - lo <= 1e-12 * max(1e-300, abs(mid)) { break }
            if baseCDF(mid) < p { lo = mid } else { hi = mid }
        }
        return 0.5 * (lo + hi)
    }

    /// The central interval [F⁻¹((1 − level)/2), F⁻¹((1 + level)/2)].
    public func centralInterval(level: Double) -> (lower: Double, upper: Double) {
        precondition(level > 0 && level < 1, "central interval level must be in (0, 1), got \(level)")
        return (quantile(0.5 - level / 2), quantile(0.5 + level / 2))
    }

    /// Whether y lies in the central `level` interval — decided by the PIT, |F(y) − ½| ≤ level/2,
    /// which is the same event for a continuous law and needs no quantile.
    public func covers(_ y: Double, level: Double) -> Bool { abs(cdf(y) - 0.5) <= level / 2 }

    /// P(Y > 0) = 1 − F(0).
    public var probabilityPositive: Double { 1 - cdf(0) }

    /// The probability that the return has the sign of the mean: max(P(Y > 0), P(Y < 0)) —
    /// Φ(|μ|/σ) for one Gaussian member, the law's own tail mass otherwise.
    public var signConfidence: Double {
        let up = probabilityPositive
        return max(up, 1 - up)
    }

    /// P(Y has the sign of `value`): P(Y > 0) for value > 0, P(Y < 0) for value < 0, ½ for 0 — the
    /// confidence of a BUY/SELL decided by the sign of the mean (Φ(|μ|/σ) for one Gaussian member).
    public func probability(ofSignOf value: Double) -> Double {
        value > 0 ? probabilityPositive : value < 0 ? 1 - probabilityPositive : 0.5
    }

    /// CRPS(F, y) = E|Y − y| − ½ E|Y − Y′| (target units, lower is better). Closed form for one member
    /// (Gaussian; Student-t with ν > 1) and for Gaussian mixtures (pairwise E|X_m − X_k|); for a Student-t
    /// mixture the first term is exact and the second comes from a deterministic stratified sample of
    /// `quantilePoints` member quantiles per member, rescaled so that one member's sample reproduces its exact
    /// ½E|Z − Z′| (error well below 1 %; `StudentTCRPSTests` compares it with scipy quadrature).
    ///
    /// With a quantile map: exact for one member (E|Z − z| from the knots' partial moments, ½E|Z − Z′| of the
    /// mapped standard law computed once per map); for a mixture the sorted member-quantile sample is read at the
    /// levels g⁻¹(p) and scored as a sample (error of the order of 1 %, `PITMapTests` against scipy quadrature).
    public func crps(_ y: Double, quantilePoints: Int = 64) -> Double {
        if let pitMap { return mappedCRPS(y, map: pitMap, quantilePoints: quantilePoints) }
        let m = memberCount
        var first = 0.0
        for k in 0..<m { first += scales[k] * family.expectedAbsoluteDeviation((y - locations[k]) / scales[k]) }
        first /= Double(m)
        if m == 1 { return first - scales[0] * family.halfMeanPairDistance }
        switch family {
        case .gaussian:
            var pairs = 0.0
            for a in 0..<m {
                pairs += 2 * scales[a] / Double.pi.squareRoot()                     // E|X_a − X_a′| = 2σ/√π
                for b in (a + 1)..<max(a + 1, m) {
                    let s = (scales[a] * scales[a] + scales[b] * scales[b]).squareRoot(), d = locations[a] - locations[b]
                    pairs += 2 * s * LawFamily.gaussian.expectedAbsoluteDeviation(d / s)
                }
            }
            return first - 0.5 * pairs / Double(m * m)
        case .studentT:
            let standard = Self.standardQuantiles(family, points: quantilePoints)
            var sample = [Double](); sample.reserveCapacity(m * standard.count)
            for k in 0..<m { for z in standard { sample.append(locations[k] + scales[k] * z) } }
            let correction = family.halfMeanPairDistance / Self.halfMeanPairDistance(sortedSample: standard)
            sample.sort()
            return first - correction * Self.halfMeanPairDistance(sortedSample: sample)
        }
    }

    func mappedCRPS(_ y: Double, map: PITMap, quantilePoints: Int) -> Double {
        if memberCount == 1 {
            let c = map.constants(family)
            return scales[0] * (map.expectedAbsoluteDeviation((y - locations[0]) / scales[0], family: family) - c.halfMeanPairDistance)
        }
        let standard = Self.standardQuantiles(family, points: quantilePoints)
        var sample = [Double](); sample.reserveCapacity(memberCount * standard.count)
        for k in 0..<memberCount { for z in standard { sample.append(locations[k] + scales[k] * z) } }
        sample.sort()
        let n = sample.count
        var mappedSample = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let position = map.inverse((Double(i) + 0.5) / Double(n)) * Double(n) - 0.5
            let a = min(max(Int(position.rounded(.down)), 0), n - 1), b = min(a + 1, n - 1)
            let w = min(max(position - Double(a), 0), 1)
            mappedSample[i] = sample[a] + w * (sample[b] - sample[a])
        }
        var first = 0.0
        for x in mappedSample { first += abs(x - y) }
        return first / Double(n) - Self.halfMeanPairDistance(sortedSample: mappedSample)
    }

    /// The standard member's quantiles at the stratum midpoints (j + ½)/n, j < n (sorted).
    static func standardQuantiles(_ family: LawFamily, points n: Int) -> [Double] {
        (0..<n).map { family.quantile((Double($0) + 0.5) / Double(n)) }
    }

    /// ½ · mean over all ordered pairs (i, j) of |x_i − x_j| for a sorted sample: Σ_i (2i − N + 1) x_(i) / N².
    static func halfMeanPairDistance(sortedSample x: [Double]) -> Double {
        let n = x.count
        var sum = 0.0
        for i in 0..<n { sum += Double(2 * i - n + 1) * x[i] }
        return sum / Double(n * n)
    }

    /// The law of the sum Y₁ + … + Y_k of independent laws of one family (e.g. the h-day return from the
    /// one-day laws of one MC pass): exact for one Gaussian member each (variances add); for Student-t members
    /// a Student-t with the summed variance and ν′ matched to the sum's excess kurtosis,
    /// 6/(ν′ − 4) = Σ v_i² · 6/(ν − 4) / (Σ v_i)² (ν ≤ 4 keeps ν). Members are combined pass by pass
    /// (member m of the result sums member m of each law), so the laws must have equal M.
    /// One law is returned as it is (with its quantile map); a sum of several combines the unmapped members
    /// (a quantile map of a one-day law does not carry over to the h-day sum).
    public static func sum(_ laws: [PredictiveLaw]) -> PredictiveLaw {
        precondition(!laws.isEmpty, "PredictiveLaw.sum: no laws")
        if laws.count == 1 { return laws[0] }
        let m = laws[0].memberCount, family = laws[0].family
        precondition(laws.allSatisfy { $0.memberCount == m && $0.family == family }, "PredictiveLaw.sum: members or families differ")
        var locations = [Double](repeating: 0, count: m), variances = [Double](repeating: 0, count: m)
        var squares = [Double](repeating: 0, count: m)
        for law in laws {
            for k in 0..<m {
                let v = law.scales[k] * law.scales[k]
                locations[k] += law.locations[k]; variances[k] += v; squares[k] += v * v
            }
        }
        switch family {
        case .gaussian:
            return PredictiveLaw(family: .gaussian, locations: locations, scales: variances.map { $0.squareRoot() })
        case .studentT(let nu):
            guard nu > 4, laws.count > 1 else {
                return PredictiveLaw(family: family, locations: locations, scales: variances.map { $0.squareRoot() })
            }
            // Scale² of a sum: the member variances ν/(ν−2)·s² add; ν′ from the pooled kurtosis ratio (mean over members).
            let ratio = zip(squares, variances).reduce(0) { $0 + $1.0 / ($1.1 * $1.1) } / Double(m)
            let newNu = 4 + (nu - 4) / max(ratio, 1e-12)
            let sumFamily = LawFamily(degreesOfFreedom: newNu)
            let factor = family.standardVariance / sumFamily.standardVariance
            return PredictiveLaw(family: sumFamily, locations: locations, scales: variances.map { ($0 * factor).squareRoot() })
        }
    }
}
