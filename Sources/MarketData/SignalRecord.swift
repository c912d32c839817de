// One row of a signal file: the plain data that MarketSignals writes and MarketBacktest reads.
import MarketSupport

/// The action of a signal row.
public enum SignalAction: String, Sendable, Equatable, CaseIterable, Codable {
    case buy = "BUY"
    case sell = "SELL"
    case hold = "HOLD"
}

/// One asset's decision for one date: a row of `signals/<date>.csv` (columns in CONTRACT.md).
///
/// Returns are fractions in the model's return unit (summed over horizons 1…h); `predMean[k-1]` and
/// `predStd[k-1]` are the predictive mean and total standard deviation of horizon k (count H).
/// A record with `signal == .hold` says why in `reason`; BUY/SELL rows have an empty reason.
public struct SignalRecord: Sendable, Equatable {
    /// The decision date: the close of this day is the last information used.
    public var date: DayNumber
    /// Ticker with its exchange suffix, e.g. `RELIANCE.NS`.
    public var ticker: String
    /// Category name, e.g. `us_stocks`.
    public var category: String
    /// BUY, SELL or HOLD.
    public var signal: SignalAction
    /// P(the h-day return has the predicted sign) = Φ(|μ|/σ), in [0, 1].
    public var confidence: Double
    /// μ: expected return over the decision horizon (means of horizons 1…h summed).
    public var expectedReturn: Double
    /// Predictive mean per horizon, (H).
    public var predMean: [Double]
    /// Predictive total standard deviation per horizon, (H).
    public var predStd: [Double]
    /// Epistemic (model) standard deviation over the decision horizon.
    public var epistemicStd: Double
    /// Aleatoric (data) standard deviation over the decision horizon.
    public var aleatoricStd: Double
    /// Close of the latest bar used (NaN when there was no data).
    public var lastClose: Double
    /// Why a HOLD was held (e.g. `low confidence`, `small return`, `stale data`, `synthetic bar`, `no data`).
    public var reason: String

    public init(date: DayNumber, ticker: String, category: String, signal: SignalAction, confidence: Double,
                expectedReturn: Double, predMean: [Double], predStd: [Double], epistemicStd: Double,
                aleatoricStd: Double, lastClose: Double, reason: String) {
        precondition(predMean.count == predStd.count, "SignalRecord: predMean and predStd of different lengths")
        self.date = date
        self.ticker = ticker
        self.category = category
        self.signal = signal
        self.confidence = confidence
        self.expectedReturn = expectedReturn
        self.predMean = predMean
        self.predStd = predStd
        self.epistemicStd = epistemicStd
        self.aleatoricStd = aleatoricStd
        self.lastClose = lastClose
        self.reason = reason
    }

    /// The forecast horizon H of this row.
    public var horizon: Int { predMean.count }

    /// The CSV/JSON column names for horizon `horizon` (H), in file order.
    public static func columns(horizon: Int) -> [String] {
        ["date", "ticker", "category", "signal", "confidence", "expected_return"]
            + (1...max(1, horizon)).map { "pred_mean_\($0)" } + (1...max(1, horizon)).map { "pred_std_\($0)" }
            + ["epistemic_std", "aleatoric_std", "last_close", "reason"]
    }
}
