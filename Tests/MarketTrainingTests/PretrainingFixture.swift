// A tiny deterministic universe (features of random-walk series) and tiny configs for the pre-training tests.
import Foundation
import MarketData
import MarketModel
import MarketTensor
@testable import MarketTraining
import MarketSupport

enum PretrainingFixture {
    /// `assets` random-walk series in `categories` categories, `bars` bars each on consecutive days
    /// (asset i starts i·7 days later so the assets have different histories), seeded.
    static func store(assets: Int = 6, categories: Int = 3, bars: Int = 400, seed: UInt64 = 1) -> FeatureStore {
        var rng = RandomGenerator(seed: seed)
        let start = CivilDate.dayNumber(year: 2020, month: 1, day: 1)
        var features: [AssetFeatures] = []
        for i in 0..<assets {
            let n = bars - i * 7
            var close = 100.0
            var o = [Double](), h = [Double](), l = [Double](), c = [Double](), v = [Double]()
            for _ in 0..<n {
                let open = close * (1 + 0.002 * Double(rng.nextNormal()))
                close = open * (1 + 0.01 * Double(rng.nextNormal()))
                o.append(open); c.append(close)
                h.append(max(open, close) * 1.003); l.append(min(open, close) * 0.997)
                v.append(1000 + Double(rng.nextUniform()) * 100)
            }
            let dates = (0..<n).map { start + DayNumber(i * 7 + $0) }
            let series = OHLCVSeries(dates: dates, open: o, high: h, low: l, close: c, volume: v)
            features.append(AssetFeatures(assetID: i, categoryID: i % categories, series: series))
        }
        return FeatureStore(assets: features, categoryWeights: (0..<categories).map { _ in 1.0 / Double(categories) })
    }

    static func idTable(assets: Int = 6, categories: Int = 3) -> EmbeddingIDTable {
        EmbeddingIDTable(assets: (0..<assets).map { .init(ticker: "A\($0)", category: $0 % categories) },
                         categories: (0..<categories).map { "cat\($0)" })
    }

    /// A very small model and a short schedule.
    static func config(totalSteps: Int = 40) -> TrainingRunConfig {
        var model = ModelSection()
        model.contextLength = 16
        model.features = .standard
        model.width = 16
        model.layers = 1
        model.heads = 2
        model.mlpRatio = 2
        model.horizon = 3
        var training = TrainingConfig()
        training.batchSize = 4
        training.learningRate = 3e-3
        training.warmupSteps = 5
        training.totalSteps = totalSteps
        training.evalEvery = 5
        training.evalBatches = 2
        training.checkpointEvery = 10
        training.logEvery = 5
        training.earlyStoppingPatience = 0
        training.seed = 9
        training.run = "test"
        return TrainingRunConfig(model: model, training: training)
    }

    static func temporaryDirectory(_ test: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pretrain-\(test)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Every weight of `model` by name.
    static func weights(_ model: MarketGPT) -> [String: [Float]] {
        Dictionary(uniqueKeysWithValues: model.namedParameters.map { ($0.name, $0.tensor.scalars) })
    }
}
