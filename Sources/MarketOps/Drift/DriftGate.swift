// The drift gate: KS tests of the last N days of each feature and category against the checkpoint's reference.
import Foundation
import MarketData
import MarketModel
import MarketSupport

/// Settings of a drift check (`drift:` in configs/nightly.yaml; `marketgpt drift` options).
public struct DriftOptions: Sendable, Equatable {
    /// N: the last N bars (each asset's, on or before the date) form the recent sample. Default 60.
    public var window = 60
    /// α: a test drifts when its Benjamini–Hochberg q-value is below this. Default 0.05.
    public var level = 0.05

    public init(window: Int = 60, level: Double = 0.05) {
        self.window = window
        self.level = level
    }
}

/// One KS test (JSON keys: `category`, `feature`, `n_reference`, `n_recent`, `statistic`, `p_value`,
/// `q_value`, `exact`, `drift`).
public struct DriftTest: Sendable, Codable, Equatable {
    public var category: String
    public var feature: String
    public var nReference: Int
    public var nRecent: Int
    /// KS D.
    public var statistic: Double
    public var pValue: Double
    /// Benjamini–Hochberg adjusted over every test of the report.
    public var qValue: Double
    public var exact: Bool
    public var drift: Bool

    enum CodingKeys: String, CodingKey {
        case category, feature, nReference = "n_reference", nRecent = "n_recent", statistic, pValue = "p_value"
        case qValue = "q_value", exact, drift
    }
}

/// The drift report (JSON keys: `date`, `window`, `level`, `reference` (`checkpoint` or
/// `recomputed`), `drift`, `drifted` ("category/feature" list), `tests`, `skipped`, `seconds`).
public struct DriftReport: Sendable, Codable {
    public var date: String
    public var window: Int
    public var level: Double
    public var reference: String
    public var drift: Bool
    public var drifted: [String]
    public var tests: [DriftTest]
    /// Categories without a test, with why (no reference, no recent bars).
    public var skipped: [String: String]
    public var seconds: Double

    /// One JSON line, keys sorted.
    public func jsonString() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Categories × features: D with `*` where the test drifts, then a verdict line.
    public func table() -> String {
        let features = Array(Set(tests.map(\.feature))).sorted { a, b in
            (MarketFeatures.names.firstIndex(of: a) ?? 99) < (MarketFeatures.names.firstIndex(of: b) ?? 99)
        }
        var categories: [String] = []
        for test in tests where !categories.contains(test.category) { categories.append(test.category) }
        var out = "KS statistic D per category and feature (last \(window) bars to \(date) vs the training reference; * = drift, BH q < \(level))\n"
        out += "category       " + features.map { $0.prefix(17).padding(toLength: 18, withPad: " ", startingAt: 0) }.joined() + "\n"
        for category in categories {
            out += category.padding(toLength: 15, withPad: " ", startingAt: 0)
            for feature in features {
                if let t = tests.first(where: { $0.category == category && $0.feature == feature }) {
                    out += (String(format: "%.3f", t.statistic) + (t.drift ? "*" : " ") + String(format: " q=%.2g", t.qValue))
                        .padding(toLength: 18, withPad: " ", startingAt: 0)
                } else {
                    out += "-".padding(toLength: 18, withPad: " ", startingAt: 0)
                }
            }
            out += "\n"
        }
        for (category, why) in skipped.sorted(by: { $0.key < $1.key }) { out += "\(category): not tested (\(why))\n" }
        out += drift ? "drift: YES — \(drifted.count) of \(tests.count) tests (\(drifted.joined(separator: ", ")))\n"
                     : "drift: no (\(tests.count) tests, none with q < \(level))\n"
        return out
    }
}

/// Runs the KS tests of a loaded universe (as of the date, real bars only) against a reference.
///
/// The recent sample of a category pools the last N bars of its assets; the KS test assumes independent
/// draws, so `realized_vol_20` (a 20-bar rolling value, strongly autocorrelated) contributes one value per
/// non-overlapping 20-bar block (N/20 per asset); without that thinning its test flags drift on a
/// stationary series. The other features are daily values used as they are.
public enum DriftGate {
    /// Index of `realized_vol_20` in `MarketFeatures`.
    static let realizedVolatilityIndex = MarketFeatures.names.firstIndex(of: "realized_vol_20")!

