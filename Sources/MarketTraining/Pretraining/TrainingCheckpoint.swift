// TrainingCheckpoint: a weights file plus its training-state file (optimizer moments, RNG, sampler), written and read as a pair.
import Foundation
import MarketData
import MarketModel
import MarketTensor
import MarketSupport

/// A checkpoint pair in `checkpoints/<run>/`:
/// - `<name>.safetensors`: the weights and model metadata (`ModelCheckpoint`: model config, id table,
///   normaliser, step, content hash) — all that signals and fine-tuning need;
/// - `<name>.state.safetensors`: AdamW moments (`<param>.exp_avg`, `<param>.exp_avg_sq`) with metadata
///   `optimizer.step_count`, the `TrainerState` (`trainer.*`) and `weights_content_hash`, the content
///   hash of the weights file it belongs to (checked on load, so a pair torn by a crash between the two
///   renames is an error, not a silent mix).
///
/// Crash safety (a SIGKILL at any instant loses at most the steps since the last complete pair):
/// 1. the new state goes to `.<name>.state.safetensors.next` (temp file + rename);
/// 2. the new weights replace `<name>.safetensors` (temp file + rename);
/// 3. `.next` is renamed over `<name>.state.safetensors` — last, like a manifest.
/// At every instant one complete pair exists: before 2 the old pair, after 2 the new weights with `.next`.
/// `recover()` (on start, under the run lock) completes step 3 when the new weights are in place, drops a
/// `.next` of weights that never arrived, and removes temporaries a killed writer left.
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

    /// The new state while a checkpoint is being written (renamed over `stateURL` last).
    public var nextStateURL: URL {
        stateURL.deletingLastPathComponent().appendingPathComponent("." + stateURL.lastPathComponent + ".next")
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

    /// The two files of a checkpoint pair as bytes (what `write` puts on disk), e.g. to hand them to the rank that writes.
    public struct EncodedPair: Codable, Sendable {
        /// The training-state file (`<name>.state.safetensors`).
        public var state: Data
        /// The weights file (`<name>.safetensors`).
        public var weights: Data
    }

    /// Writes the trainer's optimizer + state, then its model's weights with `metadata` (see `modelMetadata`).
    public func write(_ trainer: Trainer, metadata: [String: String]) throws {
        try write(try encode(trainer, metadata: metadata))
    }

    /// The pair `write(_:metadata:)` writes, as bytes. Throws (naming `weightsURL`) when a weight or moment is not finite.
    public func encode(_ trainer: Trainer, metadata: [String: String]) throws -> EncodedPair {
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
        // Never replace a good checkpoint with a bad one: every weight and moment must be finite.
        let moments = trainer.optimizer.stateTensors()
        for (name, tensor) in weights.merging(moments, uniquingKeysWith: { a, _ in a }).sorted(by: { $0.key < $1.key }) {
            let values = UnsafeBufferPointer(start: tensor.data, count: tensor.count)
            if values.contains(where: { !$0.isFinite }) {
                throw TensorError.malformedFile(file: weightsURL.path, reason: "not written: '\(name)' holds non-finite values at step \(trainer.state.step) (the previous checkpoint is kept)")
            }
        }
        let state = ModelCheckpoint.encoded(moments, metadata: stateMetadata)
        let encodedWeights = ModelCheckpoint.encoded(weights, metadata: modelMetadata)
        precondition(encodedWeights.hash == weightsHash, "TrainingCheckpoint: weights hash changed while writing")
        return EncodedPair(state: state.data, weights: encodedWeights.data)
    }

    /// Puts an encoded pair on disk in the crash-safe order (state to `.next`, weights, `.next` over the state).
    public func write(_ pair: EncodedPair) throws {
        try AtomicFile.write(pair.state, to: nextStateURL)
        try AtomicFile.write(pair.weights, to: weightsURL)
        try Self.rename(nextStateURL, over: stateURL)
    }

    static func rename(_ from: URL, over to: URL) throws {
        guard Foundation.rename(from.path, to.path) == 0 else {
            throw TensorError.malformedFile(file: to.path, reason: "cannot rename \(from.lastPathComponent) over it (\(String(cString: strerror(errno))))")
        }
        try AtomicFile.sync(to.deletingLastPathComponent(), reportedAs: to)
    }

    /// Brings the folder back to one complete pair after a crash (call before reading or writing, holding the
    /// run lock): removes temporaries of these files left by a killed writer (`.<file>.tmp-*`, Foundation's
    /// `.dat.nosync*`), renames `.next` over the state when it belongs to the weights in place (the crash came
    /// between steps 2 and 3 of `write`), and removes it otherwise. Returns one line per action taken.
    @discardableResult
    public func recover() throws -> [String] {
        let folder = weightsURL.deletingLastPathComponent()
        let manager = FileManager.default
        var actions: [String] = []
        let names = [weightsURL, stateURL, nextStateURL].map(\.lastPathComponent)
        for entry in (try? manager.contentsOfDirectory(atPath: folder.path)) ?? [] {
            let stale = entry.hasPrefix(".dat.nosync")
                || names.contains { entry.hasPrefix("." + $0 + ".tmp-") }
            if stale {
                try? manager.removeItem(at: folder.appendingPathComponent(entry))
                actions.append("removed the stale temporary \(entry)")
            }
        }
        guard manager.fileExists(atPath: nextStateURL.path) else { return actions }
        let weightsHash = (try? ModelCheckpoint.read(weightsURL))?.contentHash
        let nextHash = (try? ModelCheckpoint.read(nextStateURL))?.metadata["weights_content_hash"]
        if let weightsHash, weightsHash == nextHash {
            try Self.rename(nextStateURL, over: stateURL)
            actions.append("completed the interrupted checkpoint (state of \(weightsURL.lastPathComponent) put in place)")
        } else {
            try manager.removeItem(at: nextStateURL)
            actions.append("dropped the state of an interrupted checkpoint whose weights were never written")
        }
        return actions
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
            if case .malformedFile(_, let reason) = error { throw TensorError.malformedFile(file: stateURL.path, reason: reason) }
            throw TensorError.malformedFile(file: stateURL.path, reason: error.description)
        }
        return (trainer, weights)
    }
}
