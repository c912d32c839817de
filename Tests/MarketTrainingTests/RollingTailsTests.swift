// Rolling tail recalibration: the refitted ν recovers the targets' tails and fixes the central coverage a scale alone cannot,
// it reads only targets realised by its anchor (canary), its objective is the laws' own NLL, and the stored form is checked.
import Foundation
import XCTest
import MarketData
import MarketModel
@testable import MarketTraining
import MarketSupport

final class RollingTailsTests: XCTestCase {
    /// One-step forecasts t_5(location 0, scale 1) for `assets` assets on days 0..<n (target day = origin + 1) whose targets
    /// are `scale` · t_ν draws (inverse CDF of seeded uniforms): a model whose tails are too thin when ν < 5.
    static func rows(n: Int, assets: Int = 16, nu: Double, scale: Double, seed: UInt64 = 11) -> (ForecastRows, [DayNumber]) {
        var random = SeededRandom(seed: seed)
        var rows = ForecastRows(horizon: 1)
        for i in 0..<n {
            for asset in 0..<assets {
                rows.assets.append(asset); rows.origins.append(i); rows.days.append(DayNumber(i)); rows.categories.append(0)
                rows.targets.append(scale * StudentTDistribution.quantile(random.uniformOpen(), degreesOfFreedom: nu))
            }
        }
        rows.model = .studentT(mean: [Double](repeating: 0, count: rows.count), variance: [Double](repeating: 5.0 / 3.0, count: rows.count),
                               degreesOfFreedom: [Double](repeating: 5, count: rows.count))
        return (rows, rows.days.map { $0 + 1 })
    }

    func testRefittedTailsRecoverTheTargetsDegreesOfFreedomAndCoverTheCentralIntervalWhereAScaleAloneOverCovers() throws {
        let (rows, days) = Self.rows(n: 800, assets: 12, nu: 3, scale: 0.8)
        let events = RollingCalibration.Events([(rows, days)], category: 0, horizon: 1)
        let tails = RollingCalibration(windowDays: 365, quantileMap: false, refitsTails: true)
        XCTAssertEqual(tails.name, "rolling_tails_365d")
        let fit = try XCTUnwrap(tails.fit(asOf: 799, step: 0, events: events))
        XCTAssertEqual(try XCTUnwrap(fit.degreesOfFreedom), 3, accuracy: 0.4)
        XCTAssertEqual(fit.factor, 0.8, accuracy: 0.05)
        XCTAssertNil(try XCTUnwrap(tails.fit(asOf: 40, step: 0, events: events)).degreesOfFreedom,
                     "fewer than tailMinimumTargets events by the anchor (day 28): the scale alone")
        let later = rows.filtered { rows.days[$0] >= 400 }
        let scaleOnly = try XCTUnwrap(ForecastEvaluation(RollingCalibration(windowDays: 365, quantileMap: false)
            .applied(to: later, category: 0, categoryName: "cat0", events: events, fallback: nil)).scores["model"])
        let refitted = try XCTUnwrap(ForecastEvaluation(tails.applied(to: later, category: 0, categoryName: "cat0", events: events, fallback: nil)).scores["model"])
        XCTAssertGreaterThan(scaleOnly.coverage50, 0.515, "t_5 laws scaled to t_3 targets over-cover the 50 % interval")
        XCTAssertEqual(refitted.coverage50, 0.5, accuracy: 0.015)
        XCTAssertEqual(refitted.coverage90, 0.9, accuracy: 0.015)
        XCTAssertLessThan(refitted.nll, scaleOnly.nll)
        // On validation the tails candidate beats the scale alone, so `choose` can pick it.
        let choice = try XCTUnwrap(RollingCalibration.choose(validation: rows, targetDays: days, category: 0, categoryNames: ["cat0"], method: .varianceScale))
        XCTAssertLessThan(choice.candidates["rolling_tails_365d"]!, choice.candidates["rolling_scale_365d"]!)
        XCTAssertTrue(try XCTUnwrap(choice.chosen).refitsTails)
    }

