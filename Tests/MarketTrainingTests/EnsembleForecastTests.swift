// Deep-ensemble and MC-dropout mixtures in evaluation: member layout, determinism, and the variance parts adding up.
import Foundation
import XCTest
import MarketData
import MarketModel
import MarketTensor
@testable import MarketTraining

final class EnsembleForecastTests: XCTestCase {
    func testVariancePartsAddUpToTheMixtureVarianceAndSeparateBetweenFromWithin() {
        // Two models × two passes, Gaussian members: model 0 means {0, 2}, model 1 means {4, 6}, scales 1.
        var laws = ForecastLaws(members: 4, groups: 2)
        laws.append(locations: [0, 2, 4, 6], scales: [1, 1, 1, 1], degreesOfFreedom: .infinity)
        let parts = laws.varianceParts(0)
        XCTAssertEqual(parts.aleatoric, 1, accuracy: 1e-12)
        XCTAssertEqual(parts.withinModel, 1, accuracy: 1e-12)          // each model: variance of {0,2} = 1
        XCTAssertEqual(parts.betweenModels, 4, accuracy: 1e-12)        // variance of {1, 5} = 4
        XCTAssertEqual(parts.aleatoric + parts.withinModel + parts.betweenModels, laws[0].variance, accuracy: 1e-12)
        // The same members seen as one model: everything epistemic is within-model.
        var single = ForecastLaws(members: 4, groups: 1)
        single.append(locations: [0, 2, 4, 6], scales: [1, 1, 1, 1], degreesOfFreedom: 5)
        let one = single.varianceParts(0)
        XCTAssertEqual(one.betweenModels, 0, accuracy: 1e-12)
        XCTAssertEqual(one.withinModel, 5, accuracy: 1e-12)
        XCTAssertEqual(one.aleatoric, 5.0 / 3.0, accuracy: 1e-12)       // t₅ scale 1 has variance 5/3
        let summary = single.varianceParts(targets: [.nan])
        XCTAssertEqual(summary.targets, 0)
    }

    func testEnsembleRowsHoldEveryMemberPassAndAreAFunctionOfTheSeed() {
        let store = WalkForwardFineTunerTests.store(bars: 500)
        let (a, _) = WalkForwardFineTunerTests.model()
        let b = MarketGPT(config: a.config, seed: 99)
        let normalizer = FeatureNormalizer.fitted(store, ranges: store.assets.map { 0..<$0.count })
        let collector = ForecastCollector(store: store, normalizer: normalizer)
        let origins = store.assets.map { _ in 300..<340 }, limits = store.assets.map(\.count)
        let plain = collector.modelRows(a, origins: origins, limits: limits)
        let ensemble = collector.modelRows([a, b], samples: 3, seed: 7, origins: origins, limits: limits)
        XCTAssertEqual(ensemble.model.members, 6)
        XCTAssertEqual(ensemble.model.groups, 2)
        XCTAssertEqual(ensemble.count, plain.count)
        XCTAssertEqual(ensemble.targets.map { $0.isNaN ? 0 : $0 }, plain.targets.map { $0.isNaN ? 0 : $0 })
        XCTAssertEqual(collector.modelRows([a, b], samples: 3, seed: 7, origins: origins, limits: limits).model, ensemble.model)
        XCTAssertNotEqual(collector.modelRows([a, b], samples: 3, seed: 8, origins: origins, limits: limits).model, ensemble.model)
        // S = 1: one `.eval` pass per member; member 0 of the ensemble is the plain single-model forecast.
        let deterministic = collector.modelRows([a, b], samples: 1, seed: 7, origins: origins, limits: limits)
        XCTAssertEqual(deterministic.model.members, 2)
        for i in 0..<plain.model.count {
            XCTAssertEqual(deterministic.model.locations[2 * i], plain.model.locations[i])
            XCTAssertEqual(deterministic.model.scales[2 * i], plain.model.scales[i])
        }
        // MC passes differ from each other (dropout is on), and the two models differ.
        let parts = ensemble.model.varianceParts(targets: ensemble.targets)
        XCTAssertGreaterThan(parts.withinModel, 0)
        XCTAssertGreaterThan(parts.betweenModels, 0)
        XCTAssertEqual(parts.models, 2)
        XCTAssertEqual(parts.passesPerModel, 3)
        // Scored as the mixture: NLL of the rows is the mixture's log mean density.
        let k = ensemble.targets.firstIndex { $0.isFinite }!
        XCTAssertEqual(LawScores(target: ensemble.targets, laws: ensemble.model).negativeLogLikelihood[k],
                       ensemble.model[k].negativeLogLikelihood(ensemble.targets[k]), accuracy: 1e-9)
    }

    func testPoolingEmptyRowsAdoptsTheMixtureShape() {
        var pooled = ForecastRows(horizon: 2)
        var part = ForecastRows(horizon: 2, modelMembers: 4, modelGroups: 2)
        part.assets = [0]; part.origins = [5]; part.days = [10]; part.categories = [0]; part.targets = [0.01, -0.02]
        part.model.append(locations: [0, 0, 0, 0], scales: [1, 1, 1, 1], degreesOfFreedom: .infinity)
        part.model.append(locations: [0, 0, 0, 0], scales: [1, 1, 1, 1], degreesOfFreedom: .infinity)
        pooled.append(part)
        pooled.append(part)
        XCTAssertEqual(pooled.count, 2)
        XCTAssertEqual(pooled.model.members, 4)
        XCTAssertEqual(pooled.model.groups, 2)
    }
}
