// calibrate-signals' inputs: each category cut and gap-filled as of its own validation end, so bars after that end —
// even when another category's period runs later — can never reach a filled bar the search scores.
import XCTest
import MarketData
import MarketPipeline
import MarketSignals
import MarketSupport
import MarketSynthetic
import MarketTestSupport

final class SignalCalibrationFillTests: XCTestCase {
    /// Demo data (gaps in ETH-USD, SOL-USD with a 540-day history: both crypto); crypto's validation period ends 130
    /// days before everyone else's.
    private func setUp(_ name: String) throws -> (Universe, URL, DayNumber, [String: (start: DayNumber, end: DayNumber)]) {
        let folder = try temporaryDirectory(self, prefix: name)
        let universe = try Universe.parse(yaml: EmbeddedDemoUniverse.yaml, file: "demo")
        let generator = DemoMarketGenerator(universe: universe, seed: 3)
        try generator.write(to: folder)
        let end = generator.endDate
        var periods: [String: (start: DayNumber, end: DayNumber)] = [:]
        for category in universe.categories { periods[category.name] = (end - 300, end - 20) }
        periods["crypto"] = (end - 400, end - 150)
        return (universe, folder, end, periods)
    }

    /// Every crypto row dated after crypto's validation end replaced by garbage.
    private func poisonCrypto(_ folder: URL, after day: DayNumber) throws -> Int {
        var replaced = 0
        for file in FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)!.compactMap({ $0 as? URL })
        where file.pathExtension == "csv" && file.deletingLastPathComponent().lastPathComponent == "crypto" {
            let rows = try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            let poisoned = rows.map { row -> String in
                guard let date = row.split(separator: ",").first.flatMap({ CivilDate.parseISO(String($0)) }), date > day else { return String(row) }
                replaced += 1
                return "\(CivilDate.isoString(date)),1e9,3,-7,NaN,garbage"
            }
            try poisoned.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        }
        return replaced
    }

    /// The bars of `series` dated on or before `day` (closes, opens, volumes and synthetic flags).
    private func bars(_ series: OHLCVSeries?, upTo day: DayNumber) -> [String] {
        guard let series else { return [] }
        return series.dates.indices.filter { series.dates[$0] <= day }.map {
            "\(series.dates[$0]) \(series.open[$0]) \(series.close[$0]) \(series.volume[$0]) \(series.isSynthetic[$0])"
        }
    }

    func testEachCategoryIsFilledAsOfItsOwnValidationEndAndLaterBarsCannotReachIt() throws {
        let (universe, folder, end, periods) = try setUp("calibration-fill")
        let cryptoEnd = periods["crypto"]!.end
        func views(_ data: URL) -> [(asset: SignalAsset, realDates: [DayNumber])] {
            SignalCalibration.assetsAsOfValidationEnd(session: UniverseSession(definition: universe, dataDirectory: data, readUpTo: end - 20),
                                                      periods: periods, gapFill: true, seed: 7)
        }
        /// What one fill as of the latest end (the old behaviour) gives crypto's assets.
        func latestEndFill(_ data: URL) -> [SignalAsset] {
            UniverseSession(definition: universe, dataDirectory: data, readUpTo: end - 20)
                .signalAssets(asOf: end - 20, gapFill: true, seed: 7).filter { $0.category == "crypto" }
        }
        let clean = views(folder), cleanLatest = latestEndFill(folder)
        XCTAssertEqual(clean.count, universe.assets.count)
        for view in clean {
            let last = periods[view.asset.category]!.end
            XCTAssertLessThanOrEqual(view.asset.series?.dates.last ?? last, last, "\(view.asset.ticker) cut at its category's end")
            XCTAssertLessThanOrEqual(view.realDates.last ?? last, last, view.asset.ticker)
        }
        XCTAssertTrue(clean.contains { $0.asset.category != "crypto" && ($0.asset.series?.dates.last ?? 0) > cryptoEnd },
                      "the other categories run past crypto's end")
        let sol = try XCTUnwrap(clean.first { $0.asset.ticker == "SOL-USD" })
        XCTAssertTrue(sol.asset.series?.isSynthetic.contains(true) ?? false, "SOL-USD's short history is back-filled")

        XCTAssertGreaterThan(try poisonCrypto(folder, after: cryptoEnd), 100)
        let poisoned = views(folder)
        for (a, b) in zip(clean, poisoned) where a.asset.category == "crypto" {
            XCTAssertEqual(bars(a.asset.series, upTo: .max), bars(b.asset.series, upTo: .max), a.asset.ticker)
            XCTAssertEqual(a.realDates, b.realDates, a.asset.ticker)
        }
        // The canary has teeth: filled once as of the latest end, crypto's bars up to its own end change with the poison.
        let poisonedLatest = latestEndFill(folder)
        XCTAssertTrue(zip(cleanLatest, poisonedLatest).contains { bars($0.series, upTo: cryptoEnd) != bars($1.series, upTo: cryptoEnd) },
                      "a fill as of the latest end reads crypto bars after crypto's validation end")
    }

    /// The period comes from the per-category cuts (else the global keys) and never covers a day the checkpoint was
    /// trained on: a fine-tuned file's `train_end` moves the start past it, or leaves nothing to fit on.
    func testValidationPeriodStartsAfterTheLastTrainingTarget() {
        func day(_ text: String) -> DayNumber { CivilDate.parseISO(text)! }
        let pretrained = ["split.validation_start.crypto": "2022-01-01", "split.test_start.crypto": "2022-07-01",
                          "train_end.crypto": "2021-12-30", "split.validation_start": "2021-01-01", "split.test_start": "2021-06-01"]
        let crypto = SignalCalibration.validationPeriod(metadata: pretrained, category: "crypto")
        XCTAssertEqual(crypto?.start, day("2022-01-01"))
        XCTAssertEqual(crypto?.end, day("2022-06-30"))
        let legacy = SignalCalibration.validationPeriod(metadata: pretrained, category: "forex")
        XCTAssertEqual(legacy?.start, day("2021-01-01"))
        XCTAssertEqual(legacy?.end, day("2021-05-31"))
        var tuned = pretrained
        tuned["train_end.crypto"] = "2022-03-31"
        XCTAssertEqual(SignalCalibration.validationPeriod(metadata: tuned, category: "crypto")?.start, day("2022-04-01"))
        tuned["train_end.crypto"] = "2022-06-30"
        XCTAssertNil(SignalCalibration.validationPeriod(metadata: tuned, category: "crypto"))
        // Why there is none: recorded in the rule file's `unfitted`.
        XCTAssertEqual(SignalCalibration.noPeriodReason(metadata: tuned, category: "crypto"), "no validation day after its train_end 2022-06-30")
        XCTAssertEqual(SignalCalibration.noPeriodReason(metadata: [:], category: "crypto"), "no validation period in the checkpoint's metadata")
    }
}
