// The grid search of a category's decision rule over validation forecasts: thresholds × minimum returns × horizons.
import Foundation
import MarketData
import MarketSupport

/// One category's forecasts over a period, reduced to what the rule compares, for every decision horizon.
///
/// Arrays are (D, N, H) with D = `dates.count`, N = `tickers.count`, H = `horizon`; a cell is NaN where no decision
/// is possible (no forecast, a synthetic latest bar, stale data — the rule's own checks).
public struct SignalRulePanel: Sendable {
    public let dates: [DayNumber]
    public let tickers: [String]
    public let horizon: Int
    /// μ over the first h steps, (D, N, H).
    public var expectedReturn: [Double]
    /// The confidence of the chosen definition at horizon h, (D, N, H).
    public var confidence: [Double]
    /// σ_epi over the first h steps, (D, N, H) (fits the epistemic definition's scale).
    public var epistemicStd: [Double]

    public init(dates: [DayNumber], tickers: [String], horizon: Int) {
        self.dates = dates
        self.tickers = tickers
        self.horizon = horizon
        let cells = dates.count * tickers.count * horizon
        expectedReturn = [Double](repeating: .nan, count: cells)
        confidence = expectedReturn
        epistemicStd = expectedReturn
    }

    /// Stores the forecast of date d, asset a: for each h the row `base` (thresholds 0, horizon h) would decide —
    /// μ and confidence, or NaN when the rule holds for a data reason. `base.confidence` must not be `.epistemic`
    /// (its scale is fitted afterwards by `fitEpistemicScales`).
    public mutating func record(date d: Int, asset a: Int, forecast: AssetForecast, base: SignalRule) {
        guard let predictive = forecast.predictive, forecast.missingReason == nil else { return }
        for h in 1...min(horizon, predictive.horizon) {
            var rule = base
            rule.horizon = h
            rule.confidenceThreshold = 0
            rule.minReturn = 0
            let row = rule.decide(date: dates[d], ticker: tickers[a], category: "", predictive: predictive, data: forecast.state)
            guard row.signal != .hold else { continue }   // only the data checks can hold at zero thresholds
            let cell = (d * tickers.count + a) * horizon + h - 1
            expectedReturn[cell] = row.expectedReturn
            confidence[cell] = row.confidence
            var epistemic = 0.0
            for k in 0..<h { epistemic += predictive.epistemicVariance[k] }
            epistemicStd[cell] = epistemic.squareRoot()
        }
    }

    /// Fits s_h = the median σ_epi of the decidable cells at each horizon and sets confidence = 1/(1 + σ_epi/s_h).
    /// Returns s per horizon (NaN where no cell is decidable).
    public mutating func fitEpistemicScales() -> [Double] {
        var scales = [Double](repeating: .nan, count: horizon)
        for h in 0..<horizon {
            var values: [Double] = []
            for cell in stride(from: h, to: epistemicStd.count, by: horizon) where epistemicStd[cell].isFinite { values.append(epistemicStd[cell]) }
            guard !values.isEmpty else { continue }
            values.sort()
            let median = values.count % 2 == 1 ? values[values.count / 2] : (values[values.count / 2 - 1] + values[values.count / 2]) / 2
            let s = median > 0 ? median : 1e-12
            scales[h] = s
            for cell in stride(from: h, to: epistemicStd.count, by: horizon) where epistemicStd[cell].isFinite {
                confidence[cell] = 1 / (1 + epistemicStd[cell] / s)
            }
        }
        return scales
    }

    /// The rule's actions (+1 BUY, −1 SELL, 0 HOLD) per (date, asset), (D, N), and the number of decidable cells.
    public func actions(confidenceThreshold: Double, minReturn: Double, horizon h: Int) -> (actions: [Int8], decidable: Int) {
        let n = tickers.count
        var out = [Int8](repeating: 0, count: dates.count * n)
        var decidable = 0
        for i in 0..<(dates.count * n) {
            let cell = i * horizon + h - 1
            let mu = expectedReturn[cell]
            guard mu.isFinite else { continue }
            decidable += 1
            if confidence[cell] >= confidenceThreshold && abs(mu) >= minReturn { out[i] = mu > 0 ? 1 : -1 }
        }
        return (out, decidable)
    }
}

