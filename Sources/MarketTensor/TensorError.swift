// TensorError: typed errors for bad input to the tensor library (files, checkpoints).
import Foundation

/// Errors from reading tensors and optimizer state; each message names the file or tensor and the reason.
public enum TensorError: Error, CustomStringConvertible, Equatable {
    /// A safetensors file is malformed (`file`: path, `reason`: what is wrong).
    case malformedFile(file: String, reason: String)
    /// A tensor expected in a checkpoint is absent.
    case missingTensor(String)
    /// A tensor in a checkpoint has another shape than expected.
    case shapeMismatch(name: String, expected: [Int], found: [Int])

    public var description: String {
        switch self {
        case let .malformedFile(file, reason): return "\(file): \(reason)"
        case let .missingTensor(name): return "missing tensor '\(name)'"
        case let .shapeMismatch(name, expected, found): return "tensor '\(name)' has shape \(found), expected \(expected)"
        }
    }
}
