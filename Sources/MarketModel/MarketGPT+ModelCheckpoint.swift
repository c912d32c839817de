// MarketGPT ↔ ModelCheckpoint: build a model from a verified checkpoint, write one from a live model.
import Foundation
import MarketTensor

extension MarketGPT {
    /// The model of `checkpoint`: config from `model_config`, every weight loaded (missing, extra or
    /// mis-shaped tensors are errors naming `file`).
    public convenience init(checkpoint: ModelCheckpoint, file: String = "<checkpoint>") throws {
        guard let text = checkpoint.metadata[ModelCheckpoint.Key.modelConfig] else {
            throw TensorError.malformedFile(file: file, reason: "no '\(ModelCheckpoint.Key.modelConfig)' in __metadata__")
        }
        let config: ModelConfig
        do { config = try ModelConfig.fromJSON(text) } catch {
            throw TensorError.malformedFile(file: file, reason: "bad '\(ModelCheckpoint.Key.modelConfig)' in __metadata__ (\(error))")
        }
        self.init(config: config, seed: 0)
        try loadWeights(checkpoint.tensors, file: file)
    }

    /// Writes this model's weights with `metadata` (plus `model_config`, `format`, `content_hash`)
    /// atomically to `url` as a `ModelCheckpoint`; returns the content hash.
    @discardableResult
    public func writeCheckpoint(to url: URL, metadata: [String: String]) throws -> String {
        var all = metadata
        all[ModelCheckpoint.Key.modelConfig] = config.jsonString()
        var weights: [String: Tensor] = [:]
        for (name, tensor) in namedParameters { weights[name] = tensor }
        return try ModelCheckpoint.write(weights, metadata: all, to: url)
    }
}
