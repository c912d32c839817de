// `strategy:` of configs/experiment.yaml: the signal rule fitted on validation and the test period traded with it.
import Foundation
import MarketSupport

/// The trading part of an experiment (`strategy:`, snake_case, every key optional). After the forecasting protocol,
/// `calibrate-signals` fits the BUY/SELL/HOLD rule of each category on the pre-trained checkpoint's validation
/// period (never later bars), the checkpoint's signals are run over each category's test period with that rule, and
/// the backtest's strategy report (vs equal-weight buy-and-hold, costs, PSR/DSR with the search's trials, classes)
/// goes into the experiment report. Plain data here; the work is `MarketPipeline.ExperimentStrategy`.
public struct ExperimentStrategySection: Codable, Equatable, Sendable {
    /// Run the rule fit and the test-period backtest. Default true.
    public var enabled = true
    /// S: MC-dropout passes per forecast in the fit and the test-period signals. Default 8.
    public var samples = 8
    /// `sharpe` (net-of-cost validation Sharpe) or `trade_rate` (closest to `target_rate`). Default sharpe.
    public var objective = "sharpe"
    /// The trade rate of `trade_rate`, in (0, 1]. Default none.
    public var targetRate: Double?
    /// `long_only` or `long_short`, in the fit and the test backtest. Default long_only.
    public var mode = "long_only"

    public init() {}

    enum CodingKeys: String, CodingKey { case enabled, samples, objective, targetRate = "target_rate", mode }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self), d = ExperimentStrategySection()
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? d.enabled
        samples = try c.decodeIfPresent(Int.self, forKey: .samples) ?? d.samples
        objective = try c.decodeIfPresent(String.self, forKey: .objective) ?? d.objective
        targetRate = try c.decodeIfPresent(Double.self, forKey: .targetRate)
        mode = try c.decodeIfPresent(String.self, forKey: .mode) ?? d.mode
    }

    /// Bounds, each error naming `strategy.<key>`.
    public func validate() throws {
        func bad(_ key: CodingKeys, _ reason: String) -> ConfigValueError { ConfigValueError(keyPath: ["strategy", key.rawValue], reason: reason) }
        guard (1...1_000).contains(samples) else { throw bad(.samples, "must be in 1...1000, found \(samples)") }
        guard objective == "sharpe" || objective == "trade_rate" else { throw bad(.objective, "must be sharpe or trade_rate, found '\(objective)'") }
        if objective == "trade_rate" {
            guard let targetRate, targetRate > 0 && targetRate <= 1 else { throw bad(.targetRate, "must be in (0, 1] with objective trade_rate") }
        }
        guard mode == "long_only" || mode == "long_short" else { throw bad(.mode, "must be long_only or long_short, found '\(mode)'") }
    }
}
