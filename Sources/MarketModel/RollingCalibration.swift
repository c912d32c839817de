// RollingCalibration: which causal rolling recalibration a category uses (trailing window, scale or scale + quantile map).
import Foundation

/// A rolling post-hoc recalibration of one category (regime shifts such as crypto's: a test period far more volatile
/// than the validation period a static calibration was fitted on). For a forecast made at the close of day d (its
/// origin, the as-of date), step h is recalibrated with a variance scale c (and, with `quantileMap`, then a PIT quantile
/// map g — the same two transforms as `PredictiveCalibration`), both refitted on the events (the model's own law,
/// realised target) of that category and step whose **target day t satisfies d − `windowDays` < t ≤ d**: only targets
/// realised by the as-of date. With fewer than `minimumTargets` events the static calibration is applied.
///
/// This is the stored choice (`PredictiveCalibration.rolling`, in a checkpoint's `calibration` metadata); the fitting,
/// the choice on a validation period and the application live in MarketTraining (`RollingCalibration.fit`, `choose`,
/// `calibration(asOf:…)`); `evaluate`, `signals` and the backtest's signal history apply it as of each date.
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

    /// Valid stored values: a trailing window of 1 day to 100 years, at least 1 and at most 10⁷ targets.
    public static let windowDaysRange = 1...36_525, minimumTargetsRange = 1...10_000_000

    /// Decodes a stored choice (a checkpoint's `calibration` metadata, an `ensemble.json`'s `calibration`): every key required,
    /// `window_days` and `minimum_targets` inside `windowDaysRange` / `minimumTargetsRange` — else a `DecodingError` at that
    /// key (`DecodingError.pathDescription`: `…rolling.crypto.window_days: must be in 1...36525, found 0`).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        /// An integer at `key`: a fractional number is refused at its key (the decoder's own error names no key for it).
        func integer(_ key: CodingKeys) throws -> Int {
            if let value = try? c.decode(Int.self, forKey: key) { return value }
            let number = try c.decode(Double.self, forKey: key)
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "must be a whole number, found \(number)")
        }
        windowDays = try integer(.windowDays)
        quantileMap = try c.decode(Bool.self, forKey: .quantileMap)
        minimumTargets = try integer(.minimumTargets)
        for (key, value, range) in [(CodingKeys.windowDays, windowDays, Self.windowDaysRange), (.minimumTargets, minimumTargets, Self.minimumTargetsRange)]
        where !range.contains(value) {
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "must be in \(range.lowerBound)...\(range.upperBound), found \(value)")
        }
    }

    /// The candidates `choose` compares: trailing quarter, half year and year, each with the scale alone and scale + map.
    public static let candidates: [RollingCalibration] = [91, 182, 365].flatMap { days in
        [RollingCalibration(windowDays: days, quantileMap: false), RollingCalibration(windowDays: days, quantileMap: true)]
    }

    /// A short name for reports (`rolling_scale_91d`, `rolling_map_182d`).
    public var name: String { "rolling_\(quantileMap ? "map" : "scale")_\(windowDays)d" }
}
