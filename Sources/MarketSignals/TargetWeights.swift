// Target weights from a night's signal rows: fractional Kelly or confidence-scaled equal weight, caps and a no-trade band.
import Foundation
import MarketData

/// How `TargetWeights` sizes positions (config `weights:` keys, CLI `--sizing …`).
public struct SizingOptions: Sendable, Equatable {
    public enum Method: String, CaseIterable, Sendable {
        /// w = kellyFraction · μ/σ² (μ, σ² of the h-day return; the Kelly fraction of a small-return bet), then capped.
        case kelly
        /// w = sign · confidence, scaled so the active weights' |w| sum to `maxGross` (equal weight when every
        /// confidence is the same), then capped.
        case confidence
    }
    public enum Side: String, CaseIterable, Sendable {
        /// SELL rows (and negative Kelly weights) are flat.
        case longOnly = "long_only"
        /// SELL rows are short.
        case longShort = "long_short"
    }

    /// Default `kelly`.
    public var method: Method = .kelly
    /// Default `long_only`.
    public var side: Side = .longOnly
    /// Multiplier of the full Kelly weight (default 0.25: quarter Kelly).
    public var kellyFraction: Double = 0.25
    /// Largest |weight| of one asset, a fraction of equity (default 0.10).
    public var maxWeight: Double = 0.10
    /// Largest Σ|weight| (default 1.0: no leverage); larger totals are scaled down proportionally.
    public var maxGross: Double = 1.0
    /// A new weight within this distance of the asset's previous weight keeps the previous one (default 0.01 = 1 %
    /// of equity), so small forecast wiggles do not trade.
    public var noTradeBand: Double = 0.01

    public init() {}
}

/// Turns one date's signal rows into target weights (`weights/<date>.csv`).
///
/// Which rows get a weight: BUY (long), SELL (short; flat in long_only) and HOLDs the rule held for a weak forecast
/// (`low confidence` / `small return`: weight 0, i.e. close). Rows held for a data reason (no data, synthetic or stale
/// bar, no model…) are left out of the file, so a backtest keeps whatever the asset holds.
/// Steps: raw weight by `method` → long_only floor at 0 → |w| ≤ `maxWeight` → no-trade band against `previous` →
/// Σ|w| ≤ `maxGross` (scaled down, never up). Rows keep the input order.
public enum TargetWeights {
    public static func weights(_ records: [SignalRecord], options: SizingOptions, previous: [String: Double] = [:]) -> [TargetWeight] {
        let eligible = records.filter { record in
            record.signal != .hold || record.reason.contains(SignalRule.Reason.lowConfidence)
                || record.reason.contains(SignalRule.Reason.smallReturn)
        }
        var raw = eligible.map { record -> Double in
            guard record.signal != .hold else { return 0 }
            let sign: Double = record.signal == .buy ? 1 : -1
            switch options.method {
            case .kelly:
                let variance = record.aleatoricStd * record.aleatoricStd + record.epistemicStd * record.epistemicStd
                guard variance > 0, record.expectedReturn.isFinite else { return 0 }
                return options.kellyFraction * record.expectedReturn / variance
            case .confidence:
                return record.confidence.isFinite ? sign * record.confidence : 0
            }
        }
        if options.side == .longOnly { raw = raw.map { max(0, $0) } }
        if options.method == .confidence {
            let gross = raw.reduce(0) { $0 + abs($1) }
            if gross > 0 { raw = raw.map { $0 * options.maxGross / gross } }
        }
        var weights = raw.map { min(options.maxWeight, max(-options.maxWeight, $0)) }
        for (i, record) in eligible.enumerated() {
            if let old = previous[record.ticker], abs(weights[i] - old) < options.noTradeBand { weights[i] = old }
        }
        let gross = weights.reduce(0) { $0 + abs($1) }
        if gross > options.maxGross { weights = weights.map { $0 * options.maxGross / gross } }
        return zip(eligible, weights).map { TargetWeight(date: $0.date, ticker: $0.ticker, weight: $1 == 0 ? 0 : $1) }
    }
}
