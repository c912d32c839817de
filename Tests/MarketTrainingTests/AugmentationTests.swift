// Augmentation: mixup within a category (weights, ids, masks), synthetic batches at their share, determinism per step, resume, off = unchanged.
import Foundation
import XCTest
import MarketData
import MarketModel
import MarketTensor
@testable import MarketTraining
import MarketSupport

final class AugmentationTests: XCTestCase {
    private func dataset(_ store: FeatureStore, syntheticWeight: Float = 0) -> WindowedDataset {
        let normalizer = FeatureNormalizer.fitted(store, ranges: store.assets.map { 0..<$0.count })
        var dataset = WindowedDataset(store: store, normalizer: normalizer, ranges: store.assets.map { 0..<$0.count }, contextLength: 16, horizon: 3)
        dataset.syntheticTargetWeight = syntheticWeight
        return dataset
    }

    func testMixupMixesSameCategoryPartnersKeepsIdsAndMultipliesMasks() throws {
        let store = PretrainingFixture.store(assets: 6, categories: 3)
        let train = dataset(store)
        let sampler = CategoryBalancedSampler(dataset: train, seed: 1)
        var config = AugmentationConfig()
        config.mixupProbability = 1
        config.mixupAlpha = 0.4
        let augmentation = try TrainingAugmentation(config: config, seed: 9, synthetic: nil)
        var state = SamplerState()
        let windows = sampler.next(&state, batchSize: 8)
        var plain = train.batch(windows)
        var mixed = plain, partner = plain
        augmentation.fill(&mixed, partner: &partner, windows: windows, train: train, sampler: sampler, step: 3)
        XCTAssertEqual(mixed.assetIDs, plain.assetIDs, "the drawn window keeps its asset (the larger weight)")
        XCTAssertEqual(mixed.categoryIDs, plain.categoryIDs)
        XCTAssertNotEqual(mixed.inputs, plain.inputs)
        let per = 16 * store.featureSet.count, perTarget = 16 * 3
        for b in 0..<8 {
            XCTAssertEqual(store.assets[partner.windows[b].asset].categoryID, store.assets[windows[b].asset].categoryID, "partner of the same category")
            XCTAssertNotEqual(partner.windows[b].asset, windows[b].asset, "another asset of the category")
            // Recover λ from one input and check every input and target of the window uses it, λ ≥ 0.5.
            var lambda: Float = .nan
            for i in (b * per)..<((b + 1) * per) where abs(plain.inputs[i] - partner.inputs[i]) > 0.5 {
                lambda = (mixed.inputs[i] - partner.inputs[i]) / (plain.inputs[i] - partner.inputs[i]); break
            }
            XCTAssertGreaterThanOrEqual(lambda, 0.5 - 1e-4)
            XCTAssertLessThanOrEqual(lambda, 1 + 1e-4)
            for i in (b * perTarget)..<((b + 1) * perTarget) {
                XCTAssertEqual(mixed.targets[i], lambda * plain.targets[i] + (1 - lambda) * partner.targets[i], accuracy: 1e-4)
                XCTAssertEqual(mixed.mask[i], plain.mask[i] * partner.mask[i])
            }
        }
        // Same step → same batch (resume is exact); another step → other partners.
        var again = plain
        augmentation.fill(&again, partner: &partner, windows: windows, train: train, sampler: sampler, step: 3)
        XCTAssertEqual(again.inputs, mixed.inputs)
        var other = plain
        augmentation.fill(&other, partner: &partner, windows: windows, train: train, sampler: sampler, step: 4)
        XCTAssertNotEqual(other.inputs, mixed.inputs)
        plain = train.batch(windows)
        XCTAssertEqual(TrainingAugmentation.beta(0.4, &Self.rng) >= 0, true)
    }

    nonisolated(unsafe) static var rng = RandomGenerator(seed: 1)

