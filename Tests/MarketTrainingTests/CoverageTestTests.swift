// The HAC coverage test: quiet on calibrated PIT values, loud on a real miss, and honest about dependence across one day's assets.
import Foundation
import XCTest
@testable import MarketTraining
import MarketSupport

final class CoverageTestTests: XCTestCase {
    /// `days` days × `assets` assets of PIT values; `shared`: every asset of a day gets the same draw (perfectly dependent).
    static func pit(days: Int, assets: Int, shared: Bool, seed: UInt64, draw: (inout SeededRandom) -> Double) -> (pit: [Double], days: [Int]) {
        var random = SeededRandom(seed: seed)
        var pit = [Double](), ids = [Int]()
        for day in 0..<days {
            let common = draw(&random)
            for _ in 0..<assets { pit.append(shared ? common : draw(&random)); ids.append(day) }
        }
        return (pit, ids)
    }

    func testCalibratedPITIsNotFlaggedAndAnOverCoveringOneIs() {
        let uniform = Self.pit(days: 2000, assets: 5, shared: false, seed: 1) { $0.uniform() }
        let calm = CoverageTest(pit: uniform.pit, dateIDs: uniform.days, lags: 4)
        XCTAssertLessThan(abs(calm.coverage50.statistic), 3)
        XCTAssertLessThan(abs(calm.coverage90.statistic), 3)
        XCTAssertEqual(calm.coverage50.count, 2000, "one differential per day")
        // PIT squeezed towards ½ (u ↦ ½ + 0.8 (u − ½)): the 50 % interval covers 62.5 %, the 90 % one 100 %.
        let squeezed = Self.pit(days: 2000, assets: 5, shared: false, seed: 2) { 0.5 + 0.8 * ($0.uniform() - 0.5) }
        let loud = CoverageTest(pit: squeezed.pit, dateIDs: squeezed.days, lags: 4)
        XCTAssertEqual(loud.coverage50.meanDifference, 0.125, accuracy: 0.01)
        XCTAssertLessThan(loud.coverage50.pValue, 1e-6)
        XCTAssertGreaterThan(loud.coverage50.statistic, 0)
        // NaN PIT values (no valid law) are left out, not counted as misses.
        var holes = uniform.pit
        for k in stride(from: 0, to: holes.count, by: 3) { holes[k] = .nan }
        XCTAssertLessThan(abs(CoverageTest(pit: holes, dateIDs: uniform.days, lags: 4).coverage50.meanDifference), 0.02)
    }

    /// When every asset of a day moves together the effective sample is the days, not the targets: the same coverage
    /// miss has a standard error √(assets) times larger than with independent assets (a binomial interval would call both equally sure).
    func testDependenceAcrossADaysAssetsWidensTheInterval() {
        let draw: (inout SeededRandom) -> Double = { 0.5 + 0.95 * ($0.uniform() - 0.5) }
        let independent = Self.pit(days: 400, assets: 10, shared: false, seed: 3, draw: draw)
        let dependent = Self.pit(days: 400, assets: 10, shared: true, seed: 3, draw: draw)
        let a = CoverageTest(pit: independent.pit, dateIDs: independent.days, lags: 0).coverage50
        let b = CoverageTest(pit: dependent.pit, dateIDs: dependent.days, lags: 0).coverage50
        // Standard errors (mean difference / statistic): ≈ √10 apart for 10 perfectly dependent assets a day.
        let se = (a.meanDifference / a.statistic, b.meanDifference / b.statistic)
        XCTAssertEqual(se.1 / se.0, 10.0.squareRoot(), accuracy: 0.8, "independent \(se.0), dependent \(se.1)")
    }
}
