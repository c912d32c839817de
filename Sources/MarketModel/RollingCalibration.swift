// RollingCalibration: which causal rolling recalibration a category uses (trailing window, scale or scale + quantile map).
import Foundation

/// A rolling post-hoc recalibration of one category (regime shifts such as crypto's: a test period far more volatile
/// than the validation period a static calibration was fitted on). For a forecast made at the close of day d (its
/// origin, the as-of date), step h is recalibrated with a variance scale c (and, with `quantileMap`, then a PIT quantile
/// map g — the same two transforms as `PredictiveCalibration`), both refitted on the events (the model's own law,
/// realised target) of that category and step whose **target day t satisfies d − `windowDays` < t ≤ d**: only targets
/// realised by the as-of date. With fewer than `minimumTargets` events the static calibration is applied. With
/// `refitsTails`, the Student-t degrees of freedom ν of every member are refitted first (jointly with the scale, by NLL)
/// on the window ending at the as-of date's anchor (the latest day ≤ d that is a multiple of `tailRefitDays` since the
/// epoch; at least `tailMinimumTargets` events, else the law's own ν), then the scale on the window ending at d.
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
    /// Whether the tails are refitted: every member's family becomes a Student-t with ν fitted on the trailing window
    /// (a fat-tailed regime's shape, which a scale alone cannot follow: it over-covers the 50 % interval while the 90 %
    /// one is right).
    public var refitsTails: Bool

    public init(windowDays: Int, quantileMap: Bool, minimumTargets: Int = 100, refitsTails: Bool = false) {
        self.windowDays = windowDays
        self.quantileMap = quantileMap
        self.minimumTargets = minimumTargets
        self.refitsTails = refitsTails
    }

    enum CodingKeys: String, CodingKey {
        case windowDays = "window_days", quantileMap = "quantile_map", minimumTargets = "minimum_targets", refitsTails = "refits_tails"
    }

    /// ν is refitted on the window ending at the latest day ≤ the as-of date that is a multiple of this many days since
    /// 1970-01-01 (the shape moves slowly; the scale is refitted every day).
    public static let tailRefitDays = 28
    /// Fewer events than this in the ν window: the law's own ν is kept.
    public static let tailMinimumTargets = 500
    /// The ν a refit may choose (a variance exists for ν > 2; 200 is as good as Gaussian at these sample sizes) — and
    /// that a stored calibration may carry (`PredictiveCalibration.degreesOfFreedom`).
    public static let tailBounds: ClosedRange<Double> = 2.1...200

    /// The anchor day of the ν fit for a forecast made at the close of `asOf` (≤ `asOf`).
    public static func tailAnchor(_ asOf: Int) -> Int { asOf - ((asOf % tailRefitDays) + tailRefitDays) % tailRefitDays }

    /// Valid stored values: a trailing window of 1 day to 100 years, at least 1 and at most 10⁷ targets.
    public static let windowDaysRange = 1...36_525, minimumTargetsRange = 1...10_000_000

    /// Decodes a stored choice (a checkpoint's `calibration` metadata, an `ensemble.json`'s `calibration`): every key required
    /// but `refits_tails` (false when missing: stored before it existed),
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
        refitsTails = try c.decodeIfPresent(Bool.self, forKey: .refitsTails) ?? false
        for (key, value, range) in [(CodingKeys.windowDays, windowDays, Self.windowDaysRange), (.minimumTargets, minimumTargets, Self.minimumTargetsRange)]
        where !range.contains(value) {
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "must be in \(range.lowerBound)...\(range.upperBound), found \(value)")
        }
    }

    /// The candidates `choose` compares: trailing quarter, half year and year, each with the scale alone, scale + map, and
    /// refitted tails + scale.
    public static let candidates: [RollingCalibration] = [91, 182, 365].flatMap { days in
        [RollingCalibration(windowDays: days, quantileMap: false), RollingCalibration(windowDays: days, quantileMap: true),
         RollingCalibration(windowDays: days, quantileMap: false, refitsTails: true)]
    }

    /// A short name for reports (`rolling_scale_91d`, `rolling_map_182d`, `rolling_tails_365d`, `rolling_tails_map_91d`).
    public var name: String {
        let kind = refitsTails ? (quantileMap ? "tails_map" : "tails") : (quantileMap ? "map" : "scale")
        return "rolling_\(kind)_\(windowDays)d"
    }
}
