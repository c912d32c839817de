// PITMap: a monotone piecewise-linear map of PIT values (a quantile-map recalibration of a predictive law).
import Foundation

/// A quantile-map recalibration g: [0, 1] → [0, 1], strictly increasing and piecewise linear through
/// `(knots[j], values[j])` with `knots[0] = values[0] = 0` and `knots[J] = values[J] = 1`. A law with CDF F
/// becomes the law with CDF G(y) = g(F(y)), density G′(y) = g′(F(y)) f(y) and quantile G⁻¹(p) = F⁻¹(g⁻¹(p)).
/// Fitted so that g(u) is the empirical CDF of held-out PIT values (`fitted(pit:levels:)`): the mapped PIT is
/// then uniform at every level of the fit (in particular the 5/25/75/95 % levels behind the 50 % and 90 %
/// intervals). Immutable; the per-family constants of the CRPS are cached (thread-safe).
public final class PITMap: Codable, Equatable, Hashable, @unchecked Sendable {
    /// (J + 1) PIT values u_j, 0 = u_0 < … < u_J = 1.
    public let knots: [Double]
    /// (J + 1) mapped values g(u_j), 0 = g_0 < … < g_J = 1.
    public let values: [Double]

    private let lock = NSLock()
    private var constants: [Double: FamilyConstants] = [:]

    enum CodingKeys: String, CodingKey { case knots, values }

    /// A map through the given points; nil unless both start at 0, end at 1, are strictly increasing and equally long.
    public init?(knots: [Double], values: [Double]) {
        guard knots.count >= 2, knots.count == values.count, knots.first == 0, values.first == 0, knots.last == 1, values.last == 1 else { return nil }
        for j in 1..<knots.count where !(knots[j] > knots[j - 1] && values[j] > values[j - 1]) { return nil }
        self.knots = knots
        self.values = values
    }

