// Best-effort registration of one command's run: never lets the registry fail the command it records.
import Foundation

/// Registers a run if the registry can be opened and written; otherwise prints one warning line
/// (naming the database file) and carries on, so a corrupt or locked registry never breaks
/// `signals`, `backtest` or training.
public final class RunRecorder: @unchecked Sendable {
    /// The registry (nil when it could not be opened).
    public let registry: RunRegistry?
    /// The registered run's id (nil when registration failed).
    public private(set) var runID: String?
    private let warn: (String) -> Void

    /// Opens the registry at `url` and registers a `running` run of `kind`.
    public init(url: URL = URL(fileURLWithPath: RunRegistry.defaultPath), kind: RunKind, name: String? = nil,
                configPath: String? = nil, universePath: String? = nil, seed: Int64? = nil, codeVersion: String,
                warn: @escaping (String) -> Void = RunRecorder.standardError) {
        self.warn = warn
        var opened: RunRegistry?
        var id: String?
        do {
            opened = try RunRegistry(url: url)
            id = try opened!.start(kind: kind, name: name, configHash: configPath.flatMap(ContentDigest.file),
                                   universeHash: universePath.flatMap(ContentDigest.file), seed: seed, codeVersion: codeVersion)
        } catch {
            warn("registry: \(error) — the run goes on unregistered")
        }
        registry = opened
        runID = id
    }

    /// Ends the run as finished with `metrics` and `artefacts` (paths); `checkpoint` is hashed from its header.
    public func finish(metrics: [String: Double] = [:], artefacts: [String: String] = [:], checkpoint: String? = nil) {
        end(status: .finished, metrics: metrics, artefacts: artefacts, checkpoint: checkpoint, error: nil)
    }

    /// Ends the run as failed with `error` (one line).
    public func fail(_ error: String) {
        end(status: .failed, metrics: [:], artefacts: [:], checkpoint: nil, error: error)
    }

    private func end(status: RunStatus, metrics: [String: Double], artefacts: [String: String], checkpoint: String?, error: String?) {
        guard let registry, let runID else { return }
        var artefacts = artefacts
        // Per-category checkpoints (`checkpoint.<category>`) carry their hashes for `promote`.
        for (key, path) in artefacts where key.hasPrefix("checkpoint.") {
            if let hash = try? ContentDigest.checkpointHash(URL(fileURLWithPath: path)) {
                artefacts["checkpoint_hash." + key.dropFirst("checkpoint.".count)] = hash
            }
        }
        let hash = checkpoint.flatMap { try? ContentDigest.checkpointHash(URL(fileURLWithPath: $0)) }
        do {
            try registry.finish(runID, status: status, metrics: metrics, artefacts: artefacts,
                                checkpointPath: checkpoint, checkpointHash: hash, error: error)
        } catch {
            warn("registry: \(error) — run \(runID) not updated")
        }
    }

    /// Writes a line to stderr.
    public static func standardError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
