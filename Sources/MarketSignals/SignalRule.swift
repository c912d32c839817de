// The pure decision rule: a per-asset predictive (mean, aleatoric and epistemic variance per horizon) → BUY/SELL/HOLD.
import Foundation
import MarketData
import MarketSupport

/// The model's predictive for one asset at one date, per horizon k = 1…H (plain arrays, no tensors).
public struct AssetPredictive: Sendable, Equatable {
    /// Predictive mean return of horizon k, (H).
    public var mean: [Double]
    /// Aleatoric (data) variance of horizon k: the mean of the MC samples' predicted variances, (H).
    public var aleatoricVariance: [Double]
    /// Epistemic (model) variance of horizon k: the variance of the MC samples' means, (H).
    public var epistemicVariance: [Double]

    /// The predictive law of each one-day step k (H): the mixture of the MC passes (× ensemble members),
    /// each member its head's Gaussian or Student-t. Nil: a Gaussian with the moments above.
    public var laws: [PredictiveLaw]?

    public init(mean: [Double], aleatoricVariance: [Double], epistemicVariance: [Double], laws: [PredictiveLaw]? = nil) {
        precondition(mean.count == aleatoricVariance.count && mean.count == epistemicVariance.count,
                     "AssetPredictive: arrays of different lengths")
        precondition(laws == nil || laws!.count == mean.count, "AssetPredictive: one law per horizon step")
        self.mean = mean
        self.aleatoricVariance = aleatoricVariance
        self.epistemicVariance = epistemicVariance
        self.laws = laws
    }

    /// The forecast horizon H.
    public var horizon: Int { mean.count }

    /// The law of the h-day return r_{t+1} + … + r_{t+h}: member by member the sum of the one-day laws
    /// (`PredictiveLaw.sum`), mixed over members; without `laws`, N(Σ mean, Σ (aleatoric + epistemic)).
    public func cumulativeLaw(steps h: Int) -> PredictiveLaw {
        precondition(h >= 1 && h <= horizon, "AssetPredictive: \(h) steps of \(horizon)")
        if let laws { return PredictiveLaw.sum(Array(laws[0..<h])) }
        var mu = 0.0, variance = 0.0
        for k in 0..<h { mu += mean[k]; variance += aleatoricVariance[k] + epistemicVariance[k] }
        return .gaussian(mean: mu, variance: variance)
    }
}

/// What the rule knows about one asset's data at the decision date.
public struct AssetDataState: Sendable, Equatable {
    /// Date of the latest real (not synthetic) bar on or before the decision date; nil when none.
    public var lastRealBarDate: DayNumber?
    /// True when the latest bar on or before the decision date was made by the synthetic engine.
    public var latestBarIsSynthetic: Bool
    /// Close of the latest bar on or before the decision date (NaN when none).
    public var lastClose: Double

    public init(lastRealBarDate: DayNumber?, latestBarIsSynthetic: Bool, lastClose: Double) {
        self.lastRealBarDate = lastRealBarDate
        self.latestBarIsSynthetic = latestBarIsSynthetic
        self.lastClose = lastClose
    }

    /// The state of `series` at `date`: its latest bar on or before the date and its latest real bar.
    public init(series: OHLCVSeries, date: DayNumber) {
        guard let last = series.lastIndex(onOrBefore: date) else {
            self.init(lastRealBarDate: nil, latestBarIsSynthetic: false, lastClose: .nan)
            return
        }
        var real = last
        while real >= 0 && series.isSynthetic[real] { real -= 1 }
        self.init(lastRealBarDate: real >= 0 ? series.dates[real] : nil,
                  latestBarIsSynthetic: series.isSynthetic[last], lastClose: series.close[last])
    }
}

