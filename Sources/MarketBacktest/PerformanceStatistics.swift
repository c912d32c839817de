// Statistics as a pure function of an equity curve (and, for the strategy, its trades and exposure).
import Foundation
import MarketData
import MarketSupport

/// Performance figures of one equity curve. Returns are fractions; NaN means "undefined" (JSON null).
public struct PerformanceMetrics: Sendable, Equatable {
    /// E_last / E_first − 1.
    public var totalReturn: Double
    /// (E_last / E_first)^(1 / years) − 1 with years = returns / barsPerYear.
    public var cagr: Double
    /// Sample standard deviation (n − 1) of the simple daily returns × √barsPerYear.
    public var annualVolatility: Double
    /// mean / std (n − 1) of the daily returns × √barsPerYear (risk-free rate 0).
    public var sharpe: Double
    /// mean / √(mean(min(r, 0)²)) × √barsPerYear.
    public var sortino: Double
    /// cagr / maxDrawdown.
    public var calmar: Double
    /// Largest peak-to-trough fall of the equity, a positive fraction.
    public var maxDrawdown: Double
    /// Longest time below a previous peak (until recovery or the end), in bars and calendar days.
    public var maxDrawdownDurationBars: Int
    public var maxDrawdownDurationDays: Int
    /// Probabilistic Sharpe ratio P(true Sharpe > 0) and the deflated one for `trials` trials.
    public var probabilisticSharpe: Double
    public var deflatedSharpe: Double
    /// Per-bar moments used by PSR/DSR: skewness and (non-excess) kurtosis of the daily returns.
    public var skewness: Double
    public var kurtosis: Double
    /// Trade figures (NaN / 0 for a benchmark): share of trades with pnl > 0, count, mean trade return.
    public var winRate: Double
    public var numTrades: Int
    public var averageTrade: Double
    /// Share of bars with any position open at the close.
    public var exposure: Double
    /// Mean gross exposure (Σ|position| / equity) at the close.
    public var averageGrossExposure: Double
    /// One-way annual turnover: traded value / 2 / mean equity / years.
    public var turnover: Double
}

/// Computes `PerformanceMetrics`.
public enum PerformanceStatistics {
    /// Bars per year of a calendar: rows per 365.25 days; 252 when it spans under 60 days.
    public static func barsPerYear(dates: [DayNumber]) -> Double {
        guard let first = dates.first, let last = dates.last, last - first >= 60 else { return 252 }
        return Double(dates.count - 1) / (Double(last - first) / 365.25)
    }

    /// The statistics of `equity` (R values at the closes of `dates`), annualised with `barsPerYear`.
    /// `trades`, `grossExposure` (R) and `tradedValue` fill the trade figures; pass nil/0 for a benchmark.
    public static func compute(equity: [Double], dates: [DayNumber], barsPerYear: Double, trades: [Trade]? = nil,
                               grossExposure: [Double]? = nil, tradedValue: Double = 0, trials: Int = 1,
                               trialSharpeVariance: Double? = nil) -> PerformanceMetrics {
        precondition(equity.count == dates.count, "PerformanceStatistics: equity and dates of different lengths")
        let count = max(0, equity.count - 1)
        // Moments of the simple returns, two passes (mean, then centred sums) for accuracy.
        var sum = 0.0
        var downside = 0.0
        equity.withUnsafeBufferPointer { e in
            for i in stride(from: 1, to: e.count, by: 1) {
                let r = e[i] / e[i &- 1] - 1
                sum += r
                if r < 0 { downside += r * r }
            }
        }
        let mean = count > 0 ? sum / Double(count) : .nan
        var m2 = 0.0, m3 = 0.0, m4 = 0.0
        equity.withUnsafeBufferPointer { e in
            for i in stride(from: 1, to: e.count, by: 1) {
                let d = e[i] / e[i &- 1] - 1 - mean
                let d2 = d * d
                m2 += d2
                m3 += d2 * d
                m4 += d2 * d2
            }
        }
        let std = count > 1 ? (m2 / Double(count - 1)).squareRoot() : .nan
        let annual = barsPerYear.squareRoot()
        let perBarSharpe = std > 0 ? mean / std : .nan
        let populationVariance = m2 / Double(max(count, 1))
        let skewness = populationVariance > 0 ? (m3 / Double(count)) / pow(populationVariance, 1.5) : .nan
        let kurtosis = populationVariance > 0 ? (m4 / Double(count)) / (populationVariance * populationVariance) : .nan
        let downsideDeviation = count > 0 ? (downside / Double(count)).squareRoot() : .nan

        // Drawdown depth and the longest stretch under water.
        var peak = -Double.infinity, peakIndex = 0, maxDrawdown = 0.0
        var longestBars = 0, longestDays = 0
        for (i, value) in equity.enumerated() {
            if value >= peak {
                peak = value
                peakIndex = i
            } else {
                maxDrawdown = max(maxDrawdown, 1 - value / peak)
            }
            let bars = i - peakIndex
            if bars > longestBars { longestBars = bars; longestDays = Int(dates[i] - dates[peakIndex]) }
        }

        let first = equity.first ?? .nan, last = equity.last ?? .nan
        let totalReturn = last / first - 1
        let years = Double(count) / barsPerYear
        let cagr = years > 0 && last > 0 ? pow(last / first, 1 / years) - 1 : .nan

        var winRate = Double.nan, averageTrade = Double.nan
        if let trades, !trades.isEmpty {
            var wins = 0, total = 0.0
            for trade in trades {
                if trade.pnl > 0 { wins += 1 }
                total += trade.returnFraction
            }
            winRate = Double(wins) / Double(trades.count)
            averageTrade = total / Double(trades.count)
        }
        var exposure = 0.0, averageGross = 0.0
        if let grossExposure, grossExposure.count > 1 {
            var invested = 0, grossSum = 0.0
            for value in grossExposure.dropFirst() {
                if value > 0 { invested += 1 }
                grossSum += value
            }
            exposure = Double(invested) / Double(grossExposure.count - 1)
            averageGross = grossSum / Double(grossExposure.count - 1)
        }
        let meanEquity = equity.isEmpty ? .nan : equity.reduce(0, +) / Double(equity.count)
        return PerformanceMetrics(
            totalReturn: totalReturn, cagr: cagr,
            annualVolatility: std * annual,
            sharpe: perBarSharpe * annual,
            sortino: downsideDeviation > 0 ? mean / downsideDeviation * annual : .nan,
            calmar: maxDrawdown > 0 ? cagr / maxDrawdown : .nan,
            maxDrawdown: maxDrawdown, maxDrawdownDurationBars: longestBars, maxDrawdownDurationDays: longestDays,
            probabilisticSharpe: SharpeRatioInference.probabilistic(sharpe: perBarSharpe, skewness: skewness,
                                                                   kurtosis: kurtosis, count: count),
            deflatedSharpe: SharpeRatioInference.deflated(sharpe: perBarSharpe, skewness: skewness, kurtosis: kurtosis,
                                                          count: count, trials: trials, trialVariance: trialSharpeVariance),
            skewness: skewness, kurtosis: kurtosis,
            winRate: winRate, numTrades: trades?.count ?? 0, averageTrade: averageTrade,
            exposure: exposure, averageGrossExposure: averageGross,
            turnover: years > 0 ? tradedValue / 2 / meanEquity / years : .nan)
    }
}
