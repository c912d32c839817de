// PredictiveCalibration: the post-hoc scale recalibration a checkpoint carries (per category and horizon step), applied to predictive laws.
import Foundation
import MarketData
import MarketTensor

/// The post-hoc recalibration of a checkpoint's predictive per category K and horizon step h: a variance scale
/// (below), or the variance scale followed by a quantile map (`maps`, a `PITMap` g_{K,h} fitted on the scaled law's
/// PIT), whichever `methods[K]` names (chosen on the validation period by cross-fitted NLL, `PredictiveCalibration.fit`).
///
/// A factor c_{K,h} on the predictive scale (σ of a Gaussian, the scale of a Student-t; the variance is
/// multiplied by c²) per category K and horizon step h, chosen to minimise the mean NLL of the model's own
/// law on rows the model never trained on (pre-training's validation period, or the walk-forward windows,
/// each scored before it was trained on; the fitting is `PredictiveCalibration.fit` in MarketTraining).
/// Never fitted on a test period. Stored in the checkpoint's
/// `__metadata__` under `calibration` and applied by `evaluate` and `signals`.
public struct PredictiveCalibration: Codable, Equatable, Sendable {
    /// The checkpoint metadata key.
    public static let metadataKey = "calibration"
    /// `variance_scale`, `quantile_map` or `selected` (per category, `methods`).
    public var method = "variance_scale"
    /// What it was fitted on (e.g. `validation 2021-03-01..2022-02-28`).
    public var fittedOn: String
    /// Category name → (H) scale factors c_h (1 = unchanged).
    public var factors: [String: [Double]]
    /// Category name → targets it was fitted on.
    public var targets: [String: Int]
    /// Category name → (H) quantile maps g_h (nil: identity for a step with too few targets); nil when none fitted.
    public var maps: [String: [PITMap?]]?
    /// Category name → the method applied: `variance_scale` or `quantile_map` (nil or missing: `variance_scale`).
    public var methods: [String: String]?
    /// Category name → how each method did on the validation period held out from its own fit (two halves by
    /// origin date, each scored with the other half's fit): what `methods` was chosen by.
    public var selection: [String: CalibrationComparison]?
    /// Category name → the causal rolling recalibration that replaces the static one as of each date (chosen on the
    /// validation period; nil or missing: the static calibration everywhere). Applied by `evaluate`, `signals` and the
    /// backtest's signal history from targets realised by each date only; where a trailing window holds too few
    /// targets, the static factors and maps above apply.
    public var rolling: [String: RollingCalibration]?

    enum CodingKeys: String, CodingKey { case method, fittedOn = "fitted_on", factors, targets, maps, methods, selection, rolling }

    /// The smallest and largest factor the fit considers (a factor at a bound is reported as it is) — and accepts on read.
    public static let bounds: ClosedRange<Double> = 0.25...4
    /// The `method` names a stored calibration may carry.
    public static let methodNames: Set<String> = [varianceScaleMethod, quantileMapMethod, "selected"]

    public init(fittedOn: String, factors: [String: [Double]], targets: [String: Int]) {
        self.fittedOn = fittedOn
        self.factors = factors
        self.targets = targets
    }

