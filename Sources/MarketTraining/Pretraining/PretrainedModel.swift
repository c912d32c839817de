// PretrainedModel: a verified checkpoint decoded into model, normaliser and id tables (the starting point of fine-tuning).
import Foundation
import MarketData
import MarketModel
import MarketTensor

/// Everything a checkpoint file carries, decoded: the model, the feature normaliser it was trained
/// with, the universe's id tables and the step. (MarketSignals does the same with MarketModel +
/// MarketData calls: `ModelCheckpoint.read`, `MarketGPT(checkpoint:)`, `idTable()`, `FeatureNormalizer(jsonString:)`.)
public struct PretrainedModel {
    public let model: MarketGPT
    public let normalizer: FeatureNormalizer
    public let idTable: EmbeddingIDTable
    /// The verified file contents (weights + metadata, e.g. `split.test_start`).
    public let checkpoint: ModelCheckpoint

    /// Reads and verifies `url` (content hash) and decodes it; errors name the file and the key.
    public static func load(_ url: URL) throws -> PretrainedModel {
        let checkpoint = try ModelCheckpoint.read(url)
        let model = try MarketGPT(checkpoint: checkpoint, file: url.path)
        let idTable = try checkpoint.idTable(file: url.path)
        guard let text = checkpoint.metadata[ModelCheckpoint.Key.normalizer] else {
            throw TensorError.malformedFile(file: url.path, reason: "no '\(ModelCheckpoint.Key.normalizer)' in __metadata__")
        }
        let normalizer: FeatureNormalizer
        do { normalizer = try FeatureNormalizer(jsonString: text) } catch {
            throw TensorError.malformedFile(file: url.path, reason: "bad '\(ModelCheckpoint.Key.normalizer)' in __metadata__ (\(error))")
        }
        return PretrainedModel(model: model, normalizer: normalizer, idTable: idTable, checkpoint: checkpoint)
    }

    /// Throws unless the checkpoint was trained on exactly `features` (names and parameters, in order):
    /// a model is never fed other features than it was trained on.
    public func requireFeatures(_ features: FeatureSet, file: String) throws {
        guard normalizer.features == features, model.config.featureCount == features.count else {
            throw TrainingError(step: nil, reason: "\(file) was trained on features [\(normalizer.features)] but the config's model.features is [\(features)]")
        }
    }

    /// The checkpoint's step (0 when absent).
    public var step: Int { checkpoint.step ?? 0 }
}
