// Chronological splits, sklearn TimeSeriesSplit behaviour, walk-forward windows with purge and embargo.
import XCTest
@testable import MarketData
import MarketSupport

final class SplitTests: XCTestCase {
    func testTimeSeriesSplitMatchesSklearn() throws {
        // sklearn: TimeSeriesSplit(n_splits=5) on 6 samples → train [0..i), test [i] for i in 1...5.
        let folds = try TimeSeriesSplit(splits: 5).folds(count: 6)
        XCTAssertEqual(folds.map(\.train), [0..<1, 0..<2, 0..<3, 0..<4, 0..<5])
        XCTAssertEqual(folds.map(\.test), [1..<2, 2..<3, 3..<4, 4..<5, 5..<6])
        // sklearn docs: TimeSeriesSplit(n_splits=3, test_size=2, gap=2) on 12 samples.
        let gapped = try TimeSeriesSplit(splits: 3, testSize: 2, gap: 2).folds(count: 12)
        XCTAssertEqual(gapped.map(\.train), [0..<4, 0..<6, 0..<8])
        XCTAssertEqual(gapped.map(\.test), [6..<8, 8..<10, 10..<12])
        // max_train_size=3 with n_splits=3 on 10 samples: test_size 2 → tests [4,6) [6,8) [8,10).
        let rolling = try TimeSeriesSplit(splits: 3, maxTrainSize: 3).folds(count: 10)
        XCTAssertEqual(rolling.map(\.train), [1..<4, 3..<6, 5..<8])
        XCTAssertEqual(rolling.map(\.test), [4..<6, 6..<8, 8..<10])
        XCTAssertThrowsError(try TimeSeriesSplit(splits: 5).folds(count: 5))
        XCTAssertThrowsError(try TimeSeriesSplit(splits: 3, testSize: 3, gap: 2).folds(count: 10))
    }

    func testChronologicalSplits() {
        let split = ChronologicalSplit.lastBars(count: 100, validationBars: 20, testBars: 10, purgeBars: 5)
        XCTAssertEqual(split, SplitRanges(train: 0..<65, validation: 70..<85, test: 90..<100))
        let dates = (0..<100).map { DayNumber($0 * 2) }
        let byDate = ChronologicalSplit.byDate(dates, validationStart: 101, testStart: 161, purgeBars: 3)
        XCTAssertEqual(byDate, SplitRanges(train: 0..<48, validation: 51..<78, test: 81..<100))
        XCTAssertEqual(ChronologicalSplit.lastBars(count: 8, validationBars: 5, testBars: 5, purgeBars: 2).train, 0..<0)
    }

    func testWalkForwardWindows() {
        // Business days from 2020-01-01 to 2020-12-31.
        let start = CivilDate.dayNumber(year: 2020, month: 1, day: 1)
        let dates = (0..<366).map { start + DayNumber($0) }.filter { CivilDate.weekday($0) < 5 }
        let splitter = WalkForwardSplitter(windowMonths: 3, purgeBars: 5, embargoBars: 2)
        let first = CivilDate.dayNumber(year: 2020, month: 4, day: 15)   // the window starts at the month's first day
        let oos = ChronologicalSplit.firstIndex(dates, onOrAfter: CivilDate.dayNumber(year: 2020, month: 10, day: 1))
        let windows = splitter.windows(dates: dates, firstEvaluation: first, end: oos)
        XCTAssertEqual(windows.map { CivilDate.isoString($0.windowStart) }, ["2020-04-01", "2020-07-01"])
        for window in windows {
            let firstOfWindow = ChronologicalSplit.firstIndex(dates, onOrAfter: window.windowStart)
            XCTAssertEqual(window.train, 0..<(firstOfWindow - 5))             // purge of H = 5 bars
            XCTAssertEqual(window.evaluation.lowerBound, firstOfWindow + 2)   // embargo of 2 bars
            XCTAssertLessThanOrEqual(window.evaluation.upperBound, oos)       // never into the final OOS period
            XCTAssertLessThanOrEqual(window.train.upperBound + 5, window.evaluation.lowerBound)
        }
        XCTAssertEqual(windows[0].evaluation.upperBound, ChronologicalSplit.firstIndex(dates, onOrAfter: windows[1].windowStart))
        XCTAssertEqual(windows[1].evaluation.upperBound, oos)
        let rolling = WalkForwardSplitter(windowMonths: 1, purgeBars: 0, rollingTrainBars: 40).windows(dates: dates, firstEvaluation: first)
        XCTAssertEqual(rolling.count, 9)
        XCTAssertTrue(rolling.allSatisfy { $0.train.count == 40 })
    }
}
