// RollingCalibration: a causal recalibration refitted before each scored date on the model's own PIT values of targets already realised.
import Foundation
import MarketData
import MarketModel
import MarketSupport

/// A rolling post-hoc recalibration of one category (regime shifts such as crypto's: a test period far more volatile
/// than the validation period a static calibration was fitted on). For a forecast made at the close of day d (its
/// origin, the as-of date), step h is recalibrated with a variance scale c (and, with `quantileMap`, then a PIT quantile
/// map g — the same two transforms as `PredictiveCalibration`), both refitted on the events (law, realised target) of that
/// category and step whose **target day t satisfies d − `windowDays` < t ≤ d**: only targets realised by the as-of date
/// (a canary in `RollingCalibrationTests` poisons every bar after it). With fewer than `minimumTargets` events a fallback
/// (the static calibration) is applied. Chosen per category on the validation period (`choose`), never on a test period.
public struct RollingCalibration: Codable, Equatable, Sendable {
    /// Trailing window in calendar days of the events' target days.
    public var windowDays: Int
    /// Whether a PIT quantile map follows the variance scale (else the scale alone).
    public var quantileMap: Bool
    /// Fewer events than this: the fallback calibration.
    public var minimumTargets: Int

    public init(windowDays: Int, quantileMap: Bool, minimumTargets: Int = 100) {
        self.windowDays = windowDays
        self.quantileMap = quantileMap
        self.minimumTargets = minimumTargets
    }

    enum CodingKeys: String, CodingKey { case windowDays = "window_days", quantileMap = "quantile_map", minimumTargets = "minimum_targets" }

    /// The candidates `choose` compares: trailing quarter, half year and year, each with the scale alone and scale + map.
    public static let candidates: [RollingCalibration] = [91, 182, 365].flatMap { days in
        [RollingCalibration(windowDays: days, quantileMap: false), RollingCalibration(windowDays: days, quantileMap: true)]
    }

    /// A short name for reports (`rolling_scale_91d`, `rolling_map_182d`).
    public var name: String { "rolling_\(quantileMap ? "map" : "scale")_\(windowDays)d" }

    /// The (scale factor, map) fitted at as-of day `asOf` for step `step` from `events` (one category; sorted by target day
    /// per step, see `Events`); nil with fewer than `minimumTargets` events in the window.
    public func fit(asOf: DayNumber, step: Int, events: Events) -> (factor: Double, map: PITMap?)? {
        let days = events.days[step]
        let hi = Self.upperBound(days, asOf), lo = Self.upperBound(days, asOf - DayNumber(windowDays))
        guard hi - lo >= minimumTargets else { return nil }
        let c: Double
        if let family = events.family[step] {
            c = Self.bestFactor(standardized: events.standardized[step][lo..<hi], family: family)
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
        /// Per step: the family when every law is one member of it without a map (then `standardized` holds (y − μ)/s).
        var family: [LawFamily?] = [], standardized: [[Double]] = []

        /// The finite targets of `rows` whose category is `category`; `targetDays` (S, H) from `ForecastRows.targetDays(store:)`.
        /// Several row sets (e.g. validation and test) may be pooled: pass them in any order.
        public init(_ sets: [(rows: ForecastRows, targetDays: [DayNumber])], category: Int, horizon h: Int) {
            var items = [[(DayNumber, PredictiveLaw, Double)]](repeating: [], count: h)
            for (rows, targetDays) in sets {
                precondition(rows.horizon == h && targetDays.count == rows.count * h, "RollingCalibration.Events: shapes differ")
                for s in 0..<rows.count where rows.categories[s] == category {
                    for step in 0..<h {
                        let k = s * h + step
                        guard rows.targets[k].isFinite, rows.model.isValid(k) else { continue }
                        items[step].append((targetDays[k], rows.model[k], rows.targets[k]))
                    }
                }
            }
            // Stable order: by target day, then by the order handed in (deterministic for the same inputs).
            days = []; laws = []; targets = []
            for step in 0..<h {
                let sorted = items[step].enumerated().sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }.map(\.element)
                days.append(sorted.map(\.0)); laws.append(sorted.map(\.1)); targets.append(sorted.map(\.2))
                let first = sorted.first?.1.family
                let simple = sorted.allSatisfy { $0.1.memberCount == 1 && $0.1.pitMap == nil && $0.1.family == first }
                family.append(simple ? first : nil)
                standardized.append(simple ? sorted.map { ($0.2 - $0.1.locations[0]) / $0.1.scales[0] } : [])
            }
        }
    }

    /// `rows` (one category, `categoryName`) recalibrated causally from `events`: row s at step h gets the fit at as-of day
    /// `rows.days[s]`, or `fallback`'s recalibration of that category and step when the window holds too few events.
    /// Fits are cached per (as-of day, step).
    public func applied(to rows: ForecastRows, category: Int, categoryName: String, events: Events,
                        fallback: PredictiveCalibration?) -> ForecastRows {
        let h = rows.horizon
        var multipliers = [Double](repeating: 1, count: rows.count * h)
        var pitMaps = [PITMap?](repeating: nil, count: rows.count * h)
        var cache: [Int64: (Double, PITMap?)?] = [:]
        for s in 0..<rows.count where rows.categories[s] == category {
            for step in 0..<h {
                let key = Int64(rows.days[s]) * 64 + Int64(step)
                let fitted: (Double, PITMap?)?
                if let hit = cache[key] { fitted = hit } else {
                    fitted = fit(asOf: rows.days[s], step: step, events: events).map { ($0.factor, $0.map) }
                    cache[key] = fitted
                }
                if let (c, map) = fitted {
                    multipliers[s * h + step] = c; pitMaps[s * h + step] = map
                } else if let fallback {
                    multipliers[s * h + step] = fallback.factor(category: categoryName, step: step)
                    pitMaps[s * h + step] = fallback.map(category: categoryName, step: step)
                }
            }
        }
        var out = rows
        out.model = rows.model.scaled(by: multipliers).mapped(by: pitMaps)
        return out
    }
}
