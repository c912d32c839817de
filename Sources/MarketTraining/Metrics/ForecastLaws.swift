// ForecastLaws: N predictive laws on flat buffers (M members each), the form evaluation stores and scores.
import MarketData

/// N predictive laws of one forecaster, flat: member m of law i is `locations[i·M + m] + scales[i·M + m]·Z`
/// with Z standard Gaussian (ν = +∞) or Student-t with `degreesOfFreedom[i]`. M = 1 for a point law
/// (a Gaussian or t head in `.eval` mode, a baseline), M = passes × members for an MC/ensemble mixture.
public struct ForecastLaws: Sendable, Equatable, Codable {
    /// M, members per law.
    public let members: Int
    /// G, groups of members (deep-ensemble models): member m belongs to group m / (M/G); each group holds the
    /// M/G MC-dropout passes of one model. 1 for a single model. Used to split the epistemic variance into its
    /// between-model and within-model (MC) parts (`varianceParts`).
    public let groups: Int
    /// (N, M) member locations and scales (target units).
    public var locations: [Double] = [], scales: [Double] = []
    /// (N) ν per law, +∞ for a Gaussian.
    public var degreesOfFreedom: [Double] = []
    /// (N) the quantile map of each law (nil: none), or empty when no law has one (see `PredictiveLaw.pitMap`).
    public var pitMaps: [PITMap?] = []

    public init(members: Int = 1, groups: Int = 1) {
        precondition(members >= 1 && groups >= 1 && members % groups == 0, "ForecastLaws: members \(members) must be ≥ 1 and a multiple of groups \(groups)")
        self.members = members
        self.groups = groups
    }

    /// N Gaussian laws N(mean, variance) (one member each).
    public static func gaussian(mean: [Double], variance: [Double]) -> ForecastLaws {
        studentT(mean: mean, variance: variance, degreesOfFreedom: [Double](repeating: .infinity, count: mean.count))
    }

    /// N one-member Student-t laws with the given means and *variances* (scale² = variance·(ν − 2)/ν; ν = ∞ → Gaussian).
    public static func studentT(mean: [Double], variance: [Double], degreesOfFreedom: [Double]) -> ForecastLaws {
        precondition(mean.count == variance.count && mean.count == degreesOfFreedom.count, "ForecastLaws: lengths differ")
        var laws = ForecastLaws(members: 1)
        laws.locations = mean
        laws.scales = zip(variance, degreesOfFreedom).map { v, nu in (v / LawFamily(degreesOfFreedom: nu).standardVariance).squareRoot() }
        laws.degreesOfFreedom = degreesOfFreedom
        return laws
    }

    /// N.
    public var count: Int { degreesOfFreedom.count }

    /// Appends one law given by its M members.
    public mutating func append(locations memberLocations: [Double], scales memberScales: [Double], degreesOfFreedom nu: Double) {
        precondition(memberLocations.count == members && memberScales.count == members, "ForecastLaws.append: \(memberLocations.count) members, expected \(members)")
        locations += memberLocations; scales += memberScales; degreesOfFreedom.append(nu)
        if !pitMaps.isEmpty { pitMaps.append(nil) }
    }

    /// Appends one law (its M must equal `members`).
    public mutating func append(_ law: PredictiveLaw) {
        append(locations: law.locations, scales: law.scales, degreesOfFreedom: law.family.degreesOfFreedom)
        if let map = law.pitMap {
            if pitMaps.isEmpty { pitMaps = [PITMap?](repeating: nil, count: count) }
            pitMaps[count - 1] = map
        }
    }

    /// Appends all laws of `other` (same M).
    public mutating func append(contentsOf other: ForecastLaws) {
        precondition(other.members == members && other.groups == groups, "ForecastLaws.append: M \(other.members)/G \(other.groups) vs \(members)/\(groups)")
        let before = count
        locations += other.locations; scales += other.scales; degreesOfFreedom += other.degreesOfFreedom
        if !pitMaps.isEmpty || !other.pitMaps.isEmpty {
            if pitMaps.isEmpty { pitMaps = [PITMap?](repeating: nil, count: before) }
            pitMaps += other.pitMaps.isEmpty ? [PITMap?](repeating: nil, count: other.count) : other.pitMaps
        }
    }

    /// The laws at `indices` (in that order).
    public func gathered(_ indices: [Int]) -> ForecastLaws {
        var out = ForecastLaws(members: members, groups: groups)
        out.locations.reserveCapacity(indices.count * members); out.scales.reserveCapacity(indices.count * members)
        for i in indices {
            out.locations += locations[(i * members)..<((i + 1) * members)]
            out.scales += scales[(i * members)..<((i + 1) * members)]
            out.degreesOfFreedom.append(degreesOfFreedom[i])
            if !pitMaps.isEmpty { out.pitMaps.append(pitMaps[i]) }
        }
        return out
    }

    /// Law i.
    public subscript(i: Int) -> PredictiveLaw {
        PredictiveLaw(family: LawFamily(degreesOfFreedom: degreesOfFreedom[i]),
                      locations: Array(locations[(i * members)..<((i + 1) * members)]),
                      scales: Array(scales[(i * members)..<((i + 1) * members)]),
                      pitMap: pitMaps.isEmpty ? nil : pitMaps[i])
    }

    /// Whether law i has finite locations and finite positive scales.
    public func isValid(_ i: Int) -> Bool {
        for k in (i * members)..<((i + 1) * members) where !(locations[k].isFinite && scales[k].isFinite && scales[k] > 0) { return false }
        return !degreesOfFreedom[i].isNaN
    }

    /// (N) mixture means.
    public var means: [Double] {
        (0..<count).map { i in
            var sum = 0.0
            for k in (i * members)..<((i + 1) * members) { sum += locations[k] }
            return sum / Double(members)
        }
    }

    /// (N) mixture variances (aleatoric + epistemic).
    public var variances: [Double] { (0..<count).map { self[$0].variance } }

    /// Laws with law i recalibrated by the quantile map `maps[i]` (nil: unchanged), e.g. a recalibration.
    public func mapped(by maps: [PITMap?]) -> ForecastLaws {
        precondition(maps.count == count, "ForecastLaws.mapped: one map per law")
        var out = self
        out.pitMaps = maps.contains { $0 != nil } ? maps : []
        return out
    }

    /// Laws with every scale multiplied by `factors[i]` (a variance scale c → factor √c), e.g. a recalibration.
    public func scaled(by factors: [Double]) -> ForecastLaws {
        precondition(factors.count == count, "ForecastLaws.scaled: one factor per law")
        var out = self
        for i in 0..<count { for k in (i * members)..<((i + 1) * members) { out.scales[k] *= factors[i] } }
        return out
    }
}
