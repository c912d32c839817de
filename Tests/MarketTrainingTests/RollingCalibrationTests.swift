// The causal rolling recalibration: the look-ahead canary (poison every bar after the as-of date → the calibration used at that
// date is byte-identical), it follows a regime shift a static calibration misses, and it is chosen on validation only when it wins.
import Foundation
import XCTest
import MarketData
import MarketModel
@testable import MarketTraining
import MarketSupport

final class RollingCalibrationTests: XCTestCase {
    /// The model's rows of category 0 of `store` from bar 300 on (every origin), and their target days.
    static func rows(_ store: FeatureStore) -> (ForecastRows, [DayNumber]) {
        let (model, _) = WalkForwardFineTunerTests.model()
        let normalizer = FeatureNormalizer.fitted(store, ranges: store.assets.map { 0..<min($0.count, 400) })
        let collector = ForecastCollector(store: store, normalizer: normalizer)
        let rows = collector.modelRows(model, origins: store.assets.map { 300..<($0.count - 1) }, limits: store.assets.map(\.count))
        return (rows, rows.targetDays(store: store))
    }

    /// The fits at `asOf` for every step, as JSON bytes.
    static func fitted(_ rolling: RollingCalibration, asOf: DayNumber, events: RollingCalibration.Events, horizon: Int) throws -> Data {
        struct Fit: Encodable { var factor: Double; var map: PITMap? }
        let fits = (0..<horizon).map { rolling.fit(asOf: asOf, step: $0, events: events).map { Fit(factor: $0.factor, map: $0.map) } }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(fits)
    }

    func testPoisoningEveryBarAfterTheAsOfDateLeavesTheCalibrationUsedAtThatDateByteIdentical() throws {
        let store = WalkForwardFineTunerTests.store()
        let asOf = store.assets[0].dates[900]
        let rolling = RollingCalibration(windowDays: 365, quantileMap: true, minimumTargets: 50)
        let (rows, days) = Self.rows(store)
        let h = rows.horizon
        let events = RollingCalibration.Events([(rows, days)], category: 0, horizon: h)
        let poisonedStore = WalkForwardFineTunerTests.altered(store, from: asOf + 1, factor: 3)
        let (poisoned, poisonedDays) = Self.rows(poisonedStore)
        let poisonedEvents = RollingCalibration.Events([(poisoned, poisonedDays)], category: 0, horizon: h)
        let clean = try Self.fitted(rolling, asOf: asOf, events: events, horizon: h)
        XCTAssertTrue(String(decoding: clean, as: UTF8.self).contains("knots"), "a map was fitted at the as-of date")
        XCTAssertEqual(try Self.fitted(rolling, asOf: asOf, events: poisonedEvents, horizon: h), clean, "the calibration used at the as-of date")
        // The recalibrated forecasts made on or before the as-of date are byte-identical too.
        let early = rows.filtered { rows.days[$0] <= asOf }, poisonedEarly = poisoned.filtered { poisoned.days[$0] <= asOf }
        let a = rolling.applied(to: early, category: 0, categoryName: "cat0", events: events, fallback: nil)
        let b = rolling.applied(to: poisonedEarly, category: 0, categoryName: "cat0", events: poisonedEvents, fallback: nil)
        XCTAssertEqual(a.model, b.model)
        // The poison is visible to a later as-of date (the canary can fail).
        let later = store.assets[0].dates[1200]
        XCTAssertNotEqual(try Self.fitted(rolling, asOf: later, events: poisonedEvents, horizon: h), try Self.fitted(rolling, asOf: later, events: events, horizon: h))
    }

    /// One-step N(0, 1) forecasts on days 0..<n (target day = origin + 1) whose targets have sd 1 before `shift` and `sd` after.
    static func shiftedRows(n: Int, shift: Int, sd: Double, seed: UInt64 = 3) -> (ForecastRows, [DayNumber]) {
        var random = SeededRandom(seed: seed)
        var rows = ForecastRows(horizon: 1)
        for i in 0..<n {
            for asset in 0..<4 {
                rows.assets.append(asset); rows.origins.append(i); rows.days.append(DayNumber(i)); rows.categories.append(0)
                rows.targets.append(random.gaussian() * (i + 1 >= shift ? sd : 1))
            }
        }
        rows.model = .gaussian(mean: [Double](repeating: 0, count: rows.count), variance: [Double](repeating: 1, count: rows.count))
        return (rows, rows.days.map { $0 + 1 })
    }

