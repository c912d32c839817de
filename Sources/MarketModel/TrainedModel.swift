// The model contract: one checkpoint file decoded once — weights, config, normaliser, id tables and typed
// metadata — for signals, resume, fine-tuning and evaluation.
import Foundation
import MarketData
import MarketTensor
import MarketSupport

/// The typed `__metadata__` of a MarketGPT checkpoint (beyond weights, config, normaliser and id tables).
/// Raw key strings live only here.
public struct CheckpointMetadata: Sendable, Equatable {
    /// The run that wrote the file (`run`).
    public var run: String?
    /// Optimizer steps completed (`step`).
    public var step: Int?
    /// First day of pre-training's validation range (`split.validation_start`).
    public var validationStart: DayNumber?
    /// First day of pre-training's test range, never trained on (`split.test_start`).
    public var testStart: DayNumber?
    /// The category a fine-tuned file was tuned for (`finetune.category`).
    public var fineTunedCategory: String?
    /// First day of its out-of-sample period (`finetune.oos_start`).
    public var outOfSampleStart: DayNumber?
    /// The checkpoint file it was tuned from (`finetune.from`).
    public var fineTunedFrom: String?

    /// The metadata keys (and nothing else names them).
    public enum Key {
        public static let run = "run"
        public static let step = "step"
        public static let validationStart = "split.validation_start"
        public static let testStart = "split.test_start"
        public static let fineTunedCategory = "finetune.category"
        public static let outOfSampleStart = "finetune.oos_start"
        public static let fineTunedFrom = "finetune.from"
    }

    public init(run: String? = nil, step: Int? = nil, validationStart: DayNumber? = nil, testStart: DayNumber? = nil,
                fineTunedCategory: String? = nil, outOfSampleStart: DayNumber? = nil, fineTunedFrom: String? = nil) {
        self.run = run
        self.step = step
        self.validationStart = validationStart
        self.testStart = testStart
        self.fineTunedCategory = fineTunedCategory
        self.outOfSampleStart = outOfSampleStart
        self.fineTunedFrom = fineTunedFrom
    }

    /// Reads the typed fields of a checkpoint's string map (absent or unparsable values are nil).
    public init(_ metadata: [String: String]) {
        run = metadata[Key.run]
        step = metadata[Key.step].flatMap { Int($0) }
        validationStart = metadata[Key.validationStart].flatMap(CivilDate.parseISO)
        testStart = metadata[Key.testStart].flatMap(CivilDate.parseISO)
        fineTunedCategory = metadata[Key.fineTunedCategory]
        outOfSampleStart = metadata[Key.outOfSampleStart].flatMap(CivilDate.parseISO)
        fineTunedFrom = metadata[Key.fineTunedFrom]
    }

    /// The string entries of the set fields (merged into a checkpoint's metadata when it is written).
    public var entries: [String: String] {
        var out: [String: String] = [:]
        if let run { out[Key.run] = run }
        if let step { out[Key.step] = String(step) }
        if let validationStart { out[Key.validationStart] = CivilDate.isoString(validationStart) }
        if let testStart { out[Key.testStart] = CivilDate.isoString(testStart) }
        if let fineTunedCategory { out[Key.fineTunedCategory] = fineTunedCategory }
        if let outOfSampleStart { out[Key.outOfSampleStart] = CivilDate.isoString(outOfSampleStart) }
        if let fineTunedFrom { out[Key.fineTunedFrom] = fineTunedFrom }
        return out
    }
}

/// A verified checkpoint decoded for use: the model with its weights, its config, the feature normaliser it
/// was trained with, the universe id tables it was trained on and its typed metadata.
public final class TrainedModel {
    /// The file it came from.
    public let url: URL
    public let model: MarketGPT
    public var config: ModelConfig { model.config }
    public let normalizer: FeatureNormalizer
    public let idTable: EmbeddingIDTable
    public let metadata: CheckpointMetadata
    /// The verified file contents (weights + every metadata string), for writers that carry entries forward.
    public let checkpoint: ModelCheckpoint

    public init(url: URL, model: MarketGPT, normalizer: FeatureNormalizer, idTable: EmbeddingIDTable, checkpoint: ModelCheckpoint) {
        self.url = url
        self.model = model
        self.normalizer = normalizer
        self.idTable = idTable
        self.checkpoint = checkpoint
        metadata = CheckpointMetadata(checkpoint.metadata)
    }

    /// The verified `content_hash` of the file.
    public var contentHash: String? { checkpoint.contentHash }

    /// Reads and verifies `url` (content hash) and decodes model, config, normaliser, id tables and metadata.
    /// Throws `TensorError.malformedFile` naming the file and the key for a missing, damaged or incomplete file.
    public static func load(_ url: URL) throws -> TrainedModel {
        let file = resolve(url)
        return try TrainedModel(checkpoint: try ModelCheckpoint.read(file), url: file)
    }

    /// Decodes an already verified `checkpoint` read from `url`.
    public convenience init(checkpoint: ModelCheckpoint, url: URL) throws {
        try self.init(checkpoint: checkpoint, url: url, model: try MarketGPT(checkpoint: checkpoint, file: url.path))
    }

    /// Decodes the normaliser, id tables and metadata of `checkpoint` (read from `url`) around `model`, which
    /// was built from that checkpoint's weights (a resumed trainer's model).
    public convenience init(checkpoint: ModelCheckpoint, url: URL, model: MarketGPT) throws {
        let idTable = try checkpoint.idTable(file: url.path)
        guard let text = checkpoint.metadata[ModelCheckpoint.Key.normalizer] else {
            throw TensorError.malformedFile(file: url.path, reason: "no '\(ModelCheckpoint.Key.normalizer)' in __metadata__")
        }
        let normalizer: FeatureNormalizer
        do { normalizer = try FeatureNormalizer(jsonString: text) } catch {
            throw TensorError.malformedFile(file: url.path, reason: "bad '\(ModelCheckpoint.Key.normalizer)' in __metadata__ (\(error))")
        }
        self.init(url: url, model: model, normalizer: normalizer, idTable: idTable, checkpoint: checkpoint)
    }

    /// A fresh model with this file's weights (fine-tuning starts each category from its own copy).
    public func freshModel() throws -> MarketGPT { try MarketGPT(checkpoint: checkpoint, file: url.path) }

    /// The checkpoint's step (0 when absent).
    public var step: Int { metadata.step ?? 0 }

    /// The file `load` reads for `url`: `url` itself. Training checkpoints replace the weights file by one atomic
    /// rename (`TrainingCheckpoint.write`; its optimizer state is renamed last), so a reader never sees torn
    /// weights; a future layout with several generations changes only this function.
    public static func resolve(_ url: URL) -> URL { url }
}
