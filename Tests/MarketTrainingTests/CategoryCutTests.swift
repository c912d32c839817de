// Per-category cuts: each category's own held-out periods, train_end in the checkpoint, and the canaries
// (poisoned bars after the cut leave pre-training bit-identical; nothing on or before train_end is scored).
import Foundation
import XCTest
import MarketData
import MarketModel
import MarketTensor
@testable import MarketTraining
import MarketSupport

final class CategoryCutTests: XCTestCase {
    /// Two categories with different histories: category 1 ends 300 days earlier than category 0.
    static func store() -> FeatureStore {
        var store = PretrainingFixture.store(assets: 6, categories: 2, bars: 900, seed: 3)
        for i in store.assets.indices where store.assets[i].categoryID == 1 {
            let n = store.assets[i].count - 300, f = MarketFeatures.count
            store.assets[i].dates.removeLast(300)
            store.assets[i].features.removeLast(300 * f)
            store.assets[i].logReturns.removeLast(300)
            store.assets[i].isSynthetic.removeLast(300)
            XCTAssertEqual(store.assets[i].count, n)
        }
        return store
    }

    func testEveryCategoryGetsItsOwnHeldOutPeriodsAndTrainEnd() throws {
        let store = Self.store()
        let split = try CategorySplit.make(store, categoryNames: ["cat0", "cat1"], fractions: SplitFractions())
        let ranges = split.ranges(store)
        for category in 0..<2 {
            let cut = try XCTUnwrap(split.cuts[category])
            let members = store.assets.indices.filter { store.assets[$0].categoryID == category }
            let total = members.reduce(0) { $0 + store.assets[$1].count }
            let test = members.reduce(0) { $0 + ranges[$1].test.count }
            XCTAssertEqual(Double(test) / Double(total), 0.05, accuracy: 0.01, "category \(category) has its own test period")
            for i in members {
                XCTAssertTrue(store.assets[i].dates[ranges[i].train].allSatisfy { $0 < cut.validationStart })
                XCTAssertTrue(store.assets[i].dates[ranges[i].train].allSatisfy { $0 <= split.trainEnd[category]! })
            }
        }
        // The early-ending category is cut earlier (a global cut would give it no test period).
        XCTAssertLessThan(split.cuts[1]!.testStart, split.cuts[0]!.testStart)
        let metadata = split.metadata(categoryNames: ["cat0", "cat1"])
        let cuts = CheckpointCuts(metadata: metadata, categories: ["cat0", "cat1"])
        XCTAssertEqual(cuts.trainEnd["cat1"], split.trainEnd[1])
        XCTAssertEqual(cuts.testStart["cat0"], split.cuts[0]!.testStart)
        // An explicit cut for a category that does not exist is an error naming it.
        var fractions = SplitFractions()
        fractions.categories = ["nope": CategoryCutConfig(validationStart: "2021-01-01", testStart: "2021-06-01")]
        XCTAssertThrowsError(try CategorySplit.make(store, categoryNames: ["cat0", "cat1"], fractions: fractions)) { error in
            XCTAssertTrue(String(describing: error).contains("'nope'"), "\(error)")
        }
        fractions.categories = ["cat1": CategoryCutConfig(validationStart: "2021-01-01", testStart: "2021-06-01")]
        let explicit = try CategorySplit.make(store, categoryNames: ["cat0", "cat1"], fractions: fractions)
        XCTAssertEqual(explicit.cuts[1]?.validationStart, CivilDate.parseISO("2021-01-01"))
        XCTAssertLessThan(explicit.trainEnd[1]!, CivilDate.parseISO("2021-01-01")!)
    }

