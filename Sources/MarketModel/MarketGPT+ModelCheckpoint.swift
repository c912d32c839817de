// MarketGPT ↔ ModelCheckpoint: build a model from a verified checkpoint, write one from a live model (the only
// checkpoint path: every file carries a content hash; `TrainedModel.load` decodes the rest of the contract).
import Foundation
import MarketTensor

extension MarketGPT {
    /// The model of `checkpoint`: config from `model_config`, every weight loaded. Errors name `file`: missing,
    /// extra or mis-shaped tensors, non-finite weights, and an `id_table` whose asset or category counts (or
    /// category ids) disagree with the embedding rows of the config.
    public convenience init(checkpoint: ModelCheckpoint, file: String = "<checkpoint>") throws {
        guard let text = checkpoint.metadata[ModelCheckpoint.Key.modelConfig] else {
            throw TensorError.malformedFile(file: file, reason: "no '\(ModelCheckpoint.Key.modelConfig)' in __metadata__")
        }
        let config: ModelConfig
        do { config = try ModelConfig.fromJSON(text) } catch {
            throw TensorError.malformedFile(file: file, reason: "bad '\(ModelCheckpoint.Key.modelConfig)' in __metadata__ (\(error))")
        }
        if checkpoint.metadata[ModelCheckpoint.Key.idTable] != nil {
            let table = try checkpoint.idTable(file: file)
            guard table.assets.count == config.assetCount, table.categories.count == config.categoryCount else {
                throw TensorError.malformedFile(file: file, reason: "id_table lists \(table.assets.count) assets and \(table.categories.count) categories, "
                                                + "the embeddings have \(config.assetCount) and \(config.categoryCount) rows")
            }
            if let bad = table.assets.first(where: { !(0..<config.categoryCount).contains($0.category) }) {
                throw TensorError.malformedFile(file: file, reason: "id_table: asset '\(bad.ticker)' has category id \(bad.category), not in 0..<\(config.categoryCount)")
            }
        }
        for (name, entry) in checkpoint.tensors.sorted(by: { $0.key < $1.key }) {
            if let index = entry.values.firstIndex(where: { !$0.isFinite }) {
                throw TensorError.malformedFile(file: file, reason: "tensor '\(name)' holds a non-finite value (\(entry.values[index]) at element \(index))")
            }
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

    /// Copies weights by name into this model; every parameter must be present with its shape, and no
    /// tensor may be left over.
    public func loadWeights(_ tensors: [String: SafeTensorsEntry], file: String = "<weights>") throws {
        var remaining = Set(tensors.keys)
        for (name, p) in namedParameters {
            guard let entry = tensors[name] else {
                throw TensorError.malformedFile(file: file, reason: "missing tensor '\(name)'")
            }
            guard entry.shape == p.shape else {
                throw TensorError.malformedFile(file: file, reason: "tensor '\(name)' has shape \(entry.shape), expected \(p.shape)")
            }
            p.assign(entry.values)
            remaining.remove(name)
        }
        if let extra = remaining.sorted().first {
            throw TensorError.malformedFile(file: file, reason: "unexpected tensor '\(extra)'")
        }
    }
}
