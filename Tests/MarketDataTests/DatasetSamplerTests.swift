// The windowed dataset's shapes and masks, and the sampler's determinism, epoch reshuffle, resume and category weights.
import XCTest
@testable import MarketData

final class DatasetSamplerTests: XCTestCase {
    /// Three categories (weights 0.6/0.3/0.1); category 0 has two assets, category 2 one short asset.
    func makeDataset(T: Int = 16, H: Int = 3) -> WindowedDataset {
        var synthetic = testSeries(bars: 200, seed: 3)
        synthetic.isSynthetic[100] = true
        let assets = [
            AssetFeatures(assetID: 0, categoryID: 0, series: testSeries(bars: 300, seed: 1)),
            AssetFeatures(assetID: 1, categoryID: 0, series: testSeries(bars: 250, seed: 2)),
            AssetFeatures(assetID: 2, categoryID: 1, series: synthetic),
            AssetFeatures(assetID: 3, categoryID: 2, series: testSeries(bars: 60, seed: 4)),
        ]
        let store = FeatureStore(assets: assets, categoryWeights: [0.6, 0.3, 0.1])
        let ranges = assets.map { 0..<($0.count - 20) }
        return WindowedDataset(store: store, normalizer: FeatureNormalizer.fitted(store, ranges: ranges), ranges: ranges,
                               contextLength: T, horizon: H)
    }

    func testBatchShapesTargetsAndMask() {
        let dataset = makeDataset()
        let end = dataset.ranges[2].upperBound   // 180
        let windows = [WindowRef(asset: 2, start: 90), WindowRef(asset: 2, start: end - 16)]
        let batch = dataset.batch(windows)
        let (T, H, F) = (16, 3, MarketFeatures.count)
        XCTAssertEqual(batch.inputs.count, 2 * T * F)
        XCTAssertEqual(batch.targets.count, 2 * T * H)
        XCTAssertEqual(batch.assetIDs, [2, 2])
        XCTAssertEqual(batch.categoryIDs, [1, 1])
        let returns = dataset.store.assets[2].logReturns
        // targets[b, t, h] = return of bar start + t + 1 + h.
        XCTAssertEqual(batch.targets[(0 * T + 4) * H + 2], returns[90 + 4 + 1 + 2])
        // Bar 100 is synthetic: position t with t + 1 + h = 10 is masked.
        XCTAssertEqual(batch.mask[(0 * T + 9) * H + 0], 0)
        XCTAssertEqual(batch.mask[(0 * T + 8) * H + 1], 0)
        XCTAssertEqual(batch.mask[(0 * T + 8) * H + 0], 1)
        // The last window: targets past the range end are unknown (masked), never read from later bars.
        XCTAssertEqual(batch.mask[(1 * T + 15) * H + 0], 0)
        XCTAssertEqual(batch.mask[(1 * T + 14) * H + 0], 1)
        XCTAssertEqual(batch.mask[(1 * T + 14) * H + 1], 0)
        XCTAssertEqual(batch.targets[(1 * T + 15) * H + 2], 0)
        // Inputs are the normalised features of the window's bars.
        var expected = [Float](repeating: 0, count: T * F)
        dataset.normalizer.normalize(dataset.store.assets[2], bars: 90..<106, into: &expected)
        XCTAssertEqual(Array(batch.inputs[0..<(T * F)]), expected)
        var down = dataset
        down.syntheticTargetWeight = 0.25
        XCTAssertEqual(down.batch(windows).mask[(0 * T + 9) * H + 0], 0.25)
    }

    func testSamplerIsDeterministicReshufflesAndResumes() {
        let dataset = makeDataset()
        let sampler = CategoryBalancedSampler(dataset: dataset, seed: 42, samplesPerEpoch: 64)
        let again = CategoryBalancedSampler(dataset: dataset, seed: 42, samplesPerEpoch: 64)
        XCTAssertEqual(sampler.batch(epoch: 0, batchIndex: 0, batchSize: 32), again.batch(epoch: 0, batchIndex: 0, batchSize: 32))
        XCTAssertNotEqual(sampler.batch(epoch: 0, batchIndex: 0, batchSize: 32), sampler.batch(epoch: 1, batchIndex: 0, batchSize: 32))
        XCTAssertNotEqual(sampler.batch(epoch: 0, batchIndex: 0, batchSize: 32),
                          CategoryBalancedSampler(dataset: dataset, seed: 43).batch(epoch: 0, batchIndex: 0, batchSize: 32))
        // Resume: a state saved after 3 batches continues with the same batches as an uninterrupted run.
        var state = SamplerState()
        var uninterrupted: [[WindowRef]] = []
        for _ in 0..<6 { uninterrupted.append(sampler.next(&state, batchSize: 24)) }
        var resumed = SamplerState()
        for _ in 0..<3 { _ = sampler.next(&resumed, batchSize: 24) }
        let saved = try! JSONDecoder().decode(SamplerState.self, from: JSONEncoder().encode(resumed))
        var restored = saved
        var tail: [[WindowRef]] = []
        for _ in 0..<3 { tail.append(again.next(&restored, batchSize: 24)) }
        XCTAssertEqual(Array(uninterrupted[3...]), tail)
        XCTAssertEqual(state.epoch, 2)   // 64 draws per epoch: 2 batches of 24 fit, then a new epoch
        // Every draw is a valid window.
        for window in uninterrupted.joined() {
            XCTAssertTrue(dataset.windowStarts(asset: window.asset).contains(window.start))
        }
    }

    func testCategoryWeightsAndUniformAssets() {
        let dataset = makeDataset()
        let sampler = CategoryBalancedSampler(dataset: dataset, seed: 7)
        let draws = 40_000
        var perAsset = [Int](repeating: 0, count: 4)
        for index in 0..<draws { perAsset[sampler.window(epoch: 0, index: index).asset] += 1 }
        let share = perAsset.map { Double($0) / Double(draws) }
        XCTAssertEqual(share[0] + share[1], 0.6, accuracy: 0.015)
        XCTAssertEqual(share[2], 0.3, accuracy: 0.015)
        XCTAssertEqual(share[3], 0.1, accuracy: 0.01)
        XCTAssertEqual(share[0], share[1], accuracy: 0.02)   // uniform over assets inside a category
        // A category without windows gets no draws; the others are renormalised.
        let short = WindowedDataset(store: dataset.store, normalizer: dataset.normalizer,
                                    ranges: [0..<280, 0..<230, 0..<180, 0..<10], contextLength: 16, horizon: 3)
        let renormalised = CategoryBalancedSampler(dataset: short, seed: 7)
        XCTAssertEqual(renormalised.categories.map(\.categoryID), [0, 1])
        XCTAssertEqual(renormalised.categories[0].cumulative, 2.0 / 3.0, accuracy: 1e-12)
    }
}
