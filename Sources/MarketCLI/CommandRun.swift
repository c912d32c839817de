// Registry + notification glue shared by the commands that run work (pretrain, finetune, signals, backtest).
import Foundation
import MarketOps
import MarketTraining

/// One command's run as the registry and the webhook see it. Nothing here can fail the command: a
/// registry or webhook problem is one warning line on stderr.
///
/// The registry is `runs/registry.sqlite`, or `$MARKETGPT_REGISTRY` (a path; `off` disables registration).
final class CommandRun {
    let recorder: RunRecorder?
    let notifier: WebhookNotifier
    let kind: RunKind
    let name: String?

    /// `active: false` (ranks other than 0 of an mpirun job) records and notifies nothing.
    init(kind: RunKind, name: String? = nil, config: String?, universe: String?, seed: UInt64?, notify: NotifySettings? = nil,
         active: Bool = true) {
        self.kind = kind
        self.name = name
        let setting = ProcessInfo.processInfo.environment["MARKETGPT_REGISTRY"]
        if setting == "off" || !active {
            recorder = nil
        } else {
            let path = setting.flatMap { $0.isEmpty ? nil : $0 } ?? RunRegistry.defaultPath
            recorder = RunRecorder(url: URL(fileURLWithPath: path), kind: kind, name: name,
                                   configPath: config.flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil },
                                   universePath: universe, seed: seed.map { Int64(bitPattern: $0) }, codeVersion: MarketGPTVersion.string)
        }
        notifier = WebhookNotifier(settings: active ? notify : nil)
    }

    /// Posts a training event without waiting (epoch, checkpoint).
    func post(_ event: NotifyEvent, text: String, fields: [String: String] = [:]) {
        notifier.post(NotifyMessage(event: event, source: kind.rawValue, run: recorder?.runID, status: "running", text: text, fields: fields))
    }

    /// Records success and sends `finish` (waiting at most the webhook's time-outs).
    func finish(metrics: [String: Double], artefacts: [String: String], checkpoint: String? = nil, text: String) {
        recorder?.finish(metrics: metrics, artefacts: artefacts, checkpoint: checkpoint)
        deliver(NotifyMessage(event: .finish, source: kind.rawValue, run: recorder?.runID, status: "finished", text: text,
                              fields: metrics.mapValues { String($0) }))
    }

    /// Records the failure and sends `failure`.
    func fail(_ error: Error) {
        let line = "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
        recorder?.fail(line)
        deliver(NotifyMessage(event: .failure, source: kind.rawValue, run: recorder?.runID, status: "failed",
                              text: "MarketGPT \(kind.rawValue)\(name.map { " \($0)" } ?? ""): FAILED — \(line)"))
    }

    /// Runs `body`, recording a thrown error as the run's failure (and rethrowing it).
    func run<T>(_ body: () throws -> T) rethrows -> T {
        do { return try body() } catch { fail(error); throw error }
    }

    private func deliver(_ message: NotifyMessage) {
        guard notifier.isActive else { return }
        let notifier = self.notifier
        _ = try? AsyncBridge.wait {
            await notifier.send(message)
            await notifier.shutdown()
        }
    }
}
