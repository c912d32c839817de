// The one error of the pipeline library: a one-line reason naming the file, line or key.
import Foundation
import MarketData
import MarketModel
import MarketSignals
import MarketTensor
import MarketTraining
import MarketSupport

/// A workflow failure: bad input (file, line, reason), an unusable checkpoint, nothing to do. Its
/// `description` is the one line a front door (CLI, server) shows; the CLI maps it to exit code 1.
public struct PipelineError: Error, CustomStringConvertible, Equatable, Sendable {
    public let description: String

    public init(_ description: String) { self.description = description }

    /// Runs `body`, turning the libraries' typed errors into their one-line `PipelineError`.
    public static func wrap<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as PipelineError {
            throw error
        } catch let error as DataError {
            throw PipelineError(error.description)
        } catch let error as ConfigError {
            throw PipelineError(error.description)
        } catch let error as SignalError {
            throw PipelineError(error.description)
        } catch let error as TrainingError {
            throw PipelineError(error.description)
        } catch let error as TensorError {
            throw PipelineError(String(describing: error))
        }
    }

    /// Throws unless `url` is an existing folder: `<path>: data folder not found`.
    public static func requireFolder(_ url: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw PipelineError("\(url.relativePath): data folder not found")
        }
    }
}