    func testSyntheticBatchesAtTheirShareFromSyntheticSeriesOnly() throws {
        let real = PretrainingFixture.store(assets: 6, categories: 3, seed: 1)
        var syntheticAssets = PretrainingFixture.store(assets: 6, categories: 3, seed: 2).assets
        for i in syntheticAssets.indices { syntheticAssets[i].isSynthetic = syntheticAssets[i].isSynthetic.map { _ in true } }
        let syntheticStore = FeatureStore(assets: syntheticAssets, categoryWeights: real.categoryWeights)
        let train = dataset(real)
        let normalizer = train.normalizer
        var synthetic = WindowedDataset(store: syntheticStore, normalizer: normalizer, ranges: syntheticStore.assets.map { 0..<$0.count }, contextLength: 16, horizon: 3)
        synthetic.syntheticTargetWeight = 0.5
        var config = AugmentationConfig()
        config.syntheticShare = 0.3
        let augmentation = try TrainingAugmentation(config: config, seed: 4, synthetic: synthetic)
        let sampler = CategoryBalancedSampler(dataset: train, seed: 1)
        var state = SamplerState()
        var batch = train.batch(sampler.next(&state, batchSize: 4)), partner = batch
        var syntheticSteps = 0
        for step in 0..<400 {
            let windows = sampler.next(&state, batchSize: 4)
            augmentation.fill(&batch, partner: &partner, windows: windows, train: train, sampler: sampler, step: step)
            if batch.windows != windows {
                syntheticSteps += 1
                XCTAssertTrue(batch.mask.allSatisfy { $0 == 0 || $0 == 0.5 }, "synthetic targets carry their weight")
            } else {
                XCTAssertTrue(batch.mask.allSatisfy { $0 == 0 || $0 == 1 })
            }
        }
        XCTAssertEqual(Double(syntheticSteps) / 400, 0.3, accuracy: 0.07)
        var none = config
        none.syntheticShare = 0.3
        XCTAssertThrowsError(try TrainingAugmentation(config: none, seed: 4, synthetic: nil))
    }

    func testConfigDefaultsAreOffAndRangesAreChecked() throws {
        let config = try StrictYAML.decode(TrainingRunConfig.self, from: "{}", file: "c.yaml")
        XCTAssertFalse(config.augmentation.isEnabled)
        let on = try StrictYAML.decode(TrainingRunConfig.self, from: "augmentation: {mixup_probability: 0.2, synthetic_share: 0.1}", file: "c.yaml")
        XCTAssertEqual(on.augmentation.mixupProbability, 0.2)
        XCTAssertEqual(on.augmentation.syntheticShare, 0.1)
        XCTAssertThrowsError(try StrictYAML.decode(TrainingRunConfig.self, from: "augmentation: {synthetic_share: 1.0}", file: "c.yaml")) {
            XCTAssertTrue(String(describing: $0).contains("augmentation.synthetic_share"), "\($0)")
        }
        XCTAssertThrowsError(try StrictYAML.decode(TrainingRunConfig.self, from: "augmentation: {mixup: 0.2}", file: "c.yaml")) {
            XCTAssertTrue(String(describing: $0).contains("augmentation.mixup: unknown key"), "\($0)")
        }
    }

    func testMixupRunResumesExactly() throws {
        let root = try PretrainingFixture.temporaryDirectory("mixup-resume")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = PretrainingFixture.store(), table = PretrainingFixture.idTable()
        var config = PretrainingFixture.config(totalSteps: 20)
        config.augmentation.mixupProbability = 0.5
        func run(_ name: String, stop: Int, resume: Bool = false) throws {
            let dir = root.appendingPathComponent(name)
            _ = try Pretrainer.run(store: store, idTable: table, options: PretrainingOptions(
                config: config, stopStep: stop, checkpointDirectory: dir.appendingPathComponent("checkpoints"),
                runDirectory: dir.appendingPathComponent("runs"), resume: resume, isTerminal: false, output: { _ in }))
        }
        try run("straight", stop: 16)
        try run("resumed", stop: 10)
        try run("resumed", stop: 16, resume: true)
        let a = try ModelCheckpoint.read(TrainingCheckpoint(directory: root.appendingPathComponent("straight/checkpoints")).weightsURL)
        let b = try ModelCheckpoint.read(TrainingCheckpoint(directory: root.appendingPathComponent("resumed/checkpoints")).weightsURL)
        XCTAssertEqual(a.contentHash, b.contentHash)
        // Mixup changes training (so the resume check above is not vacuous).
        var plainConfig = config
        plainConfig.augmentation = AugmentationConfig()
        let dir = root.appendingPathComponent("plain")
        _ = try Pretrainer.run(store: store, idTable: table, options: PretrainingOptions(
            config: plainConfig, stopStep: 16, checkpointDirectory: dir.appendingPathComponent("checkpoints"),
            runDirectory: nil, isTerminal: false, output: { _ in }))
        let c = try ModelCheckpoint.read(TrainingCheckpoint(directory: dir.appendingPathComponent("checkpoints")).weightsURL)
        XCTAssertNotEqual(a.tensors["head.mean.weight"]?.values ?? a.tensors.first!.value.values, c.tensors["head.mean.weight"]?.values ?? c.tensors.first!.value.values)
    }
}