    func testTheRollingScaleFollowsARegimeShiftAndIsChosenOnValidationOnlyWhenItWins() throws {
        let (rows, days) = Self.shiftedRows(n: 600, shift: 400, sd: 3)
        let events = RollingCalibration.Events([(rows, days)], category: 0, horizon: 1)
        let rolling = RollingCalibration(windowDays: 91, quantileMap: false)
        XCTAssertEqual(try XCTUnwrap(rolling.fit(asOf: 399, step: 0, events: events)).factor, 1, accuracy: 0.1)
        XCTAssertEqual(try XCTUnwrap(rolling.fit(asOf: 590, step: 0, events: events)).factor, 3, accuracy: 0.3)
        XCTAssertNil(rolling.fit(asOf: 10, step: 0, events: events), "too few realised targets")
        // Coverage after the shift: the static calibration fitted before it misses, the rolling one recovers.
        let before = rows.filtered { rows.days[$0] < 400 }, after = rows.filtered { rows.days[$0] >= 500 }
        let fixed = PredictiveCalibration.fit(before, categoryNames: ["cat0"], fittedOn: "before", method: .varianceScale)
        let staticCoverage = ForecastEvaluation(fixed.applied(to: after, categoryNames: ["cat0"])).scores["model"]!.coverage90
        let rollingCoverage = ForecastEvaluation(rolling.applied(to: after, category: 0, categoryName: "cat0", events: events, fallback: fixed)).scores["model"]!.coverage90
        XCTAssertLessThan(staticCoverage, 0.6)
        XCTAssertEqual(rollingCoverage, 0.9, accuracy: 0.04)
        // Chosen on a validation period with the shift in its later half; not chosen on a stable one.
        let shifted = try XCTUnwrap(RollingCalibration.choose(validation: rows, targetDays: days, category: 0, categoryNames: ["cat0"], method: .varianceScale))
        XCTAssertNotNil(shifted.chosen)
        XCTAssertLessThan(shifted.candidates[shifted.chosen!.name]!, shifted.staticNLL)
        let (stable, stableDays) = Self.shiftedRows(n: 600, shift: 10_000, sd: 1)
        let calm = try XCTUnwrap(RollingCalibration.choose(validation: stable, targetDays: stableDays, category: 0, categoryNames: ["cat0"], method: .varianceScale))
        XCTAssertEqual(calm.candidates.count, RollingCalibration.candidates.count)
        XCTAssertEqual(calm.targets, stable.filtered { stable.days[$0] >= 300 }.scoredTargetCount)
    }

    /// The choice records each candidate's validation coverage: the figures `ForecastEvaluation` gives for the same
    /// calibrated later half, and the static calibration fitted before a volatility shift under-covers where the rolling one does not.
    func testTheChoiceRecordsTheValidationCoverageEvaluationGivesForTheSameRows() throws {
        let (rows, days) = Self.shiftedRows(n: 600, shift: 400, sd: 3)
        let choice = try XCTUnwrap(RollingCalibration.choose(validation: rows, targetDays: days, category: 0, categoryNames: ["cat0"], method: .varianceScale))
        let c50 = try XCTUnwrap(choice.coverage50), c90 = try XCTUnwrap(choice.coverage90)
        XCTAssertEqual(Set(c50.keys), Set(RollingCalibration.candidates.map(\.name) + [RollingChoice.staticKey]))
        XCTAssertEqual(Set(c90.keys), Set(c50.keys))
        let median = rows.days.sorted()[rows.count / 2]
        let earlier = rows.filtered { rows.days[$0] < median }, later = rows.filtered { rows.days[$0] >= median }
        let fixed = PredictiveCalibration.fit(earlier, categoryNames: ["cat0"], fittedOn: "earlier half of the validation period",
                                              minimumTargets: 100, method: .varianceScale)
        let events = RollingCalibration.Events([(rows, days)], category: 0, horizon: 1)
        for candidate in RollingCalibration.candidates {
            let card = try XCTUnwrap(ForecastEvaluation(candidate.applied(to: later, category: 0, categoryName: "cat0", events: events, fallback: fixed)).scores["model"])
            XCTAssertEqual(c50[candidate.name]!, card.coverage50, accuracy: 1e-12, candidate.name)
            XCTAssertEqual(c90[candidate.name]!, card.coverage90, accuracy: 1e-12, candidate.name)
            XCTAssertEqual(choice.candidates[candidate.name]!, card.nll, accuracy: 1e-9, candidate.name)
        }
        let staticCard = try XCTUnwrap(ForecastEvaluation(fixed.applied(to: later, categoryNames: ["cat0"])).scores["model"])
        XCTAssertEqual(c90[RollingChoice.staticKey]!, staticCard.coverage90, accuracy: 1e-12)
        XCTAssertLessThan(c90[RollingChoice.staticKey]!, 0.8, "the static scale fitted before the shift under-covers")
        XCTAssertGreaterThan(c90[try XCTUnwrap(choice.chosen).name]!, c90[RollingChoice.staticKey]!)
        // The report's JSON carries them (snake_case keys) and reads them back.
        let decoded = try JSONDecoder().decode(RollingChoice.self, from: JSONEncoder().encode(choice))
        XCTAssertEqual(decoded, choice)
        XCTAssertTrue(String(decoding: try JSONEncoder().encode(choice), as: UTF8.self).contains("\"coverage_90\""))
    }

    func testTheStandardisedMinimiserMatchesTheLawMinimiser() {
        var random = SeededRandom(seed: 9)
        let laws = (0..<500).map { _ in PredictiveLaw.studentT(mean: random.gaussian() * 0.01, variance: 0.0004 * (1 + random.uniform()), degreesOfFreedom: 5) }
        let targets = laws.map { $0.mean + 1.7 * $0.variance.squareRoot() * random.gaussian() }
        let z = zip(laws, targets).map { ($1 - $0.locations[0]) / $0.scales[0] }
        XCTAssertEqual(RollingCalibration.bestFactor(standardized: z[...], family: laws[0].family),
                       PredictiveCalibration.bestFactor(laws: laws, targets: targets), accuracy: 1e-4)
    }
}
