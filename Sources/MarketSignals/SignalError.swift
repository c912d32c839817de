// Typed errors of a signal run: unusable checkpoint, no usable data, bad options.
import Foundation

/// Why a signal run cannot produce a file; the description is the one-line message for stderr.
public enum SignalError: Error, CustomStringConvertible, Equatable {
    /// A checkpoint file that is missing, damaged or does not fit the data.
    case checkpoint(file: String, reason: String)
    /// No model for any category (no `pretrained.safetensors`, no fine-tuned file, no `--checkpoint`).
    case noCheckpoint(directory: String)
    /// No asset has a bar on or before the date.
    case noData(date: String)
    /// The decision horizon is outside 1…H of the model.
    case horizon(requested: Int, modelHorizon: Int, file: String)

    public var description: String {
        switch self {
        case .checkpoint(let file, let reason): return "\(file): \(reason)"
        case .noCheckpoint(let directory):
            return "\(directory): no usable checkpoint (neither pretrained.safetensors nor model_finetuned_<category>.safetensors); "
                + "train one with `marketgpt pretrain` or pass --checkpoint"
        case .noData(let date): return "no asset has data on or before \(date): nothing to score"
        case .horizon(let requested, let modelHorizon, let file):
            return "\(file): decision horizon \(requested) is outside 1…\(modelHorizon) (the model's forecast horizon H)"
        }
    }
}
