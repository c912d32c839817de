// The one mapping from library errors to exit codes (README "Nightly runs": 0 success, 1 run failed, 64 usage).
import ArgumentParser
import Foundation
import MarketBacktest
import MarketData
import MarketDistributed
import MarketPipeline
import MarketSignals
import MarketSynthetic
import MarketTensor
import MarketTraining
import MarketSupport

/// Exit codes of `marketgpt` and which errors lead to them.
enum ExitStatus {
    /// The run failed: bad input data, config or checkpoint, nothing to do, a write that failed.
    static let runFailed: Int32 = 1

    /// The one-line message of a library error that means "the run failed" (exit 1), nil for anything else
    /// (usage errors and help requests, which ArgumentParser maps to 64 and 0).
    static func runFailure(_ error: Error) -> String? {
        switch error {
        case let error as PipelineError: return error.description
        case let error as QuickstartError: return error.description
        case let error as DataCommandFailure: return error.description
        case let error as DataError: return error.description
        case let error as ConfigError: return error.description
        case let error as AtomicFileError: return error.description
        case let error as SignalError: return error.description
        case let error as TrainingError: return error.description
        case let error as DistributedError: return error.description
        case let error as BacktestError: return error.description
        case let error as SyntheticError: return error.description
        case let error as TensorError: return String(describing: error)
        case let error as CocoaError: return error.localizedDescription
        default: return nil
        }
    }

    /// Prints `Error: <message>` on stderr and exits with the code of `error`.
    static func exit(with error: Error) -> Never {
        if let message = runFailure(error) {
            FileHandle.standardError.write(Data("Error: \(MPIProcessGroup.rankPrefix)\(message)\n".utf8))
            MPIProcessGroup.abortIfRunning(code: runFailed)   // one rank failing ends the whole mpirun job
            Foundation.exit(runFailed)
        }
        MarketGPTCommand.exit(withError: error)
    }
}
