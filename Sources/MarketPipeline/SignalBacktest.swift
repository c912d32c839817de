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
    /// signals were made with) its grid size is the DSR's trials per fitted category, × the fitted categories present
    /// in `records` for the pooled book and the headline metrics (the same count in both); a category of `records`
    /// without a fitted rule is "no rule (reason)" (`SignalRuleFile.unfittedReason`: no trials, no DSR); the rule's
    /// horizons label each category's classes. Without it `configuration.trials` counts for every book and every
    /// category is labelled at `labelHorizon`. Throws `BacktestError` when no row matches an asset with prices.
    public static func run(records: [SignalRecord], prices: PriceMatrix, configuration: BacktestConfiguration, rule: SignalRuleFile? = nil,
                           labelHorizon: Int = 1, labelThreshold: Double = SignalClassification.defaultThreshold,
                           end: DayNumber? = nil) throws -> BacktestReport {
        var settings = configuration
        let horizons = rule?.categories.mapValues(\.horizon) ?? [:]
        var unfitted: [String: String] = [:]
        if let rule {
            let present = Set(records.map(\.category).filter { !$0.isEmpty })
            for name in present where rule.categories[name] == nil { unfitted[name] = rule.unfittedReason(name) }
            settings.trials = max(1, rule.grid.size * present.filter { rule.categories[$0] != nil }.count)
        }
        var report = try BacktestReport.run(records: records, prices: prices, configuration: settings, end: end)
        report.classification = SignalClassification(records: records, prices: prices, horizon: labelHorizon,
                                                     threshold: labelThreshold, horizons: horizons)
        report.strategy = try StrategyReport.run(records: records, prices: prices, configuration: settings,
                                                 trials: rule?.grid.size ?? configuration.trials,
                                                 pooledTrials: settings.trials, unfitted: unfitted,
                                                 labelHorizons: horizons, labelHorizon: labelHorizon,
                                                 labelThreshold: labelThreshold, end: end)
        return report
    }
}
