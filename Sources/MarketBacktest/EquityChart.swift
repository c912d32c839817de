// equity.svg: strategy vs benchmark equity over a drawdown panel, with the key figures in the title.
import Foundation
import MarketData
import MarketCharts
import MarketSupport

/// Draws a backtest's equity chart with `SVGChart`.
enum EquityChart {
    static func svg(_ report: BacktestReport) -> String {
        let run = report.run, m = report.metrics, b = report.benchmarkMetrics
        func percent(_ x: Double, sign: Bool = false) -> String {
            x.isFinite ? String(format: sign ? "%+.1f%%" : "%.1f%%", x * 100) : "n/a"
        }
        func ratio(_ x: Double) -> String { x.isFinite ? String(format: "%.2f", x) : "n/a" }
        let first = run.dates.first.map(CivilDate.isoString) ?? "", last = run.dates.last.map(CivilDate.isoString) ?? ""
        let title = "Backtest \(report.configuration.mode.rawValue) · \(report.run.benchmarkAssets.count) assets · \(first) → \(last)"
        let subtitle = "Strategy: total \(percent(m.totalReturn, sign: true)) · CAGR \(percent(m.cagr)) · Sharpe \(ratio(m.sharpe))"
            + " · Sortino \(ratio(m.sortino)) · max drawdown \(percent(m.maxDrawdown)) · PSR \(ratio(m.probabilisticSharpe))"
            + " · \(m.numTrades) trades, \(percent(m.winRate)) won\n"
            + "Benchmark: total \(percent(b.totalReturn, sign: true)) · CAGR \(percent(b.cagr)) · Sharpe \(ratio(b.sharpe))"
            + " · max drawdown \(percent(b.maxDrawdown)) · costs: \(String(format: "%.3g", report.configuration.commission * 100))% per side"
            + ", \(String(format: "%g", report.configuration.slippageBps)) bps slippage"
        let panels = [
            SVGChart.Panel(label: "equity", series: [
                .init(name: "strategy", values: run.equity, color: "#1f5fbf"),
                .init(name: "equal-weight buy & hold", values: run.benchmark, color: "#8a8a8a", dashed: true),
            ], weight: 1, format: .number, baseline: report.configuration.initialCapital, logScale: true),
            SVGChart.Panel(label: "drawdown", series: [
                .init(name: "strategy drawdown", values: drawdown(run.equity), color: "#d0342c", fill: true),
                .init(name: "benchmark drawdown", values: drawdown(run.benchmark), color: "#8a8a8a", dashed: true),
            ], weight: 0.42, format: .percent, baseline: 0, legendAtBottom: true),
        ]
        return SVGChart(title: title, subtitle: subtitle, x: .dates(run.dates), panels: panels).render()
    }

    /// E_t / max_{s≤t} E_s − 1 (≤ 0), (R).
    static func drawdown(_ equity: [Double]) -> [Double] {
        var peak = -Double.infinity
        return equity.map { value in
            peak = max(peak, value)
            return value / peak - 1
        }
    }
}