    /// The reference stored in `checkpoint` (nil when it has none: trained before the drift gate).
    public static func reference(of checkpoint: ModelCheckpoint, file: String) throws -> FeatureReference? {
        guard let text = checkpoint.metadata[FeatureReference.metadataKey] else { return nil }
        do { return try FeatureReference(jsonString: text) } catch {
            throw DataError(file: file, reason: "bad '\(FeatureReference.metadataKey)' in __metadata__ (\(error))")
        }
    }

    /// Tests every (category, feature) of `reference` against the last `options.window` real bars of each
    /// asset of that category dated within the window's calendar span before `date` in `loaded` (loaded with `asOf` the date, not gap-filled).
    public static func run(reference: FeatureReference, loaded: LoadedUniverse, date: DayNumber, options: DriftOptions,
                           referenceSource: String = "checkpoint") -> DriftReport {
        let started = Date()
        var recent: [String: [[Float]]] = [:]   // category → per tested feature
        let tested = FeatureReference.testedFeatures
        for asset in loaded.assets {
            guard let series = asset.real, series.count > 1 else { continue }
            let name = loaded.universe.categories[asset.categoryID].name
            let features = MarketFeatures.compute(series)
            guard let end = series.lastIndex(onOrBefore: date) else { continue }
            // The last N bars, and only bars inside the calendar span of N trading days (+ 5 days), so a
            // stale file contributes nothing rather than years-old bars.
            let category = loaded.universe.categories[asset.categoryID]
            let span = DayNumber((Double(options.window) * 365.25 / Double(max(category.tradingDaysPerYear, 1))).rounded(.up)) + 5
            var start = max(1, end + 1 - options.window)   // bar 0 has no return
            while start <= end && series.dates[start] <= date - span { start += 1 }
            guard start <= end else { continue }
            var columns = recent[name] ?? [[Float]](repeating: [], count: tested.count)
            for (k, f) in tested.enumerated() {
                // KS assumes independent draws: a rolling feature (realized_vol_20) is thinned to one value
                // per non-overlapping window, counted back from the last bar; daily features use every bar.
                let stride = f == realizedVolatilityIndex ? MarketFeatures.volatilityWindow : 1
                for t in Swift.stride(from: end, through: start, by: -stride) { columns[k].append(features[t * MarketFeatures.count + f]) }
            }
            recent[name] = columns
        }
        var tests: [DriftTest] = []
        var skipped: [String: String] = [:]
        for category in reference.categories {
            guard let columns = recent[category.name] else { skipped[category.name] = "no recent bars"; continue }
            for (k, feature) in reference.features.enumerated() where k < category.samples.count {
                let sample = category.samples[k]
                guard !sample.isEmpty else { skipped[category.name] = "no training bars in the reference"; continue }
                let values = columns[min(k, columns.count - 1)].filter { $0.isFinite }
                guard !values.isEmpty else { continue }
                let result = KolmogorovSmirnov.test(sorted: sample, values.sorted())
                tests.append(DriftTest(category: category.name, feature: feature, nReference: sample.count, nRecent: values.count,
                                       statistic: result.statistic, pValue: result.pValue, qValue: 1, exact: result.exact, drift: false))
            }
        }
        let q = BenjaminiHochberg.adjust(tests.map(\.pValue))
        for i in tests.indices {
            tests[i].qValue = q[i]
            tests[i].drift = q[i] < options.level
        }
        let drifted = tests.filter(\.drift).map { "\($0.category)/\($0.feature)" }
        return DriftReport(date: CivilDate.isoString(date), window: options.window, level: options.level, reference: referenceSource,
                           drift: !drifted.isEmpty, drifted: drifted, tests: tests, skipped: skipped,
                           seconds: Date().timeIntervalSince(started))
    }
}
