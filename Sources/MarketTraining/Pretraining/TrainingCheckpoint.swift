// TrainingCheckpoint: a weights file plus its training-state file (optimizer moments, RNG, sampler), written and read as a pair.
import Foundation
import MarketData
import MarketModel
import MarketTensor

/// A checkpoint pair in `checkpoints/<run>/`:
/// - `<name>.safetensors`: the weights and model metadata (`ModelCheckpoint`: model config, id table,
///   normaliser, step, content hash) — all that signals and fine-tuning need;
/// - `<name>.state.safetensors`: AdamW moments (`<param>.exp_avg`, `<param>.exp_avg_sq`) with metadata
///   `optimizer.step_count`, the `TrainerState` (`trainer.*`) and `weights_content_hash`, the content
///   hash of the weights file it belongs to (checked on load, so a pair torn by a crash between the two
///   renames is an error, not a silent mix).
/// Each file is written atomically (temp file + rename); the state first, then the weights.
public struct TrainingCheckpoint {
    /// The weights file.
    public let weightsURL: URL
    /// The training-state file beside it.
    public let stateURL: URL

    /// `directory/<name>.safetensors` and `directory/<name>.state.safetensors`.
    public init(directory: URL, name: String = "pretrained") {
        weightsURL = directory.appendingPathComponent(name + ".safetensors")
        stateURL = directory.appendingPathComponent(name + ".state.safetensors")
    }

    /// Whether both files exist.
    public var exists: Bool {
        FileManager.default.fileExists(atPath: weightsURL.path) && FileManager.default.fileExists(atPath: stateURL.path)
    }

    /// The model metadata of a checkpoint: id tables, normaliser, step (+ `extra` entries, e.g. `run`).
    public static func modelMetadata(model: MarketGPT, idTable: EmbeddingIDTable, normalizer: FeatureNormalizer,
                                     step: Int, extra: [String: String] = [:]) throws -> [String: String] {
        var metadata = extra
        metadata[ModelCheckpoint.Key.modelConfig] = model.config.jsonString()
        metadata[ModelCheckpoint.Key.idTable] = idTable.jsonString()
        metadata[ModelCheckpoint.Key.normalizer] = try normalizer.jsonString()
        metadata[ModelCheckpoint.Key.step] = String(step)
        return metadata
    }

    /// Writes the trainer's optimizer + state, then its model's weights with `metadata` (see `modelMetadata`).
    public func write(_ trainer: Trainer, metadata: [String: String]) throws {
        var weights: [String: Tensor] = [:]
        for (name, tensor) in trainer.model.namedParameters { weights[name] = tensor }
        var modelMetadata = metadata
        modelMetadata[ModelCheckpoint.Key.step] = String(trainer.state.step)
        modelMetadata[ModelCheckpoint.Key.format] = ModelCheckpoint.formatVersion
        let weightsHash = ModelCheckpoint.contentHashOf(weights, metadata: modelMetadata)
        var stateMetadata = trainer.state.metadata
        stateMetadata["optimizer.step_count"] = String(trainer.optimizer.stepCount)
        stateMetadata["weights_content_hash"] = weightsHash
        stateMetadata[ModelCheckpoint.Key.format] = "marketgpt-training-state-1"
        try ModelCheckpoint.write(trainer.optimizer.stateTensors(), metadata: stateMetadata, to: stateURL)
        let written = try ModelCheckpoint.write(weights, metadata: modelMetadata, to: weightsURL)
        precondition(written == weightsHash, "TrainingCheckpoint: weights hash changed while writing")
    }

    /// Reads the pair: the verified weights checkpoint, and the trainer state + optimizer moments that belong to it.
    public func read() throws -> (weights: ModelCheckpoint, state: TrainerState, moments: [String: SafeTensorsEntry], optimizerStepCount: Int) {
        let weights = try ModelCheckpoint.read(weightsURL)
        let stateFile = try ModelCheckpoint.read(stateURL)
        let stored = weights.contentHash ?? ""
        guard stateFile.metadata["weights_content_hash"] == stored else {
            throw TensorError.malformedFile(file: stateURL.path, reason: "belongs to other weights than \(weightsURL.lastPathComponent) "
                                            + "(weights_content_hash \(stateFile.metadata["weights_content_hash"] ?? "absent"), weights \(stored)); the pair was torn")
        }
        let state = try TrainerState(metadata: stateFile.metadata, file: stateURL.path)
        guard let count = stateFile.metadata["optimizer.step_count"].flatMap({ Int($0) }) else {
            throw TensorError.malformedFile(file: stateURL.path, reason: "no valid 'optimizer.step_count' in __metadata__")
        }
        return (weights, state, stateFile.tensors, count)
    }

    /// Restores a trainer from this pair: the model from the weights (config from `model_config`),
    /// the optimizer moments and the state. `config` supplies the optimisation settings.
    public func restoreTrainer(config: TrainingConfig) throws -> (trainer: Trainer, weights: ModelCheckpoint) {
        let (weights, state, moments, count) = try read()
        let model = try MarketGPT(checkpoint: weights, file: weightsURL.path)
        let trainer = Trainer(model: model, config: config, state: state)
        do { try trainer.optimizer.loadState(moments, stepCount: count) } catch let error as TensorError {
            throw TensorError.malformedFile(file: stateURL.path, reason: error.description)
        }
        return (trainer, weights)
    }
}