    /// Canary: every bar after each category's train_end poisoned (returns and features × 1e3, NaN would be
    /// masked) → the pre-trained weights are bit-identical (validation disabled: it reads held-out bars by design).
    func testPoisoningEveryBarAfterTheCutLeavesPretrainingBitIdentical() throws {
        let root = try PretrainingFixture.temporaryDirectory("cut-canary")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = Self.store(), table = PretrainingFixture.idTable(assets: 6, categories: 2)
        var config = PretrainingFixture.config(totalSteps: 20)
        config.training.evalEvery = 1000
        let split = try CategorySplit.make(store, categoryNames: table.categories, fractions: config.training.split)
        func poisoned(after offset: DayNumber) -> FeatureStore {
            var copy = store
            for i in copy.assets.indices {
                let end = split.trainEnd[copy.assets[i].categoryID]! + offset
                for bar in copy.assets[i].firstIndex(onOrAfter: end + 1)..<copy.assets[i].count {
                    copy.assets[i].logReturns[bar] = 1e3
                    for k in 0..<MarketFeatures.count { copy.assets[i].features[bar * MarketFeatures.count + k] = 1e3 }
                }
            }
            return copy
        }
        func train(_ store: FeatureStore, _ name: String) throws -> ModelCheckpoint {
            let dir = root.appendingPathComponent(name)
            _ = try Pretrainer.run(store: store, idTable: table, options: PretrainingOptions(
                config: config, stopStep: nil, checkpointDirectory: dir.appendingPathComponent("checkpoints"),
                runDirectory: dir.appendingPathComponent("runs"), resume: false, isTerminal: false, output: { _ in }))
            return try ModelCheckpoint.read(TrainingCheckpoint(directory: dir.appendingPathComponent("checkpoints")).weightsURL)
        }
        let clean = try train(store, "clean"), dirty = try train(poisoned(after: 0), "dirty")
        XCTAssertEqual(clean.step, 20)
        for (name, entry) in clean.tensors {
            XCTAssertEqual(dirty.tensors[name]!.values.map(\.bitPattern), entry.values.map(\.bitPattern), "weights \(name) differ")
        }
        // The test can fail: poisoning from 60 days before the cut (inside training) moves the weights.
        let inside = try train(poisoned(after: -60), "inside")
        XCTAssertNotEqual(inside.tensors["head.mean.weight"]?.values, clean.tensors["head.mean.weight"]?.values)
        for name in table.categories {
            XCTAssertEqual(clean.metadata["train_end.\(name)"], CivilDate.isoString(split.trainEnd[table.categoryID(of: name)!]!))
            XCTAssertNotNil(clean.metadata["split.test_start.\(name)"])
        }
    }

    /// Canary: with train_end inside the walk-forward range, no scored target is on or before it, the windows
    /// wholly inside are counted as skipped (and still fine-tuned on), and the OOS period starts after it.
    func testNothingOnOrBeforeTrainEndIsScored() throws {
        let store = WalkForwardFineTunerTests.store(bars: 1500)
        let (model, training) = WalkForwardFineTunerTests.model()
        let normalizer = FeatureNormalizer.fitted(store, ranges: store.assets.map { 0..<min($0.count, 400) })
        let tuner = WalkForwardFineTuner(store: store, normalizer: normalizer, options: WalkForwardFineTunerTests.options())
        let trainEnd = CivilDate.parseISO("2022-09-15")!
        let (result, forecasts, _) = try tuner.run(model: model, training: training, categoryID: 0, name: "cat0", trainEnd: trainEnd)
        XCTAssertGreaterThan(result.windowsSkippedInsideTraining, 0)
        XCTAssertGreaterThan(result.windows.count, 0)
        XCTAssertEqual(result.trainEnd, "2022-09-15")
        for rows in forecasts.windows + [forecasts.outOfSamplePretrained, forecasts.outOfSampleFineTuned] {
            for s in 0..<rows.count where (0..<rows.horizon).contains(where: { rows.targets[s * rows.horizon + $0].isFinite }) {
                XCTAssertGreaterThanOrEqual(rows.days[s], trainEnd, "origin \(CivilDate.isoString(rows.days[s])) scored a target on/before train_end")
            }
        }
        // A train_end after the planned OOS start moves the OOS period past it.
        let late = CivilDate.parseISO("2023-06-01")!
        let (moved, movedForecasts, _) = try tuner.run(model: WalkForwardFineTunerTests.model().0, training: training, categoryID: 0, name: "cat0", trainEnd: late)
        XCTAssertTrue(moved.outOfSampleOverlapsPretraining)
        XCTAssertEqual(moved.outOfSampleStart, "2023-06-02")
        XCTAssertTrue(movedForecasts.outOfSampleFineTuned.days.allSatisfy { $0 >= late })
    }
}