    func testTheTailsReadOnlyTargetsRealisedByTheAnchorAndTheCalibrationAtADateOnlyTargetsRealisedByIt() throws {
        let (rows, days) = Self.rows(n: 800, nu: 3, scale: 1)
        let tails = RollingCalibration(windowDays: 365, quantileMap: true, refitsTails: true)
        let asOf: DayNumber = 700
        let anchor = DayNumber(RollingCalibration.tailAnchor(Int(asOf)))
        XCTAssertTrue(anchor <= asOf && asOf - anchor < DayNumber(RollingCalibration.tailRefitDays) && Int(anchor) % RollingCalibration.tailRefitDays == 0)
        /// `rows` with the targets realised after day `day` multiplied by 4.
        func poisoned(after day: DayNumber) -> RollingCalibration.Events {
            var out = rows
            for k in out.targets.indices where days[k] > day { out.targets[k] *= 4 }
            return RollingCalibration.Events([(out, days)], category: 0, horizon: 1)
        }
        let clean = RollingCalibration.Events([(rows, days)], category: 0, horizon: 1)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        func bytes(_ events: RollingCalibration.Events, _ day: DayNumber) throws -> Data {
            try encoder.encode(tails.calibration(asOf: day, events: events, fallback: nil, categoryName: "cat0", horizon: 1))
        }
        XCTAssertEqual(try bytes(poisoned(after: asOf), asOf), try bytes(clean, asOf), "the calibration used at the as-of date")
        let nu = try XCTUnwrap(tails.tails(asOf: asOf, step: 0, events: clean))
        XCTAssertEqual(tails.tails(asOf: asOf, step: 0, events: poisoned(after: anchor)), nu, "ν reads only targets realised by the anchor")
        XCTAssertEqual(tails.tails(asOf: anchor, step: 0, events: clean), nu, "one ν from the anchor to the next")
        // The canaries can fail: poison before the anchor moves ν, poison before the as-of date moves the calibration.
        XCTAssertNotEqual(tails.tails(asOf: asOf, step: 0, events: poisoned(after: anchor - 100)), nu)
        XCTAssertNotEqual(try bytes(poisoned(after: asOf - 5), asOf), try bytes(clean, asOf))
        // The as-of calibration carries ν and applying it to a forecast of that date equals the rolling application.
        let calibration = tails.calibration(asOf: asOf, events: clean, fallback: nil, categoryName: "cat0", horizon: 1)
        XCTAssertEqual(calibration.degreesOfFreedom(category: "cat0", step: 0), nu)
        let those = rows.filtered { rows.days[$0] == asOf }
        XCTAssertEqual(calibration.applied(to: those, categoryNames: ["cat0"]).model,
                       tails.applied(to: those, category: 0, categoryName: "cat0", events: clean, fallback: nil).model)
        XCTAssertEqual(calibration.apply(those.model[0], category: "cat0", step: 0).family, .studentT(degreesOfFreedom: nu))
    }

    /// The profiled objective is the laws' own mean NLL once ν and c are applied (one member: up to the mean ln scale, which
    /// depends on neither), for one-member laws and for mixtures.
    func testTheTailObjectiveIsTheMeanNegativeLogLikelihoodOfTheReshapedLaws() {
        var random = SeededRandom(seed: 5)
        for members in [1, 4] {
            var events = [RollingCalibration.Events.Event]()
            for day in 0..<300 {
                let locations = (0..<members).map { _ in 0.01 * random.gaussian() }
                let scales = (0..<members).map { _ in 0.02 * (1 + random.uniform()) }
                let law = PredictiveLaw(family: .studentT(degreesOfFreedom: 5), locations: locations, scales: scales)
                events.append(.init(day: DayNumber(day), law: law, target: 0.03 * StudentTDistribution.quantile(random.uniformOpen(), degreesOfFreedom: 3)))
            }
            let all = RollingCalibration.Events([events])
            for (nu, c) in [(3.0, 0.9), (12.0, 1.3)] {
                let loss = RollingCalibration.loss(events: all, step: 0, range: 0..<300, family: .studentT(degreesOfFreedom: nu))(log(c))
                let nll = events.map { $0.law.reshaped(degreesOfFreedom: nu).scaled(by: c).negativeLogLikelihood($0.target) }.reduce(0, +) / 300
                let offset = members == 1 ? events.map { log($0.law.scales[0]) }.reduce(0, +) / 300 : 0
                XCTAssertEqual(loss + offset, nll, accuracy: 1e-9, "M = \(members), ν = \(nu)")
            }
        }
    }

    func testTheStoredFormsRefuseAnOutOfRangeDegreesOfFreedomAndReadOldChoices() throws {
        var calibration = PredictiveCalibration(fittedOn: "test", factors: ["crypto": [1, 1]], targets: ["crypto": 10])
        calibration.degreesOfFreedom = ["crypto": [3.5, nil]]
        let json = try calibration.jsonString()
        XCTAssertTrue(json.contains("\"degrees_of_freedom\":{\"crypto\":[3.5,null]}"), json)
        XCTAssertEqual(try JSONDecoder().decode(PredictiveCalibration.self, from: Data(json.utf8)), calibration)
        XCTAssertEqual(calibration.degreesOfFreedom(category: "crypto", step: 1), nil)
        let bad = json.replacingOccurrences(of: "[3.5,null]", with: "[3.5,1.5]")
        XCTAssertThrowsError(try PredictiveCalibration.read(["calibration": bad], file: "m.safetensors")) { error in
            XCTAssertTrue("\(error)".contains("degrees_of_freedom") && "\(error)".contains("crypto step 2") && "\(error)".contains("m.safetensors"), "\(error)")
        }
        let old = #"{"window_days":182,"quantile_map":false,"minimum_targets":100}"#
        XCTAssertEqual(try JSONDecoder().decode(RollingCalibration.self, from: Data(old.utf8)), RollingCalibration(windowDays: 182, quantileMap: false))
        let tails = RollingCalibration(windowDays: 91, quantileMap: true, refitsTails: true)
        XCTAssertEqual(try JSONDecoder().decode(RollingCalibration.self, from: JSONEncoder().encode(tails)), tails)
        XCTAssertEqual(tails.name, "rolling_tails_map_91d")
        XCTAssertEqual(Set(RollingCalibration.candidates.map(\.name)).count, 9)
    }
}
