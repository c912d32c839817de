// The training side of the model contract: a checkpoint decoded by MarketModel's `TrainedModel.load` (the former
// `PretrainedModel`) must have been trained on the config's features.
import Foundation
import MarketData
import MarketModel

extension TrainedModel {
    /// Throws unless the checkpoint was trained on exactly `features` (names and parameters, in order):
    /// a model is never fed other features than it was trained on.
    public func requireFeatures(_ features: FeatureSet, file: String) throws {
        guard normalizer.features == features, model.config.featureCount == features.count else {
            throw TrainingError(step: nil, reason: "\(file) was trained on features [\(normalizer.features)] but the config's model.features is [\(features)]")
        }
    }
}
