// MarketGPT weights to and from safetensors, with the config in `__metadata__` (`model_config`).
import Foundation
import MarketTensor

extension MarketGPT {
    /// Metadata key holding the model config as JSON.
    public static let configMetadataKey = "model_config"

    /// Writes every parameter by name plus `metadata` (and `model_config`) atomically to `url`.
    public func save(to url: URL, metadata: [String: String] = [:]) throws {
        var all = metadata
        all[Self.configMetadataKey] = config.jsonString()
        try SafeTensors.write(Dictionary(uniqueKeysWithValues: namedParameters.map { ($0.name, $0.tensor) }),
                              metadata: all, to: url)
    }

    /// Reads a checkpoint written by `save`: builds the model from `model_config` and loads every weight.
    /// Throws on a malformed file, a missing/invalid config, or missing, extra or mis-shaped tensors.
    public static func load(from url: URL) throws -> (model: MarketGPT, metadata: [String: String]) {
        let file = try SafeTensors.read(url)
        guard let text = file.metadata[configMetadataKey] else {
            throw TensorError.malformedFile(file: url.path, reason: "no '\(configMetadataKey)' in __metadata__")
        }
        let config: ModelConfig
        do { config = try ModelConfig.fromJSON(text) } catch {
            throw TensorError.malformedFile(file: url.path, reason: "bad model_config: \(error)")
        }
        let model = MarketGPT(config: config, seed: 0)
        try model.loadWeights(file.tensors, file: url.path)
        return (model, file.metadata)
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
