// The rolling recalibration of a mixture predictive (MC dropout × ensemble members), as the experiment applies it: the
// look-ahead canary (poison every bar after a date → every recalibrated mixture forecast made by then byte-identical), and
// the mixture really is recalibrated as of each date (not left static, still a mixture).
import Foundation
import XCTest
import MarketData
import MarketModel
@testable import MarketTraining
import MarketSupport

final class RollingMixtureTests: XCTestCase {
    /// Two members × 3 MC-dropout passes on category 0 of `store`, origins at bars 500..<1000; the earlier rows (origin
    /// before `split`) and the later ones, each with its target days.
    static func mixtureRows(_ store: FeatureStore, split: DayNumber) -> (earlier: (ForecastRows, [DayNumber]), later: ForecastRows) {
        var config = WalkForwardFineTunerTests.model().0.config
        config.dropout = 0.1
        let members = [MarketGPT(config: config, seed: 7), MarketGPT(config: config, seed: 8)]
        let normalizer = FeatureNormalizer.fitted(store, ranges: store.assets.map { 0..<min($0.count, 400) })
        let rows = ForecastCollector(store: store, normalizer: normalizer)
            .modelRows(members, samples: 3, seed: 11, origins: store.assets.map { 500..<min(1000, $0.count - 1) }, limits: store.assets.map(\.count))
        let earlier = rows.filtered { rows.days[$0] < split }
        return ((earlier, earlier.targetDays(store: store)), rows.filtered { rows.days[$0] >= split })
    }

    func testAMixtureIsRecalibratedAsOfEachDateFromItsOwnPastLawsAndReadsNothingAfterIt() throws {
        let store = WalkForwardFineTunerTests.store()
        let split = store.assets[0].dates[750], asOf = store.assets[0].dates[850]
        let rolling = RollingCalibration(windowDays: 182, quantileMap: true, minimumTargets: 50)
        let (earlier, later) = Self.mixtureRows(store, split: split)
        XCTAssertEqual(later.model.members, 6, "2 members × 3 passes")
        let fallback = PredictiveCalibration.fit(earlier.0, categoryNames: ["cat0"], fittedOn: "earlier", minimumTargets: 50, method: .varianceScale)
        func calibrated(_ rows: ForecastRows, _ earlier: (ForecastRows, [DayNumber]), _ store: FeatureStore) -> ForecastRows {
            ExperimentRunner.calibrated(rows, rolling: rolling, earlier: earlier, store: store, category: 0, name: "cat0",
                                        fallback: fallback, categoryNames: ["cat0"])
        }
        let clean = calibrated(later, earlier, store)
        XCTAssertEqual(clean.model.members, 6, "still the mixture after recalibration")
        // Not the static calibration: the rolling one refits as of each origin (this fails if the mixture ignores it).
        let fixed = fallback.applied(to: later, categoryNames: ["cat0"])
        XCTAssertNotEqual(clean.filtered { clean.days[$0] <= asOf }.model, fixed.filtered { fixed.days[$0] <= asOf }.model)
        XCTAssertEqual(ExperimentRunner.calibrated(later, rolling: nil, earlier: earlier, store: store, category: 0, name: "cat0",
                                                   fallback: fallback, categoryNames: ["cat0"]).model, fixed.model)
        // Canary: every bar after the as-of date poisoned → every recalibrated forecast made by then byte-identical.
        let poisonedStore = WalkForwardFineTunerTests.altered(store, from: asOf + 1, factor: 3)
        let (poisonedEarlier, poisonedLater) = Self.mixtureRows(poisonedStore, split: split)
        let poisoned = calibrated(poisonedLater, poisonedEarlier, poisonedStore)
        let early = clean.filtered { clean.days[$0] <= asOf }, poisonedEarly = poisoned.filtered { poisoned.days[$0] <= asOf }
        XCTAssertGreaterThan(early.count, 50)
        XCTAssertEqual(early.model, poisonedEarly.model)
        // The canary can fail: later forecasts (and their calibration) see the poison.
        XCTAssertNotEqual(clean.filtered { clean.days[$0] > asOf }.model, poisoned.filtered { poisoned.days[$0] > asOf }.model)
    }

    func testTheMixtureMinimiserMatchesTheLawMinimiser() throws {
        var random = SeededRandom(seed: 4)
        for family in [LawFamily.gaussian, .studentT(degreesOfFreedom: 5)] {
            let laws = (0..<300).map { _ in
                PredictiveLaw(family: family, locations: (0..<4).map { _ in random.gaussian() * 0.01 }, scales: (0..<4).map { _ in 0.01 * (1 + random.uniform()) })
            }
            let targets = laws.map { $0.mean + 1.6 * $0.variance.squareRoot() * random.gaussian() }
            let z = zip(laws, targets).flatMap { law, y in (0..<4).map { (y - law.locations[$0]) / law.scales[$0] } }
            let logScales = laws.flatMap { $0.scales.map { log($0) } }
            XCTAssertEqual(RollingCalibration.bestFactor(standardized: z[...], logScales: logScales[...], members: 4, family: family),
                           PredictiveCalibration.bestFactor(laws: laws, targets: targets), accuracy: 1e-4, "\(family)")
            // Events of such laws take the mixture path.
            let events = RollingCalibration.Events([laws.indices.map { RollingCalibration.Events.Event(day: DayNumber($0), law: laws[$0], target: targets[$0]) }])
            XCTAssertEqual(events.members, [4]); XCTAssertEqual(events.family, [family])
            let fit = RollingCalibration(windowDays: 2000, quantileMap: false, minimumTargets: 10).fit(asOf: 1000, step: 0, events: events)
            XCTAssertEqual(try XCTUnwrap(fit).factor, PredictiveCalibration.bestFactor(laws: laws, targets: targets), accuracy: 1e-4)
        }
    }
}
