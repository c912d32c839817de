// The strategy report of a signal backtest: pooled and per category against equal-weight buy-and-hold, costs, PSR/DSR, classes.
import Foundation
import MarketData
import MarketSupport

/// What a portfolio manager reads about an out-of-sample period: for the pooled book and each category on its own
/// (each traded with the full capital), the strategy against its buy-and-hold — the backtester's one benchmark
/// (`Backtester.benchmark`: equal weight of every asset with signal rows in the book, bought at the first real open,
/// never rebalanced, no costs; the pooled book's is the headline backtest's `benchmark`, number for number) — trades,
/// turnover, exposure, commission and borrow paid, the probabilistic and deflated Sharpe ratios (DSR with the rule
/// search's configuration count as trials: `trials` per fitted category, `trials × fitted categories` pooled) and the
/// signals' classification. A category without a fitted rule (`unfitted`: its reason) is reported as "no rule
/// (reason)": its rows were decided by fallback thresholds nobody searched, so it adds no trials and has no DSR.
/// A plain sentence states when the edge is not significant (DSR < 0.95) and whether buy-and-hold did better.
public struct StrategyReport: Sendable {
    /// One book: the backtest and its buy-and-hold.
    public struct Book: Sendable {
        public var name: String
        /// The book's statistics (trials = `trials`), its closes' dates (R) and settings.
        public var metrics: PerformanceMetrics
        public var dates: [DayNumber]
        public var configuration: BacktestConfiguration
        /// The buy-and-hold of the book (`Backtester.benchmark` of its backtest), (R), and its statistics.
        public var buyAndHold: [Double]
        public var buyAndHoldMetrics: PerformanceMetrics
        public var commissionPaid: Double
        public var borrowPaid: Double
        /// Configurations searched for this book's rule(s); 0 for a category without a fitted rule (then no DSR).
        public var trials: Int
        /// Why the category has no fitted rule (nil: it has one, or no rule file was given).
        public var noRuleReason: String?
        public var classification: ClassificationMetrics?

        /// The plain-language verdict.
        public var verdict: String {
            let m = metrics
            var parts: [String] = []
            if let noRuleReason {
                parts.append("No rule (\(noRuleReason)): its signals came from the fallback thresholds, which were not searched, "
                             + "so it adds no trials and has no deflated Sharpe ratio"
                             + (m.numTrades == 0 ? "; it never traded." : String(format: " (PSR %.2f).", m.probabilisticSharpe.isFinite ? m.probabilisticSharpe : 0)))
            } else if m.numTrades == 0 {
                parts.append("No trade: the rule never fired.")
            } else if !(m.deflatedSharpe >= 0.95) {
                parts.append(String(format: "The edge is not significant: the deflated Sharpe ratio is %.2f (below 0.95) after %d trials (PSR %.2f).",
                                    m.deflatedSharpe.isFinite ? m.deflatedSharpe : 0, trials, m.probabilisticSharpe.isFinite ? m.probabilisticSharpe : 0))
            } else {
                parts.append(String(format: "The edge is significant at 95%%: deflated Sharpe ratio %.2f after %d trials.", m.deflatedSharpe, trials))
            }
            let b = buyAndHoldMetrics
            parts.append(String(format: "The strategy returned %.2f%% (Sharpe %.2f) against %.2f%% (Sharpe %.2f) for equal-weight buy-and-hold",
                                m.totalReturn * 100, m.sharpe.isFinite ? m.sharpe : 0, b.totalReturn * 100, b.sharpe.isFinite ? b.sharpe : 0)
                         + (m.totalReturn < b.totalReturn ? ": buy-and-hold did better." : "."))
            return parts.joined(separator: " ")
        }
    }

    public var pooled: Book
    public var categories: [Book]

    /// Backtests `records` pooled and per category (`record.category`; rows without one only count pooled), each book
    /// through `BacktestReport.run(records:prices:configuration:end:)` — the sanity gates and the buy-and-hold of the
    /// headline backtest. `trials` = configurations searched per category (1 = none); `unfitted` = categories without
    /// a fitted rule → the reason (0 trials, no DSR, "no rule (reason)"); `pooledTrials` those of the pooled book
    /// (default `trials` × the categories of `records` with a rule). Label horizons per category for the classes.
    public static func run(records: [SignalRecord], prices: PriceMatrix, configuration: BacktestConfiguration, trials: Int = 1,
                           pooledTrials: Int? = nil, unfitted: [String: String] = [:],
                           labelHorizons: [String: Int] = [:], labelHorizon: Int = 1,
                           labelThreshold: Double = SignalClassification.defaultThreshold, end: DayNumber? = nil) throws -> StrategyReport {
        let names = Array(Set(records.map(\.category).filter { !$0.isEmpty })).sorted()
        let classification = SignalClassification(records: records, prices: prices, horizon: labelHorizon, threshold: labelThreshold,
                                                  horizons: labelHorizons)
        func book(_ name: String, _ rows: [SignalRecord], trials: Int, noRule: String?, classes: ClassificationMetrics?) throws -> Book {
            var settings = configuration
            settings.trials = max(1, trials)
            let report: BacktestReport
            do { report = try BacktestReport.run(records: rows, prices: prices, configuration: settings, end: end) } catch let error as BacktestError {
                throw BacktestError("\(name): \(error.description)")
            }
            var metrics = report.metrics
            if noRule != nil { metrics.deflatedSharpe = .nan }
            return Book(name: name, metrics: metrics, dates: report.run.dates, configuration: settings, buyAndHold: report.run.benchmark,
                        buyAndHoldMetrics: report.benchmarkMetrics,
                        commissionPaid: report.run.trades.reduce(0) { $0 + $1.commission },
                        borrowPaid: report.run.trades.reduce(0) { $0 + $1.borrow }, trials: noRule == nil ? settings.trials : 0,
                        noRuleReason: noRule, classification: classes)
        }
        let fitted = names.filter { unfitted[$0] == nil }.count
        let pooled = try book("pooled", records, trials: pooledTrials ?? trials * max(1, fitted), noRule: nil, classes: classification.pooled)
        var categories: [Book] = []
        for name in names {
            categories.append(try book(name, records.filter { $0.category == name }, trials: trials, noRule: unfitted[name],
                                       classes: classification.byCategory[name]))
        }
        return StrategyReport(pooled: pooled, categories: categories)
    }