    /// Decodes a stored calibration (a checkpoint's `calibration` metadata, an `ensemble.json`'s `calibration`) and checks
    /// it: `method` one of `methodNames`, every factor a number in `bounds`, every `methods` entry `variance_scale` or
    /// `quantile_map`, every target count ≥ 0 (the quantile maps check themselves, `PITMap.init(from:)`; the rolling fields
    /// `RollingCalibration.init(from:)`) — else a `DecodingError` at that key (`DecodingError.pathDescription`:
    /// `…factors: crypto step 2 must be in 0.25...4.0, found 0.0`).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        method = try c.decode(String.self, forKey: .method)
        fittedOn = try c.decode(String.self, forKey: .fittedOn)
        factors = try c.decode([String: [Double]].self, forKey: .factors)
        targets = try c.decode([String: Int].self, forKey: .targets)
        maps = try c.decodeIfPresent([String: [PITMap?]].self, forKey: .maps)
        methods = try c.decodeIfPresent([String: String].self, forKey: .methods)
        selection = try c.decodeIfPresent([String: CalibrationComparison].self, forKey: .selection)
        rolling = try c.decodeIfPresent([String: RollingCalibration].self, forKey: .rolling)
        func refuse(_ key: CodingKeys, _ reason: String) -> DecodingError { DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: reason) }
        guard Self.methodNames.contains(method) else { throw refuse(.method, "must be one of \(Self.methodNames.sorted()), found '\(method)'") }
        for (category, values) in factors.sorted(by: { $0.key < $1.key }) {
            for (step, value) in values.enumerated() where !Self.bounds.contains(value) {
                throw refuse(.factors, "\(category) step \(step + 1) must be in \(Self.bounds.lowerBound)...\(Self.bounds.upperBound), found \(value)")
            }
        }
        for (category, name) in (methods ?? [:]).sorted(by: { $0.key < $1.key }) where name != Self.varianceScaleMethod && name != Self.quantileMapMethod {
            throw refuse(.methods, "\(category) must be '\(Self.varianceScaleMethod)' or '\(Self.quantileMapMethod)', found '\(name)'")
        }
        for (category, count) in targets.sorted(by: { $0.key < $1.key }) where count < 0 {
            throw refuse(.targets, "\(category) must be ≥ 0, found \(count)")
        }
    }

    /// Whether `category` is recalibrated by its quantile maps (else by its variance scale).
    public func usesQuantileMap(category: String) -> Bool { methods?[category] == Self.quantileMapMethod }

    /// The scale factor of `category` at step `step` (0-based), applied by both methods (1 when not fitted).
    public func factor(category: String, step: Int) -> Double {
        guard let values = factors[category], step < values.count else { return 1 }
        return values[step]
    }

    /// The quantile map applied to `category` at step `step` (nil: none).
    public func map(category: String, step: Int) -> PITMap? {
        guard usesQuantileMap(category: category), let values = maps?[category], step < values.count else { return nil }
        return values[step]
    }

    /// `law` (of `category`, step `step`) recalibrated: its scales multiplied by the factor, then (quantile map) the
    /// PIT of the scaled law mapped.
    public func apply(_ law: PredictiveLaw, category: String, step: Int) -> PredictiveLaw {
        let scaled = law.scaled(by: factor(category: category, step: step))
        return usesQuantileMap(category: category) ? scaled.mapped(by: map(category: category, step: step)) : scaled
    }

    /// The method names.
    public static let varianceScaleMethod = "variance_scale", quantileMapMethod = "quantile_map"

    /// JSON for the checkpoint metadata.
    public func jsonString() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]   // the same calibration is the same bytes
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// The calibration stored in `metadata` (nil when none); throws for a malformed entry naming the key and the reason
    /// (out-of-range rolling fields included, see `RollingCalibration.init(from:)`).
    public static func read(_ metadata: [String: String], file: String) throws -> PredictiveCalibration? {
        guard let text = metadata[metadataKey] else { return nil }
        do { return try JSONDecoder().decode(PredictiveCalibration.self, from: Data(text.utf8)) } catch {
            let reason = (error as? DecodingError)?.pathDescription ?? "\(error)"
            throw TensorError.malformedFile(file: file, reason: "bad '\(metadataKey)' in __metadata__ (\(reason))")
        }
    }
}

/// Held-out scores of one recalibration method on a validation period (mean NLL in nats, interval coverage).
public struct HeldOutScores: Codable, Equatable, Sendable {
    public var nll: Double, coverage50: Double, coverage90: Double
    public var targets: Int

    public init(nll: Double, coverage50: Double, coverage90: Double, targets: Int) {
        self.nll = nll; self.coverage50 = coverage50; self.coverage90 = coverage90; self.targets = targets
    }
    enum CodingKeys: String, CodingKey { case nll, coverage50 = "coverage_50", coverage90 = "coverage_90", targets }
}

/// The variance scale and the quantile map of one category, each scored on validation rows it was not fitted on.
public struct CalibrationComparison: Codable, Equatable, Sendable {
    public var varianceScale: HeldOutScores, quantileMap: HeldOutScores
    public init(varianceScale: HeldOutScores, quantileMap: HeldOutScores) { self.varianceScale = varianceScale; self.quantileMap = quantileMap }
    enum CodingKeys: String, CodingKey { case varianceScale = "variance_scale", quantileMap = "quantile_map" }
}
