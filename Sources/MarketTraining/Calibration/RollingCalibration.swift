// RollingCalibration: a causal recalibration refitted before each scored date on the model's own PIT values of targets already realised.
import Foundation
import MarketData
import MarketModel
import MarketSupport

/// Fitting and applying a `RollingCalibration` (the stored choice lives in MarketModel): for a forecast made at the close
/// of day d, step h is recalibrated from the events (law, realised target) of that category and step whose target day t
/// satisfies d − `windowDays` < t ≤ d — only targets realised by the as-of date (a canary in `RollingCalibrationTests`
/// poisons every bar after it). With fewer than `minimumTargets` events a fallback (the static calibration) is applied.
/// Chosen per category on the validation period (`choose`), never on a test period.
extension RollingCalibration {
    /// The (scale factor, map) fitted at as-of day `asOf` for step `step` from `events` (one category; sorted by target day
    /// per step, see `Events`); nil with fewer than `minimumTargets` events in the window.
    public func fit(asOf: DayNumber, step: Int, events: Events) -> (factor: Double, map: PITMap?)? {
        let days = events.days[step]
        let hi = Self.upperBound(days, asOf), lo = Self.upperBound(days, asOf - DayNumber(windowDays))
        guard hi - lo >= minimumTargets else { return nil }
        let c: Double
        if let family = events.family[step], events.members[step] == 1 {
            c = Self.bestFactor(standardized: events.standardized[step][lo..<hi], family: family)
        } else if let family = events.family[step] {
            let m = events.members[step]
            c = Self.bestFactor(standardized: events.standardized[step][(lo * m)..<(hi * m)], logScales: events.logScales[step][(lo * m)..<(hi * m)],
                                members: m, family: family)
        } else {
            c = PredictiveCalibration.bestFactor(laws: Array(events.laws[step][lo..<hi]), targets: Array(events.targets[step][lo..<hi]))
        }
        let map = quantileMap ? PITMap.fitted(pit: (lo..<hi).map { events.laws[step][$0].scaled(by: c).cdf(events.targets[step][$0]) }) : nil
        return (c, map)
    }

    /// argmin_c of the mean NLL of one-member laws of one family given the standardised targets z = (y − location)/scale:
    /// ln c − ln f(z/c) (the ln scale term does not depend on c), by `PredictiveCalibration.minimisingFactor` (the minimiser of
    /// `PredictiveCalibration.bestFactor`, without building a law per evaluation).
    static func bestFactor(standardized z: ArraySlice<Double>, family: LawFamily) -> Double {
        let n = Double(z.count)
        func loss(_ logFactor: Double) -> Double {
            let inverse = exp(-logFactor)
            var sum = 0.0
            for value in z { sum -= family.logDensity(value * inverse) }
            return logFactor + sum / n
        }
        return PredictiveCalibration.minimisingFactor(loss)
    }

    /// The same argmin for mixtures of M members of one family (MC-dropout passes × ensemble members) given the member-wise
    /// standardised targets z_m = (y − μ_m)/s_m and ln s_m ((N·M) each, event-major): the mean of
    /// ln c + ln M − ln Σ_m exp(ln f(z_m/c) − ln s_m) (log-sum-exp; f's constant hoisted), without building a law per evaluation.
    static func bestFactor(standardized z: ArraySlice<Double>, logScales: ArraySlice<Double>, members m: Int, family: LawFamily) -> Double {
        precondition(m >= 1 && z.count == logScales.count && z.count % m == 0, "RollingCalibration.bestFactor: (N·M) values each")
        let n = z.count / m
        let constant = family.logDensity(0), logM = log(Double(m))
        // ln f(x) − ln f(0): Gaussian −x²/2, Student-t −(ν+1)/2 · ln(1 + x²/ν).
        let nu = family.degreesOfFreedom, power = 0.5 * (nu + 1)
        let gaussian = !nu.isFinite
        let values = Array(z), logs = Array(logScales)
        func loss(_ logFactor: Double) -> Double {
            let inverse = exp(-logFactor)
            var sum = 0.0
            var terms = [Double](repeating: 0, count: m)
            values.withUnsafeBufferPointer { zs in
                logs.withUnsafeBufferPointer { ls in
                    terms.withUnsafeMutableBufferPointer { t in
                        for e in 0..<n {
                            var peak = -Double.infinity
                            for k in 0..<m {
                                let x = zs[e &* m &+ k] * inverse
                                let v = (gaussian ? -0.5 * x * x : -power * log1p(x * x / nu)) - ls[e &* m &+ k]
                                t[k] = v
                                peak = max(peak, v)
                            }
                            var total = 0.0
                            for k in 0..<m { total += exp(t[k] - peak) }
                            sum += logM - peak - log(total)
                        }
                    }
                }
            }
            return logFactor - constant + sum / Double(n)
        }
        return PredictiveCalibration.minimisingFactor(loss)
    }

    /// First index with `days[i] > day` (days sorted ascending).
    static func upperBound(_ days: [DayNumber], _ day: DayNumber) -> Int {
        var lo = 0, hi = days.count
        while lo < hi { let mid = (lo + hi) / 2; if days[mid] <= day { lo = mid + 1 } else { hi = mid } }
        return lo
    }

    /// The realised events of one category per step, sorted by target day: (law, target, target day).
    public struct Events: Sendable {
        /// Per step: target days (ascending), laws, targets.
        public var days: [[DayNumber]], laws: [[PredictiveLaw]], targets: [[Double]]
        /// Per step: the family when every law is a mixture of the same number M of members of it without a map (`members`);
        /// then `standardized` holds (y − μ_m)/s_m per event and member (event-major, N·M) and, for M > 1, `logScales` ln s_m.
        var family: [LawFamily?] = [], standardized: [[Double]] = [], members: [Int] = [], logScales: [[Double]] = []

