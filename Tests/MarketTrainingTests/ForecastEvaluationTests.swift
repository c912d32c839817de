// ForecastCollector and ForecastEvaluation: synthetic and out-of-range targets are never scored; same targets for all; DM sign.
import Foundation
import XCTest
import MarketData
import MarketModel
import MarketTensor
@testable import MarketTraining
import MarketSupport

final class ForecastEvaluationTests: XCTestCase {
    func testSyntheticAndBeyondLimitTargetsAreNotScoredAndEveryForecasterSharesTheTargets() throws {
        var store = WalkForwardFineTunerTests.store(bars: 600)
        for bar in 300..<320 { store.assets[0].isSynthetic[bar] = true }
        let (model, _) = WalkForwardFineTunerTests.model()
        let normalizer = FeatureNormalizer.fitted(store, ranges: store.assets.map { 0..<$0.count })
        let collector = ForecastCollector(store: store, normalizer: normalizer)
        let limits = store.assets.map { _ in 400 }
        var rows = collector.modelRows(model, origins: store.assets.map { _ in 250..<450 }, limits: limits)
        collector.attachBaselines(to: &rows, trainingEnd: store.assets.map { _ in 245 })
        let h = rows.horizon
        var scored = 0
        for s in 0..<rows.count {
            XCTAssertTrue((250..<450).contains(rows.origins[s]))
            for k in 0..<h {
                let bar = rows.origins[s] + 1 + k
                let value = rows.targets[s * h + k]
                if bar >= 400 || store.assets[rows.assets[s]].isSynthetic[bar] { XCTAssertTrue(value.isNaN, "bar \(bar) scored") }
                else {
                    XCTAssertEqual(value, Double(store.assets[rows.assets[s]].logReturns[bar]))
                    scored += 1
                }
            }
        }
        XCTAssertEqual(scored, rows.scoredTargetCount)
        let evaluation = ForecastEvaluation(rows)
        XCTAssertEqual(Set(evaluation.scores.keys), ["model", "rw", "ewma", "garch", "garch_t"])
        for card in evaluation.scores.values { XCTAssertEqual(card.count, scored) }
        XCTAssertEqual(evaluation.perHorizon["model"]?.count, h)
        XCTAssertEqual(Set(evaluation.dieboldMariano.keys), ["rw", "ewma", "garch", "garch_t"])
    }

    func testModelWithTheTrueVarianceBeatsAMisscaledBaselineInTheDieboldMarianoTest() {
        var rng = RandomGenerator(seed: 3)
        let s = 2000, h = 2
        var rows = ForecastRows(horizon: h)
        for i in 0..<s {
            rows.assets.append(i % 4); rows.origins.append(i / 4); rows.days.append(DayNumber(i / 4)); rows.categories.append(0)
            for _ in 0..<h {
                rows.targets.append(0.01 * Double(rng.nextNormal()))
                rows.model.append(.gaussian(mean: 0, variance: 1e-4))
            }
        }
        rows.baselines[.ewma] = .gaussian(mean: [Double](repeating: 0, count: s * h), variance: [Double](repeating: 4e-4, count: s * h))
        let evaluation = ForecastEvaluation(rows)
        let model = evaluation.scores["model"]!
        XCTAssertEqual(model.coverage90, 0.9, accuracy: 0.015)
        XCTAssertEqual(model.coverage50, 0.5, accuracy: 0.02)
        XCTAssertLessThan(model.nll, evaluation.scores["ewma"]!.nll)
        let test = evaluation.dieboldMariano["ewma"]!
        XCTAssertLessThan(test.statistic, -5)
        XCTAssertLessThan(test.pValue, 1e-4)
        XCTAssertGreaterThanOrEqual(test.lags, h - 1)
    }

    func testWindowCSVHasOneRowPerWindowAndNamedColumns() throws {
        let (result, _, _) = try WalkForwardFineTunerTests.run(WalkForwardFineTunerTests.store(bars: 1200))
        let lines = WalkForwardReport.windowCSV(result).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, result.windows.count + 1)
        let header = lines[0].split(separator: ",").map(String.init)
        for column in ["window_start", "n_targets", "nll_model", "nll_ewma", "nll_garch", "nll_rw", "coverage90_model", "crps_model", "dm_stat_garch"] {
            XCTAssertTrue(header.contains(column), column)
        }
        for line in lines.dropFirst() { XCTAssertEqual(line.split(separator: ",", omittingEmptySubsequences: false).count, header.count) }
        let svg = result.windowNLLPlot(title: "t")
        XCTAssertTrue(svg.hasPrefix("<svg") && svg.contains("<path"))
    }
}
