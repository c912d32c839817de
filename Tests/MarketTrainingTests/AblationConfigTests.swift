// The README's feature/augmentation ablation (configs/ablation/): every row is the default row with exactly one
// key changed, so a difference between rows can only come from that key (and the seed, which the driver sets).

import Foundation
import XCTest
@testable import MarketTraining
import MarketData

final class AblationConfigTests: XCTestCase {
    private func load(_ row: String) throws -> TrainingRunConfig {
        try TrainingRunConfig.load(TrainingConfigTests.packageRoot.appendingPathComponent("configs/ablation/\(row).yaml"))
    }

    /// Each row's one change, applied to the default row.
    private static let changes: [String: (inout TrainingRunConfig) -> Void] = [
        "indicators": { $0.model.features = .everything },
        "mixup": { $0.augmentation.mixupProbability = 0.3; $0.augmentation.mixupAlpha = 0.4 },
        "synthetic": { $0.augmentation.syntheticShare = 0.2 },
        "no_embedding_dropout": { $0.model.assetEmbeddingDropout = 0 },
    ]

    func testEveryRowIsTheDefaultWithOneKeyChanged() throws {
        let folder = TrainingConfigTests.packageRoot.appendingPathComponent("configs/ablation")
        let rows = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
        XCTAssertEqual(rows, (["default"] + Self.changes.keys).sorted(), "a row of configs/ablation/ without a declared change (or a missing row)")
        let base = try load("default")
        XCTAssertEqual(base.model.features, .standard)
        XCTAssertFalse(base.augmentation.isEnabled)
        XCTAssertEqual(base.model.assetEmbeddingDropout, 0.1)
        XCTAssertEqual(base.training.universe, "../shared/data/real/universe.yaml")
        // A decoded feature list sets F of the architecture too (the parameter budget in validate() counts it).
        XCTAssertEqual(try load("indicators").model.architecture.featureCount, FeatureSet.everything.count)
        for (row, change) in Self.changes {
            var expected = base
            change(&expected)
            XCTAssertNotEqual(expected, base, "\(row): the declared change is a no-op")
            XCTAssertEqual(try load(row), expected, "configs/ablation/\(row).yaml differs from default.yaml in more than its one key")
        }
    }
}