        /// The finite targets of `rows` whose category is `category`; `targetDays` (S, H) from `ForecastRows.targetDays(store:)`.
        /// Several row sets (e.g. validation and test) may be pooled: pass them in any order.
        public init(_ sets: [(rows: ForecastRows, targetDays: [DayNumber])], category: Int, horizon h: Int) {
            var items = [[Event]](repeating: [], count: h)
            for (rows, targetDays) in sets {
                precondition(rows.horizon == h && targetDays.count == rows.count * h, "RollingCalibration.Events: shapes differ")
                for s in 0..<rows.count where rows.categories[s] == category {
                    for step in 0..<h {
                        let k = s * h + step
                        guard rows.targets[k].isFinite, rows.model.isValid(k) else { continue }
                        items[step].append(Event(day: targetDays[k], law: rows.model[k], target: rows.targets[k]))
                    }
                }
            }
            self.init(items)
        }

        /// One realised target of one step: its target day, the model's law for it and the realised value.
        public struct Event: Sendable {
            public var day: DayNumber, law: PredictiveLaw, target: Double
            public init(day: DayNumber, law: PredictiveLaw, target: Double) { self.day = day; self.law = law; self.target = target }
        }

        /// `perStep[h]`: the events of step h in any order (non-finite targets and invalid laws are left out).
        public init(_ perStep: [[Event]]) {
            // Stable order: by target day, then by the order handed in (deterministic for the same inputs).
            days = []; laws = []; targets = []
            for step in perStep.indices {
                let sorted = perStep[step].enumerated().filter { $0.element.target.isFinite && $0.element.law.isValid }
                    .sorted { ($0.element.day, $0.offset) < ($1.element.day, $1.offset) }.map(\.element)
                days.append(sorted.map(\.day)); laws.append(sorted.map(\.law)); targets.append(sorted.map(\.target))
                let first = sorted.first?.law.family, m = sorted.first?.law.memberCount ?? 1
                let simple = sorted.allSatisfy { $0.law.memberCount == m && $0.law.pitMap == nil && $0.law.family == first }
                family.append(simple ? first : nil)
                members.append(m)
                if simple && m == 1 {
                    standardized.append(sorted.map { ($0.target - $0.law.locations[0]) / $0.law.scales[0] })
                    logScales.append([])
                } else if simple {
                    standardized.append(sorted.flatMap { event in (0..<m).map { (event.target - event.law.locations[$0]) / event.law.scales[$0] } })
                    logScales.append(sorted.flatMap { event in event.law.scales.map { log($0) } })
                } else {
                    standardized.append([]); logScales.append([])
                }
            }
        }
    }

    /// The static calibration `fallback` (nil: none) with category `categoryName`'s H steps replaced by this rolling
    /// recalibration as of day `asOf` (each step's fit from `events`, or `fallback`'s factor and map for that step when the
    /// window holds too few events). What `evaluate`, `signals` and the backtest's signal history apply to a forecast made
    /// at `asOf`; only events with target day ≤ `asOf` are read.
    public func calibration(asOf: DayNumber, events: Events, fallback: PredictiveCalibration?, categoryName: String,
                            horizon h: Int) -> PredictiveCalibration {
        var out = fallback ?? PredictiveCalibration(fittedOn: "none", factors: [:], targets: [:])
        var factors = [Double](repeating: 1, count: h), maps = [PITMap?](repeating: nil, count: h)
        var fitted = 0
        for step in 0..<h {
            if let fit = fit(asOf: asOf, step: step, events: events) {
                factors[step] = fit.factor; maps[step] = fit.map; fitted += 1
            } else if let fallback {
                factors[step] = fallback.factor(category: categoryName, step: step); maps[step] = fallback.map(category: categoryName, step: step)
            }
        }
        out.factors[categoryName] = factors
        out.maps = (out.maps ?? [:]).merging([categoryName: maps]) { $1 }
        // `quantile_map` applies `maps` (nil = identity) after the factor: both rolling variants and the fallback's steps.
        out.methods = (out.methods ?? [:]).merging([categoryName: PredictiveCalibration.quantileMapMethod]) { $1 }
        out.fittedOn = "\(name) as of \(CivilDate.isoString(asOf)) (\(fitted) of \(h) steps refitted); else \(out.fittedOn)"
        return out
    }

    /// `rows` (one category, `categoryName`) recalibrated causally from `events`: row s gets `calibration(asOf: rows.days[s])`
    /// (the fit at its origin day, or `fallback`'s for a step whose window holds too few events). Fits are cached per as-of day.
    public func applied(to rows: ForecastRows, category: Int, categoryName: String, events: Events,
                        fallback: PredictiveCalibration?) -> ForecastRows {
        let h = rows.horizon
        var multipliers = [Double](repeating: 1, count: rows.count * h)
        var pitMaps = [PITMap?](repeating: nil, count: rows.count * h)
        var cache: [DayNumber: PredictiveCalibration] = [:]
        for s in 0..<rows.count where rows.categories[s] == category {
            let day = rows.days[s]
            let asOf = cache[day] ?? calibration(asOf: day, events: events, fallback: fallback, categoryName: categoryName, horizon: h)
            cache[day] = asOf
            for step in 0..<h {
                multipliers[s * h + step] = asOf.factor(category: categoryName, step: step)
                pitMaps[s * h + step] = asOf.map(category: categoryName, step: step)
            }
        }
        var out = rows
        out.model = rows.model.scaled(by: multipliers).mapped(by: pitMaps)
        return out
    }
}
