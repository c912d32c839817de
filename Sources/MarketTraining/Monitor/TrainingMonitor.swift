// The training monitor: progress display, metrics.jsonl and TensorBoard events for one run.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Foundation
import MarketSupport

/// Watches a training run: call `record(step:…)` after every optimizer step and `finish()` at the end.
///
/// - On a terminal (stderr is a tty) it redraws one progress bar (at most every
///   `Options.redrawInterval` seconds); otherwise it prints a plain ASCII line every
///   `Options.plainLineInterval` seconds (and at the first and last step), with no control characters.
/// - Every `Options.logEvery` steps, at every step with a validation loss, and at the last step it
///   appends one `MetricsRecord` to `runs/<run>/metrics.jsonl` and the same scalars to a TensorBoard
///   events file in `runs/<run>/` — each record written whole at once (nothing half-way).
/// - Resuming (`resumingAfterStep: s`): metrics.jsonl keeps its records with `step ≤ s` and is
///   appended to; a **new** events file is started with a `SessionLog START` at step s+1 so
///   TensorBoard hides the redone steps of the interrupted session; `elapsed_s` continues from
///   the last kept record. A fresh run replaces metrics.jsonl and removes old events files.
public final class TrainingMonitor {
    /// How the monitor displays and logs.
    public struct Options: Sendable {
        /// The step at which the run ends (for the bar and the ETA).
        public var totalSteps: Int
        /// Append a metrics record every this many steps (default 10).
        public var logEvery: Int
        /// Seconds between plain lines when stderr is not a terminal (default 30).
        public var plainLineInterval: Double
        /// Seconds between redraws of the terminal bar (default 0.1).
        public var redrawInterval: Double
        /// `true`/`false` forces the display mode; `nil` asks `isatty(stderr)` (default).
        public var isTerminal: Bool?
        /// Write TensorBoard event files beside metrics.jsonl (default true).
        public var writesTensorBoard: Bool
        /// Decay of the displayed loss EMA (default 0.98, bias-corrected).
        public var lossDecay: Double

        public init(totalSteps: Int, logEvery: Int = 10, plainLineInterval: Double = 30,
                    redrawInterval: Double = 0.1, isTerminal: Bool? = nil, writesTensorBoard: Bool = true,
                    lossDecay: Double = 0.98) {
            precondition(totalSteps > 0 && logEvery > 0, "totalSteps and logEvery must be positive")
            self.totalSteps = totalSteps
            self.logEvery = logEvery
            self.plainLineInterval = plainLineInterval
            self.redrawInterval = redrawInterval
            self.isTerminal = isTerminal
            self.writesTensorBoard = writesTensorBoard
            self.lossDecay = lossDecay
        }
    }

    /// The options in use.
    public let options: Options
    /// `true` when the progress bar is drawn, `false` for plain lines.
    public let isTerminal: Bool
    /// The metrics log's file name in the run directory.
    public static let metricsFileName = "metrics.jsonl"
    /// The metrics.jsonl writer (`nil` without a run directory).
    public let metricsLog: MetricsLogWriter?
    /// The TensorBoard events writer (`nil` without a run directory or when disabled).
    public let eventsWriter: TensorBoardEventWriter?

    private let clock: () -> Double
    private let output: (String) -> Void
    private let estimator: ETAEstimator
    private let elapsedBefore: Double
    private var emaRaw = 0.0
    private var emaCount = 0
    private var lastValLoss: Double?
    private var lastLoggedTime: Double
    private var samplesSinceLog = 0
    private var samplesPerSecond = 0.0
    private var lastDisplayTime = -Double.infinity
    private var lastDisplayedStep: Int?
    private var lastSnapshot: ProgressSnapshot?
    private var finished = false

    /// Starts monitoring.
    /// - Parameters:
    ///   - runDirectory: `runs/<run>/`; `nil` shows progress only (no files).
    ///   - resumingAfterStep: the step of the checkpoint a resumed run continues from; `nil` for a fresh run.
    ///   - clock: monotonic seconds (injectable for tests).
    ///   - output: where progress text goes (default: stderr).
    public init(runDirectory: URL?, options: Options, resumingAfterStep: Int? = nil,
                clock: @escaping () -> Double = monotonicSeconds,
                output: @escaping (String) -> Void = TrainingMonitor.writeToStandardError) throws {
        self.options = options
        self.clock = clock
        self.output = output
        isTerminal = options.isTerminal ?? (isatty(STDERR_FILENO) != 0)
        if let directory = runDirectory {
            let log = try MetricsLogWriter(url: directory.appendingPathComponent(Self.metricsFileName),
                                           resumingAfterStep: resumingAfterStep)
            metricsLog = log
            elapsedBefore = log.earlierRecords.last?.elapsedSeconds ?? 0
            if resumingAfterStep == nil { try Self.removeEventFiles(in: directory) }
            eventsWriter = options.writesTensorBoard
                ? try TensorBoardEventWriter(directory: directory, resumedAtStep: resumingAfterStep.map { $0 + 1 })
                : nil
        } else {
            metricsLog = nil
            eventsWriter = nil
            elapsedBefore = 0
        }
        let now = clock()
        estimator = ETAEstimator(totalSteps: options.totalSteps, startStep: resumingAfterStep ?? 0, startTime: now)
        lastLoggedTime = now
    }