    /// The JSON object (`strategy` in metrics.json): one entry per book.
    public var jsonObject: [String: Any] {
        func number(_ x: Double) -> Any { x.isFinite ? x : NSNull() }
        func object(_ book: Book) -> [String: Any] {
            let m = book.metrics, b = book.buyAndHoldMetrics
            var o: [String: Any] = [
                "total_return": number(m.totalReturn), "sharpe": number(m.sharpe), "max_drawdown": number(m.maxDrawdown),
                "num_trades": m.numTrades, "exposure": number(m.exposure), "turnover": number(m.turnover),
                "commission_paid": number(book.commissionPaid), "borrow_paid": number(book.borrowPaid),
                "probabilistic_sharpe": number(m.probabilisticSharpe), "deflated_sharpe": number(m.deflatedSharpe), "trials": book.trials,
                "no_rule_reason": book.noRuleReason ?? NSNull(),
                "buy_and_hold_total_return": number(b.totalReturn), "buy_and_hold_sharpe": number(b.sharpe),
                "buy_and_hold_max_drawdown": number(b.maxDrawdown), "verdict": book.verdict,
                "start_date": book.dates.first.map(CivilDate.isoString) ?? "",
                "end_date": book.dates.last.map(CivilDate.isoString) ?? "",
            ]
            if let c = book.classification {
                o["macro_f1"] = number(c.macroF1)
                o["accuracy"] = number(c.accuracy)
                let baselines = SignalClassification.baselines(of: c)
                o["constant_hold_macro_f1"] = number(baselines.constantHold.macroF1)
                o["random_macro_f1"] = number(baselines.random.macroF1)
            }
            return o
        }
        var out: [String: Any] = ["pooled": object(pooled)]
        out["categories"] = Dictionary(uniqueKeysWithValues: categories.map { ($0.name, object($0)) })
        return out
    }

    /// A Markdown report: one table (pooled first, then categories) and each book's verdict.
    public var markdown: String {
        func p(_ x: Double) -> String { x.isFinite ? String(format: "%.2f%%", x * 100) : "n/a" }
        func r(_ x: Double) -> String { x.isFinite ? String(format: "%.2f", x) : "n/a" }
        func f(_ x: Double?) -> String { x.map { $0.isFinite ? String(format: "%.3f", $0) : "n/a" } ?? "n/a" }
        var lines = ["# Strategy report", ""]
        let first = pooled.dates.first.map(CivilDate.isoString) ?? "", last = pooled.dates.last.map(CivilDate.isoString) ?? ""
        lines.append("Period \(first) → \(last), mode \(pooled.configuration.mode.rawValue), commission "
                     + p(pooled.configuration.commission) + ", slippage \(pooled.configuration.slippageBps) bps, borrow "
                     + p(pooled.configuration.borrowRate) + "/year. B&H (the backtest's benchmark): \(Backtester.benchmarkDefinition).")
        lines.append("")
        lines.append("| book | return | Sharpe | max DD | B&H return | B&H Sharpe | trades | exposure | turnover/yr | commission | borrow | PSR | DSR (trials) | macro-F1 | HOLD F1 | random F1 |")
        lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for book in [pooled] + categories {
            let m = book.metrics, b = book.buyAndHoldMetrics
            let baselines = book.classification.map { SignalClassification.baselines(of: $0) }
            lines.append("| \(book.name) | \(p(m.totalReturn)) | \(r(m.sharpe)) | \(p(m.maxDrawdown)) | \(p(b.totalReturn)) | \(r(b.sharpe)) | "
                         + "\(m.numTrades) | \(p(m.exposure)) | \(r(m.turnover)) | \(String(format: "%.2f", book.commissionPaid)) | "
                         + "\(String(format: "%.2f", book.borrowPaid)) | \(r(m.probabilisticSharpe)) | "
                         + (book.noRuleReason.map { "no rule (\($0))" } ?? "\(r(m.deflatedSharpe)) (\(book.trials))") + " | "
                         + "\(f(book.classification?.macroF1)) | \(f(baselines?.constantHold.macroF1)) | \(f(baselines?.random.macroF1)) |")
        }
        lines.append("")
        for book in [pooled] + categories { lines.append("- **\(book.name)**: \(book.verdict)") }
        return lines.joined(separator: "\n") + "\n"
    }
}
