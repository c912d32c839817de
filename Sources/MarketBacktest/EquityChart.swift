// equity.svg: strategy vs benchmark equity over a drawdown panel, with the key figures in the title.
import Foundation
import MarketData

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
        let subtitle = "Total \(percent(m.totalReturn, sign: true)) (benchmark \(percent(b.totalReturn, sign: true)))"
            + " · CAGR \(percent(m.cagr)) · Sharpe \(ratio(m.sharpe)) (bench \(ratio(b.sharpe))) · Sortino \(ratio(m.sortino))"
            + " · Max DD \(percent(m.maxDrawdown)) · \(m.numTrades) trades, win \(percent(m.winRate)) · PSR \(ratio(m.probabilisticSharpe))"
        let panels = [
            SVGChart.Panel(label: "equity", series: [
                .init(name: "strategy", values: run.equity, color: "#1f5fbf"),
                .init(name: "equal-weight buy & hold", values: run.benchmark, color: "#8a8a8a", dashed: true),
            ], weight: 1, format: .number, baseline: report.configuration.initialCapital),
            SVGChart.Panel(label: "drawdown", series: [
                .init(name: "strategy drawdown", values: drawdown(run.equity), color: "#d0342c", fill: true),
                .init(name: "benchmark drawdown", values: drawdown(run.benchmark), color: "#8a8a8a", dashed: true),
            ], weight: 0.42, format: .percent, baseline: 0),
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