/// The BUY/SELL/HOLD rule of the design, with its thresholds (configs/signals.yaml).
///
/// Over the decision horizon h: μ = Σ_{k≤h} mean_k, σ² = Σ_{k≤h} (aleatoric_k + epistemic_k),
/// confidence = the predictive law's probability that the h-day return has the sign of μ
/// (`AssetPredictive.cumulativeLaw(steps:)` → `PredictiveLaw.signConfidence`; Φ(|μ|/σ) for a Gaussian).
/// The checks, in order, each giving HOLD with its reason:
/// 1. no predictive or no bar at all → `no data`;
/// 2. the latest bar is synthetic → `synthetic bar` (never act on an invented price);
/// 3. the latest real bar is more than `maxStaleDays` calendar days before the date → `stale data`;
/// 4. confidence < `confidenceThreshold` → `low confidence`; |μ| < `minReturn` → `small return`
///    (both are reported, joined by `; `, when both fail).
/// Otherwise BUY when μ > 0, SELL when μ < 0.
public struct SignalRule: Sendable, Equatable {
    /// Minimum confidence for BUY/SELL (default 0.7; the nightly example uses 0.75).
    public var confidenceThreshold: Double
    /// Minimum |expected return| over the decision horizon, a fraction (default 0.02; nightly example 0.015).
    public var minReturn: Double
    /// Decision horizon h in days, 1 ≤ h ≤ H (default 1: the next day).
    public var horizon: Int
    /// Largest allowed age, in calendar days, of the latest real bar before the date (default 5).
    public var maxStaleDays: Int
    /// How `confidence` is defined (default the predictive law's sign probability; `ConfidenceMeasure`).
    public var confidence: ConfidenceMeasure = .probabilistic

    /// Reason texts (the `reason` column); stable, so scripts can match them.
    public enum Reason {
        public static let noData = "no data"
        public static let syntheticBar = "synthetic bar"
        public static let staleData = "stale data"
        public static let lowConfidence = "low confidence"
        public static let smallReturn = "small return"
    }

    public init(confidenceThreshold: Double = 0.7, minReturn: Double = 0.02, horizon: Int = 1, maxStaleDays: Int = 5,
                confidence: ConfidenceMeasure = .probabilistic) {
        precondition(horizon >= 1, "SignalRule: horizon must be ≥ 1")
        self.confidenceThreshold = confidenceThreshold
        self.minReturn = minReturn
        self.horizon = horizon
        self.maxStaleDays = maxStaleDays
        self.confidence = confidence
    }

    /// The signal row of one asset at `date`. `predictive` is nil when the model produced nothing for it.
    public func decide(date: DayNumber, ticker: String, category: String,
                       predictive: AssetPredictive?, data: AssetDataState) -> SignalRecord {
        guard let predictive, predictive.horizon > 0, let lastReal = data.lastRealBarDate else {
            return SignalRecord(date: date, ticker: ticker, category: category, signal: .hold, confidence: .nan,
                                expectedReturn: .nan, predMean: [], predStd: [], epistemicStd: .nan,
                                aleatoricStd: .nan, lastClose: data.lastClose, reason: Reason.noData)
        }
        precondition(horizon <= predictive.horizon, "SignalRule: decision horizon \(horizon) > forecast horizon \(predictive.horizon)")
        var mu = 0.0, aleatoric = 0.0, epistemic = 0.0
        for k in 0..<horizon {
            mu += predictive.mean[k]
            aleatoric += predictive.aleatoricVariance[k]
            epistemic += predictive.epistemicVariance[k]
        }
        let confidence = self.confidence.confidence(predictive, horizon: horizon, mu: mu)
        let stds = (0..<predictive.horizon).map { (predictive.aleatoricVariance[$0] + predictive.epistemicVariance[$0]).squareRoot() }
        func row(_ signal: SignalAction, _ reason: String) -> SignalRecord {
            SignalRecord(date: date, ticker: ticker, category: category, signal: signal, confidence: confidence,
                         expectedReturn: mu, predMean: predictive.mean, predStd: stds,
                         epistemicStd: epistemic.squareRoot(), aleatoricStd: aleatoric.squareRoot(),
                         lastClose: data.lastClose, reason: reason)
        }
        if data.latestBarIsSynthetic { return row(.hold, Reason.syntheticBar) }
        let age = Int(date) - Int(lastReal)
        if age > maxStaleDays {
            return row(.hold, "\(Reason.staleData): last real bar \(CivilDate.isoString(lastReal)), \(age) days old")
        }
        var reasons: [String] = []
        if !(confidence >= confidenceThreshold) { reasons.append(Reason.lowConfidence) }
        if !(abs(mu) >= minReturn) { reasons.append(Reason.smallReturn) }
        if !reasons.isEmpty { return row(.hold, reasons.joined(separator: "; ")) }
        return row(mu > 0 ? .buy : .sell, "")
    }
}