    /// Records one optimizer step.
    /// - Parameters:
    ///   - step: optimizer steps completed, including this one (1-based, continues across resumes).
    ///   - epoch: passes over the training data started so far (0-based).
    ///   - loss: this step's training loss.
    ///   - samples: samples in this step's batch (B).
    ///   - learningRate: the learning rate this step used.
    ///   - gradNorm: global gradient norm before clipping.
    ///   - valLoss: the validation loss when the model was evaluated after this step, else `nil`.
    /// - Returns: the record written to metrics.jsonl, or `nil` when this step is not logged.
    @discardableResult
    public func record(step: Int, epoch: Int, loss: Double, samples: Int, learningRate: Double,
                       gradNorm: Double, valLoss: Double? = nil) throws -> MetricsRecord? {
        let now = clock()
        if loss.isFinite {
            emaRaw = options.lossDecay * emaRaw + (1 - options.lossDecay) * loss
            emaCount += 1
        }
        if let valLoss { lastValLoss = valLoss }
        samplesSinceLog += samples
        let interval = now - lastLoggedTime
        let shouldLog = step % options.logEvery == 0 || valLoss != nil || step >= options.totalSteps
        var record: MetricsRecord?
        if shouldLog {
            samplesPerSecond = interval > 0 ? Double(samplesSinceLog) / interval : 0
            samplesSinceLog = 0
            lastLoggedTime = now
        } else if samplesPerSecond == 0, interval > 0 {
            samplesPerSecond = Double(samplesSinceLog) / interval
        }
        let eta = estimator.secondsRemaining(step: step, now: now)
        let elapsed = elapsedBefore + (now - estimator.startTime)
        if shouldLog {
            let entry = MetricsRecord(step: step, epoch: epoch, loss: loss, valLoss: valLoss,
                                      learningRate: learningRate, gradNorm: gradNorm,
                                      samplesPerSecond: samplesPerSecond, elapsedSeconds: elapsed, etaSeconds: eta)
            try metricsLog?.append(entry)
            try eventsWriter?.add(scalars: entry.scalars, step: step)
            record = entry
        }
        let snapshot = ProgressSnapshot(epoch: epoch, step: step, totalSteps: options.totalSteps,
                                        emaLoss: emaCount > 0 ? emaRaw / (1 - pow(options.lossDecay, Double(emaCount))) : .nan,
                                        valLoss: lastValLoss, samplesPerSecond: samplesPerSecond,
                                        elapsedSeconds: elapsed, etaSeconds: eta)
        lastSnapshot = snapshot
        display(snapshot, now: now, force: step == estimator.startStep + 1 || step >= options.totalSteps)
        return record
    }

    /// Ends the display (a final newline after the bar, or a last plain line) and closes the files.
    public func finish() {
        guard !finished else { return }
        finished = true
        if let snapshot = lastSnapshot {
            if isTerminal {
                output(snapshot.terminalBar() + "\n")
            } else if lastDisplayedStep != snapshot.step {
                output(snapshot.plainLine)
            }
        }
        metricsLog?.close()
        eventsWriter?.close()
    }

    private func display(_ snapshot: ProgressSnapshot, now: Double, force: Bool) {
        if isTerminal {
            guard force || now - lastDisplayTime >= options.redrawInterval else { return }
            output(snapshot.terminalBar())
        } else {
            guard force || now - lastDisplayTime >= options.plainLineInterval else { return }
            output(snapshot.plainLine)
        }
        lastDisplayTime = now
        lastDisplayedStep = snapshot.step
    }

    private static func removeEventFiles(in directory: URL) throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for name in names where name.hasPrefix("events.out.tfevents.") {
            try FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
    }

    /// Writes text to stderr unbuffered.
    public static func writeToStandardError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
