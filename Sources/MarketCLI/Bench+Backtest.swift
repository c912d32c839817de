// `marketgpt bench` suite of MarketBacktest: 615 assets × 5,000 days of signals, simulated with full statistics.
import Foundation
import MarketBacktest
import MarketData
import MarketSupport

extension BenchSuite {
    /// `backtest_615x5000_s` (target ≤ 0.05 s): long_only, equal weight, default costs; plus long_short with
    /// stops and fixed-fraction sizing. Each figure is the fastest of 7 runs after one warm-up (wall clock;
    /// the fastest is the least disturbed by other processes on a shared machine).
    static let backtest = BenchSuite(name: "backtest") {
        let (prices, decisions) = BacktestBenchFixture.make(assets: 615, days: 5_000, seed: 7)
        var longOnly = BacktestConfiguration()
        longOnly.trials = 10
        var longShort = BacktestConfiguration()
        longShort.mode = .longShort
        longShort.sizing = .fixedFraction(0.002)
        longShort.stopLoss = 0.08
        longShort.takeProfit = 0.15
        longShort.slippageBps = 5
        func threadCPUSeconds() -> Double {
            var now = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
            return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
        }
        func fastest(_ configuration: BacktestConfiguration) -> (seconds: Double, cpu: Double, trades: Int) {
            var trades = BacktestReport.run(prices: prices, decisions: decisions, configuration: configuration).metrics.numTrades
            var times: [Double] = [], cpu: [Double] = []
            for _ in 0..<7 {
                let start = DispatchTime.now().uptimeNanoseconds, startCPU = threadCPUSeconds()
                let report = BacktestReport.run(prices: prices, decisions: decisions, configuration: configuration)
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                cpu.append(threadCPUSeconds() - startCPU)
                trades = report.metrics.numTrades
            }
            return (times.min()!, cpu.min()!, trades)
        }
        let a = fastest(longOnly), b = fastest(longShort)
        FileHandle.standardError.write(Data("bench: backtest long_only \(a.trades) trades, long_short+stops \(b.trades) trades\n".utf8))
        return [
            BenchFigure(name: "backtest_615x5000_s", value: a.seconds, unit: "s", target: "<= 0.05 (long_only, equal weight, full stats)"),
            BenchFigure(name: "backtest_615x5000_cpu_s", value: a.cpu, unit: "s", target: "thread CPU time of the same run (load-independent)"),
            BenchFigure(name: "backtest_615x5000_long_short_stops_s", value: b.seconds, unit: "s", target: "<= 0.05 (fixed fraction, stops, slippage)"),
        ]
    }
}

/// A seeded random market for the backtest benchmark: (D, N) prices (1% synthetic bars) and decisions.
enum BacktestBenchFixture {
    static func make(assets n: Int, days: Int, seed: UInt64) -> (PriceMatrix, DecisionMatrix) {
        var state = seed &+ 0x9E37_79B9_7F4A_7C15
        func next() -> Double {   // SplitMix64 → [0, 1)
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
        }
        let cells = n * days
        var open = [Double](repeating: 0, count: cells), high = open, low = open, close = open
        var status = [UInt8](repeating: BarStatus.real.rawValue, count: cells)
        var decisions = [Int8](repeating: 0, count: cells)
        var last = [Double](repeating: 100, count: n)
        for d in 0..<days {
            for a in 0..<n {
                let cell = d * n + a
                let o = last[a] * (1 + (next() - 0.5) * 0.01)
                let c = o * (1 + (next() - 0.5) * 0.04)
                open[cell] = o
                close[cell] = c
                high[cell] = max(o, c) * (1 + next() * 0.01)
                low[cell] = min(o, c) * (1 - next() * 0.01)
                last[a] = c
                if next() < 0.01 { status[cell] = BarStatus.synthetic.rawValue }
                let u = next()
                decisions[cell] = u < 0.03 ? 1 : u < 0.06 ? -1 : 0
            }
        }
        let dates = (0..<days).map { DayNumber(10_000 + $0) }
        let prices = PriceMatrix(tickers: (0..<n).map { "A\($0)" }, dates: dates, open: open, high: high, low: low,
                                 close: close, status: status)
        return (prices, DecisionMatrix(decisions: decisions, assetCount: n, startRow: 0, endRow: days - 1))
    }
}
