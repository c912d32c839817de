// A backtest of signal rows with everything `backtest --signals` reports: metrics, classification, strategy report.
import Foundation
import MarketBacktest
import MarketData
import MarketSignals
import MarketSupport

/// Backtests signal rows and adds the signal classification and the strategy report (`backtest --signals`, the
/// experiment's test period, any server job).
public enum SignalBacktest {
    /// The report of `records` traded on `prices` with `configuration`. With `rule` (the `calibrate-signals` file the
    /// signals were made with) its grid size is the DSR's trials per category (× categories pooled and in the headline
    /// metrics) and its horizons label each category's classes; without it `configuration.trials` counts and every
    /// category is labelled at `labelHorizon`. Throws `BacktestError` when no row matches an asset with prices.
    public static func run(records: [SignalRecord], prices: PriceMatrix, configuration: BacktestConfiguration, rule: SignalRuleFile? = nil,
                           labelHorizon: Int = 1, labelThreshold: Double = SignalClassification.defaultThreshold,
                           end: DayNumber? = nil) throws -> BacktestReport {
        var settings = configuration
        let horizons = rule?.categories.mapValues(\.horizon) ?? [:]
        if let rule { settings.trials = rule.grid.size * max(1, rule.categories.count) }
        var report = try BacktestReport.run(records: records, prices: prices, configuration: settings, end: end)
        report.classification = SignalClassification(records: records, prices: prices, horizon: labelHorizon,
                                                     threshold: labelThreshold, horizons: horizons)
        report.strategy = try StrategyReport.run(records: records, prices: prices, configuration: settings,
                                                 trials: rule?.grid.size ?? configuration.trials,
                                                 pooledTrials: rule == nil ? configuration.trials : nil,
                                                 labelHorizons: horizons, labelHorizon: labelHorizon,
                                                 labelThreshold: labelThreshold, end: end)
        return report
    }
}
