// The rule search on a hand-made panel: actions per configuration, the Sharpe and trade-rate objectives, determinism.
import XCTest
import MarketData
@testable import MarketSignals
import MarketSupport

final class SignalRuleSearchTests: XCTestCase {
    let fresh = AssetDataState(lastRealBarDate: 10, latestBarIsSynthetic: false, lastClose: 1)

    /// 3 dates × 2 assets, H = 2; asset 1 on date 2 has a synthetic bar (not decidable).
    func panel() -> SignalRulePanel {
        var panel = SignalRulePanel(dates: [8, 9, 10], tickers: ["A", "B"], horizon: 2)
        let means: [[Double]] = [[0.004, 0.001], [-0.003, -0.0002], [0.0005, 0.002]]
        for d in 0..<3 {
            for a in 0..<2 {
                let mu = means[d][a]
                let state = d == 2 && a == 1 ? AssetDataState(lastRealBarDate: 9, latestBarIsSynthetic: true, lastClose: 1)
                    : AssetDataState(lastRealBarDate: DayNumber(8 + d), latestBarIsSynthetic: false, lastClose: 1)
                let p = AssetPredictive(mean: [mu, mu], aleatoricVariance: [0.0001, 0.0001], epistemicVariance: [0.000001 * Double(a + 1), 0])
                panel.record(date: d, asset: a, forecast: AssetForecast(predictive: p, state: state, missingReason: nil),
                             base: SignalRule(confidenceThreshold: 0, minReturn: 0, maxStaleDays: 5))
            }
        }
        return panel
    }

    func testPanelActionsMatchTheRule() {
        let p = panel()
        // h = 1, min return 0.002: A on date 0 (+0.004) BUY, A on date 1 (−0.003) SELL; B's 0.002 on date 2 is synthetic.
        let (actions, decidable) = p.actions(confidenceThreshold: 0, minReturn: 0.002, horizon: 1)
        XCTAssertEqual(actions, [1, 0, -1, 0, 0, 0])
        XCTAssertEqual(decidable, 5)
        // The same as SignalRule.decide on each cell.
        let rule = SignalRule(confidenceThreshold: 0.6, minReturn: 0.001, horizon: 2)
        let mu = 0.004 * 2, sigma = (0.0001 * 2 + 0.000001).squareRoot()
        XCTAssertEqual(p.confidence[(0 * 2 + 0) * 2 + 1], NormalDistribution.cdf(mu / sigma), accuracy: 1e-12)
        XCTAssertEqual(p.actions(confidenceThreshold: rule.confidenceThreshold, minReturn: rule.minReturn, horizon: 2).actions[0], 1)
    }

    func testSharpeObjectivePicksTheBestQualifyingConfiguration() {
        let grid = SignalRuleFile.Grid(confidenceThresholds: [0.5, 0.6], minReturns: [0, 0.002], horizons: [1, 2])
        // A fake backtest: Sharpe = the number of BUYs minus SELLs; trades = fired actions × 5 (all qualify).
        var calls = 0
        let choice = SignalRuleSearch.fit(panel: panel(), grid: grid, objective: .sharpe) { actions in
            calls += 1
            let net = actions.reduce(0) { $0 + Int($1) }
            return SignalRuleEvaluation(sharpe: Double(net), totalReturn: 0, trades: actions.filter { $0 != 0 }.count * 5)
        }
        XCTAssertEqual(choice.evaluated, 8)
        XCTAssertLessThanOrEqual(calls, 8)
        // h = 1, threshold 0.5, min return 0 fires all 5 decidable cells: 3 BUY − 2 SELL = 1, the best net anywhere
        // (h = 2 with min return 0.002 also reaches 1, later in the grid and with fewer trades).
        XCTAssertEqual(choice.evaluation.sharpe, 1)
        XCTAssertEqual(choice.horizon, 1, "ties keep the first configuration in grid order")
        XCTAssertEqual(choice.minReturn, 0)
        // Too few trades everywhere: the rule never fires.
        let none = SignalRuleSearch.fit(panel: panel(), grid: grid, objective: .sharpe) { _ in SignalRuleEvaluation(sharpe: 3, totalReturn: 0, trades: 1) }
        XCTAssertEqual(none.confidenceThreshold, 1)
        XCTAssertEqual(none.minReturn, 1)
    }

    func testTradeRateObjective() {
        let grid = SignalRuleFile.Grid(confidenceThresholds: [0.5], minReturns: [0, 0.001, 0.002, 0.0035], horizons: [1])
        let choice = SignalRuleSearch.fit(panel: panel(), grid: grid, objective: .tradeRate, targetRate: 0.4) { actions in
            SignalRuleEvaluation(sharpe: 0, totalReturn: 0, trades: actions.filter { $0 != 0 }.count)
        }
        // Rates over the 5 decidable cells: min return 0 → 5/5, 0.001 → 3/5, 0.002 → 2/5, 0.0035 → 1/5.
        XCTAssertEqual(choice.minReturn, 0.002)
        XCTAssertEqual(choice.tradeRate, 0.4, accuracy: 1e-12)
    }
}
