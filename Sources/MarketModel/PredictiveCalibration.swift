// PredictiveCalibration: the post-hoc scale recalibration a checkpoint carries (per category and horizon step), applied to predictive laws.
import Foundation
import MarketData
import MarketTensor

/// A factor c_{K,h} on the predictive scale (σ of a Gaussian, the scale of a Student-t; the variance is
/// multiplied by c²) per category K and horizon step h, chosen to minimise the mean NLL of the model's own
/// law on rows the model never trained on (pre-training's validation period, or the walk-forward windows,
/// each scored before it was trained on; the fitting is `PredictiveCalibration.fit` in MarketTraining).
/// Never fitted on a test period. Stored in the checkpoint's
/// `__metadata__` under `calibration` and applied by `evaluate` and `signals`.
public struct PredictiveCalibration: Codable, Equatable, Sendable {
    /// The checkpoint metadata key.
    public static let metadataKey = "calibration"
    /// `variance_scale` (the only method so far).
    public var method = "variance_scale"
    /// What it was fitted on (e.g. `validation 2021-03-01..2022-02-28`).
    public var fittedOn: String
    /// Category name → (H) scale factors c_h (1 = unchanged).
    public var factors: [String: [Double]]
    /// Category name → targets it was fitted on.
    public var targets: [String: Int]

    enum CodingKeys: String, CodingKey { case method, fittedOn = "fitted_on", factors, targets }

    public init(fittedOn: String, factors: [String: [Double]], targets: [String: Int]) {
        self.fittedOn = fittedOn
        self.factors = factors
        self.targets = targets
    }

    /// The factor of `category` at step `step` (0-based); 1 when the category was not fitted.
    public func factor(category: String, step: Int) -> Double {
        guard let values = factors[category], step < values.count else { return 1 }
        return values[step]
    }

    /// `law` (of `category`, step `step`) with its scales multiplied by the factor.
    public func apply(_ law: PredictiveLaw, category: String, step: Int) -> PredictiveLaw {
        law.scaled(by: factor(category: category, step: step))
    }

    /// JSON for the checkpoint metadata.
    public func jsonString() throws -> String { String(decoding: try JSONEncoder().encode(self), as: UTF8.self) }

    /// The calibration stored in `metadata` (nil when none); throws for a malformed entry naming the key.
    public static func read(_ metadata: [String: String], file: String) throws -> PredictiveCalibration? {
        guard let text = metadata[metadataKey] else { return nil }
        do { return try JSONDecoder().decode(PredictiveCalibration.self, from: Data(text.utf8)) } catch {
            throw TensorError.malformedFile(file: file, reason: "bad '\(metadataKey)' in __metadata__ (\(error))")
        }
    }
}