    public required init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let knots = try c.decode([Double].self, forKey: .knots), values = try c.decode([Double].self, forKey: .values)
        guard PITMap(knots: knots, values: values) != nil else {
            throw DecodingError.dataCorruptedError(forKey: .knots, in: c, debugDescription: "a PIT map needs equally many strictly increasing knots and values from 0 to 1")
        }
        self.knots = knots
        self.values = values
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(knots, forKey: .knots)
        try c.encode(values, forKey: .values)
    }

    public static func == (a: PITMap, b: PITMap) -> Bool { a.knots == b.knots && a.values == b.values }
    public func hash(into hasher: inout Hasher) { hasher.combine(knots); hasher.combine(values) }

    /// The PIT levels a map is fitted at with at least 2,000 values (`fitted`): fine in the tails and at the
    /// 5/25/75/95 % levels of the 50 % and 90 % central intervals.
    public static let fineLevels: [Double] = [0.01, 0.025, 0.05, 0.1, 0.175, 0.25, 0.375, 0.5, 0.625, 0.75, 0.825, 0.9, 0.95, 0.975, 0.99]
    /// The levels used with fewer values.
    public static let coarseLevels: [Double] = [0.05, 0.25, 0.5, 0.75, 0.95]

    /// The map whose g is the empirical CDF of `pit` at `levels` (default: `fineLevels` with ≥ 2,000 values,
    /// else `coarseLevels`): knot u_j = the level-p_j empirical quantile of the PIT values (order statistic,
    /// linearly interpolated), value p_j. Knots that would not increase strictly are dropped. nil with fewer than
    /// 20 finite values in (0, 1).
    public static func fitted(pit: [Double], levels: [Double]? = nil) -> PITMap? {
        var u = pit.filter { $0.isFinite && $0 > 0 && $0 < 1 }
        guard u.count >= 20 else { return nil }
        u.sort()
        let grid = levels ?? (u.count >= 2000 ? fineLevels : coarseLevels)
        var knots = [0.0], values = [0.0]
        for p in grid where p > 0 && p < 1 {
            let position = p * Double(u.count) - 0.5
            let i = min(max(Int(position.rounded(.down)), 0), u.count - 1), j = min(i + 1, u.count - 1)
            let w = min(max(position - Double(i), 0), 1)
            let knot = u[i] + w * (u[j] - u[i])
            guard knot > knots.last! + 1e-12, knot < 1 - 1e-12, p > values.last! else { continue }
            knots.append(knot); values.append(p)
        }
        knots.append(1); values.append(1)
        return PITMap(knots: knots, values: values)
    }

    /// The segment j with u_j ≤ u < u_{j+1} (clamped).
    @inline(__always) func segment(_ u: Double, in xs: [Double]) -> Int {
        var lo = 0, hi = xs.count - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if xs[mid] <= u { lo = mid } else { hi = mid }
        }
        return lo
    }

    /// g(u) (u clamped to [0, 1]).
    public func map(_ u: Double) -> Double {
        let x = min(max(u, 0), 1), j = segment(x, in: knots)
        return values[j] + (x - knots[j]) * slope(segment: j)
    }

    /// g⁻¹(p) (p clamped to [0, 1]).
    public func inverse(_ p: Double) -> Double {
        let x = min(max(p, 0), 1), j = segment(x, in: values)
        return knots[j] + (x - values[j]) / slope(segment: j)
    }

    /// g′(u), the slope of the segment holding u.
    public func slope(_ u: Double) -> Double { slope(segment: segment(min(max(u, 0), 1), in: knots)) }

    @inline(__always) func slope(segment j: Int) -> Double { (values[j + 1] - values[j]) / (knots[j + 1] - knots[j]) }

    /// Per family: the knots as standard quantiles q_j = Q(u_j), the partial first moments M(q_j) = ∫_{−∞}^{q_j} x f(x) dx,
    /// and D = ½ E|Z − Z′| of the mapped standard law.
    struct FamilyConstants {
        var quantiles: [Double], partialMoments: [Double], halfMeanPairDistance: Double
    }

    /// The constants of `family` (computed once per ν).
    func constants(_ family: LawFamily) -> FamilyConstants {
        let key = family.degreesOfFreedom
        lock.lock()
        if let cached = constants[key] { lock.unlock(); return cached }
        lock.unlock()
        let quantiles = knots.map { u -> Double in u <= 0 ? -.infinity : u >= 1 ? .infinity : family.quantile(u) }
        let moments = quantiles.map { family.partialFirstMoment($0) }
        // D by the quantile midpoints of the mapped law, corrected by the same rule's error for the unmapped law.
        let n = 16_384
        var mapped = [Double](), plain = [Double]()
        mapped.reserveCapacity(n); plain.reserveCapacity(n)
        for i in 0..<n {
            let p = (Double(i) + 0.5) / Double(n)
            mapped.append(family.quantile(inverse(p))); plain.append(family.quantile(p))
        }
        let d = PredictiveLaw.halfMeanPairDistance(sortedSample: mapped)
            * family.halfMeanPairDistance / PredictiveLaw.halfMeanPairDistance(sortedSample: plain)
        let result = FamilyConstants(quantiles: quantiles, partialMoments: moments, halfMeanPairDistance: d)
        lock.lock(); constants[key] = result; lock.unlock()
        return result
    }

    /// E|Z − z| for Z = Q(V), V with CDF g (the mapped standard law), exact: Σ_j g′_j ∫_{q_j}^{q_{j+1}} |x − z| f(x) dx.
    func expectedAbsoluteDeviation(_ z: Double, family: LawFamily) -> Double {
        let c = constants(family)
        let fz = family.cdf(z), mz = family.partialFirstMoment(z)
        var sum = 0.0
        for j in 0..<(knots.count - 1) {
            let (fa, fb, ma, mb) = (knots[j], knots[j + 1], c.partialMoments[j], c.partialMoments[j + 1])
            let part: Double
            if z >= c.quantiles[j + 1] { part = z * (fb - fa) - (mb - ma) }
            else if z <= c.quantiles[j] { part = (mb - ma) - z * (fb - fa) }
            else { part = z * (fz - fa) - (mz - ma) + (mb - mz) - z * (fb - fz) }
            sum += slope(segment: j) * part
        }
        return sum
    }
}

extension LawFamily {
    /// M(x) = ∫_{−∞}^{x} t f(t) dt of the standard member: −φ(x) for the Gaussian, −(ν + x²)/(ν − 1)·f(x) for
    /// Student-t (ν > 1); 0 at ±∞.
    func partialFirstMoment(_ x: Double) -> Double {
        guard x.isFinite else { return 0 }
        switch self {
        case .gaussian: return -exp(-0.5 * x * x) / (2 * Double.pi).squareRoot()
        case .studentT(let nu): return -(nu + x * x) / (nu - 1) * exp(StudentTDistribution.logDensity(x, degreesOfFreedom: nu))
        }
    }
}