/// What a search maximises.
public enum SignalRuleObjective: String, CaseIterable, Sendable {
    /// The validation period's net-of-cost annualised Sharpe ratio of the backtest (at least `minimumTrades` trades).
    case sharpe
    /// A share of asset-days with BUY or SELL as close as possible to a target; ties → the higher Sharpe.
    case tradeRate = "trade_rate"
}

/// The backtest figures of one configuration.
public struct SignalRuleEvaluation: Sendable, Equatable {
    public var sharpe: Double
    public var totalReturn: Double
    public var trades: Int

    public init(sharpe: Double, totalReturn: Double, trades: Int) {
        self.sharpe = sharpe
        self.totalReturn = totalReturn
        self.trades = trades
    }
}

/// The result of a search: the chosen configuration and its figures.
public struct SignalRuleChoice: Sendable, Equatable {
    public var confidenceThreshold: Double
    public var minReturn: Double
    public var horizon: Int
    public var evaluation: SignalRuleEvaluation
    public var tradeRate: Double
    /// Configurations evaluated (the grid's size).
    public var evaluated: Int
}

/// Exhaustive search of a `SignalRuleFile.Grid` on one category's panel. `evaluate` backtests the actions
/// (D, N) of one configuration (the caller supplies the backtester and its costs). Deterministic: the grid is walked
/// in order (horizon, threshold, minimum return) and only a strictly better score replaces the best.
public enum SignalRuleSearch {
    /// Fewer round trips than this cannot be chosen by the Sharpe objective (a Sharpe of 1–4 trades is noise).
    public static let minimumTrades = 5

    public static func fit(panel: SignalRulePanel, grid: SignalRuleFile.Grid, objective: SignalRuleObjective, targetRate: Double? = nil,
                           evaluate: ([Int8]) -> SignalRuleEvaluation) -> SignalRuleChoice {
        precondition(objective == .sharpe || targetRate != nil, "SignalRuleSearch: trade_rate needs a target rate")
        var best: SignalRuleChoice?
        var bestScore = (primary: -Double.infinity, secondary: -Double.infinity)
        var evaluated = 0
        for h in grid.horizons where h >= 1 && h <= panel.horizon {
            for threshold in grid.confidenceThresholds {
                for minReturn in grid.minReturns {
                    let (actions, decidable) = panel.actions(confidenceThreshold: threshold, minReturn: minReturn, horizon: h)
                    let fired = actions.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
                    let rate = decidable > 0 ? Double(fired) / Double(decidable) : 0
                    let evaluation = fired > 0 ? evaluate(actions) : SignalRuleEvaluation(sharpe: .nan, totalReturn: 0, trades: 0)
                    evaluated += 1
                    let sharpe = evaluation.sharpe.isFinite ? evaluation.sharpe : -Double.infinity
                    let score: (primary: Double, secondary: Double)
                    switch objective {
                    case .sharpe: score = (evaluation.trades >= minimumTrades ? sharpe : -Double.infinity, Double(evaluation.trades))
                    case .tradeRate: score = (-abs(rate - targetRate!), sharpe)
                    }
                    if best == nil || score.primary > bestScore.primary
                        || (score.primary == bestScore.primary && score.secondary > bestScore.secondary) {
                        bestScore = score
                        best = SignalRuleChoice(confidenceThreshold: threshold, minReturn: minReturn, horizon: h,
                                                evaluation: evaluation, tradeRate: rate, evaluated: 0)
                    }
                }
            }
        }
        guard var choice = best, bestScore.primary > -Double.infinity else {
            // Nothing qualifies (no configuration with enough trades): a rule that never fires.
            return SignalRuleChoice(confidenceThreshold: 1, minReturn: 1, horizon: 1,
                                    evaluation: SignalRuleEvaluation(sharpe: .nan, totalReturn: 0, trades: 0), tradeRate: 0, evaluated: evaluated)
        }
        choice.evaluated = evaluated
        return choice
    }
}
