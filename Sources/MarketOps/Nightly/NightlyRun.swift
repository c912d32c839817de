// The nightly run's steps: lock → fetch → coverage → drift gate → signals (production models) → register → notify.
import Foundation
import MarketData
import MarketModel
import MarketSupport

/// What the signal step produced.
public struct NightlySignalsOutcome: Sendable {
    /// The signal CSV written.
    public var file: String
    /// Assets scored.
    public var assets: Int
    /// BUY / SELL / HOLD counts.
    public var counts: [String: Int]
    /// Category → checkpoint file that scored it.
    public var models: [String: String]

    public init(file: String, assets: Int, counts: [String: Int], models: [String: String]) {
        self.file = file
        self.assets = assets
        self.counts = counts
        self.models = models
    }
}

/// What the caller supplies: the date, the version, and the signal step (the signal run lives above
/// this library; it receives the production checkpoint of each category that has one).
public struct NightlyContext {
    /// The decision date (each asset's latest bar on or before it is scored).
    public var date: DayNumber
    /// The last day fetched (normally the same as `date`).
    public var fetchTo: DayNumber
    public var configPath: String
    public var codeVersion: String
    /// The checkpoint whose reference the drift gate uses when `drift.checkpoint` is unset and no
    /// category has a production checkpoint (the signals config's pre-trained file).
    public var fallbackDriftCheckpoint: URL?
    /// Runs the signal step; throws an error whose description is one line.
    public var signals: (_ production: [String: URL]) throws -> NightlySignalsOutcome
    /// Progress lines (stderr).
    public var log: (String) -> Void
    /// The environment the webhook URL variable is read from.
    public var environment: [String: String]

    public init(date: DayNumber, fetchTo: DayNumber? = nil, configPath: String, codeVersion: String, fallbackDriftCheckpoint: URL?,
                signals: @escaping (_ production: [String: URL]) throws -> NightlySignalsOutcome,
                log: @escaping (String) -> Void = RunRecorder.standardError,
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.date = date
        self.fetchTo = fetchTo ?? date
        self.configPath = configPath
        self.codeVersion = codeVersion
        self.fallbackDriftCheckpoint = fallbackDriftCheckpoint
        self.signals = signals
        self.log = log
        self.environment = environment
    }
}

/// One nightly run. Every step's outcome goes into the `NightlySummary`; the exit code says how far it got.
public enum NightlyRun {
    /// Days without a bar after which an asset counts as stale in the coverage check.
    public static let staleDays: DayNumber = 5

    public static func run(config: NightlyConfig, context: NightlyContext) -> NightlySummary {
        let started = Date()
        let startedAt = RunRegistry.timestamp()
        let date = CivilDate.isoString(context.date)
        var steps: [String: NightlyStep] = [:]
        func finish(_ code: NightlyExitCode, run: String?) -> NightlySummary {
            NightlySummary(date: date, run: run, status: code == .success ? "finished" : (code == .failed ? "failed" : "stopped"),
                           exitCode: code.rawValue, meaning: NightlySummary.meaning(code), startedAt: startedAt,
                           seconds: Date().timeIntervalSince(started), steps: steps)
        }
        // Lock (MarketData's run lock on the lock folder): a second run exits at once.
        let lockFolder = URL(fileURLWithPath: config.lock)
        let lock: RunLock
        do { lock = try RunLock.acquire(folder: lockFolder, command: "marketgpt nightly", onTakeover: context.log) } catch {
            context.log("nightly: \(error)")
            steps["lock"] = NightlyStep(status: "failed", detail: "\(error)")
            let held = FileManager.default.fileExists(atPath: lockFolder.appendingPathComponent(RunLock.fileName).path)
            return finish(held ? .locked : .failed, run: nil)
        }
        defer { lock.release() }

        let recorder = RunRecorder(url: URL(fileURLWithPath: config.registry), kind: .nightly, name: "nightly",
                                   configPath: context.configPath, universePath: config.universe, seed: nil,
                                   codeVersion: context.codeVersion, warn: context.log)
        let notifier = WebhookNotifier(settings: config.notify, environment: context.environment, log: { context.log($0) })
        var code = NightlyExitCode.success
        var failure: String?
        var outcome: NightlySignalsOutcome?
        var driftReport: DriftReport?

        runSteps: do {
            let universe: Universe
            do { universe = try Universe.load(URL(fileURLWithPath: config.universe)) } catch {
                failure = "\(error)"; code = .failed; break runSteps
            }
            let dataURL = URL(fileURLWithPath: config.data)
            // 1. Fetch.
            var failedFetches = 0
            if config.skipFetch {
                steps["fetch"] = NightlyStep(status: "skipped", detail: "skip_fetch: true")
            } else {
                let targets = FetchTarget.targets(of: universe, dataDirectory: dataURL, from: nil, today: context.fetchTo)
                let fetcher = PriceFetcher(settings: config.fetch, log: { _ in })
                let report = (try? AsyncBridge.wait { () -> FetchReport in
                    let report = await fetcher.run(targets, today: context.fetchTo)
                    await fetcher.shutdown()
                    return report
                })!
                failedFetches = report.assets.filter { !$0.status.isSuccess }.count
                let faults = report.assets.filter { !$0.status.isSuccess }.prefix(20).map { "\($0.ticker): \($0.status.rawValue)" }
                var values: [String: JSONValue] = ["assets": .number(Double(report.assets.count)), "requests": .number(Double(report.requests)),
                                                   "seconds": .number(report.seconds), "faults": .strings(Array(faults))]
                for (status, count) in report.counts { values[status] = .number(Double(count)) }
                steps["fetch"] = NightlyStep(status: report.ok ? "ok" : "warning",
                                             detail: report.ok ? nil : "\(failedFetches) of \(report.assets.count) assets not updated",
                                             values: values)
                context.log("nightly: fetch: \(report.counts.keys.sorted().map { "\($0) \(report.counts[$0]!)" }.joined(separator: ", "))")
            }
            // 2. Coverage (as of the date, real bars).
            let loaded = UniverseLoader.load(universe, dataDirectory: dataURL, options: UniverseLoadOptions(asOf: context.date))
            let total = max(loaded.assets.count, 1)
            let missing = loaded.assets.filter { $0.real == nil }.map(\.asset.ticker)
            let stale = loaded.assets.filter { ($0.real?.dates.last).map { $0 < context.date - staleDays } ?? false }.map(\.asset.ticker)
            let failedShare = Double(failedFetches) / Double(total)
            let staleShare = Double(missing.count + stale.count) / Double(total)
            var coverage = NightlyStep(status: "ok", values: [
                "assets": .number(Double(loaded.assets.count)), "missing": .number(Double(missing.count)), "stale": .number(Double(stale.count)),
                "failed_fetches": .number(Double(failedFetches)), "missing_tickers": .strings(Array(missing.prefix(20))),
                "stale_tickers": .strings(Array(stale.prefix(20)))])
            if failedShare > config.coverage.maxFailedShare || staleShare > config.coverage.maxStaleShare {
                coverage.status = "failed"
                coverage.detail = String(format: "failed fetches %.1f%% (max %.1f%%), missing or stale %.1f%% (max %.1f%%)",
                                         failedShare * 100, config.coverage.maxFailedShare * 100, staleShare * 100, config.coverage.maxStaleShare * 100)
                steps["coverage"] = coverage
                failure = "coverage: \(coverage.detail!)"; code = .coverageFailed; break runSteps
            }
            if !missing.isEmpty || !stale.isEmpty { coverage.status = "warning"; coverage.detail = "\(missing.count) missing, \(stale.count) stale" }
            steps["coverage"] = coverage
            // Production models from the registry.
            var production: [String: URL] = [:]
            if config.models == .registry {
                if let registry = recorder.registry {
                    do {
                        let checkpoints = try registry.productionCheckpoints(categories: universe.categories.map(\.name))
                        for category in checkpoints.keys.sorted() {
                            let checkpoint = checkpoints[category]!
                            if let problem = checkpoint.problem { failure = "registry: \(problem)"; code = .failed; break runSteps }
                            production[category] = checkpoint.url
                        }
                    } catch { context.log("nightly: \(error) — using the signals config's checkpoints") }
                } else {
                    context.log("nightly: registry unavailable — using the signals config's checkpoints")
                }
            }
            // 3. Drift gate.
            if config.drift.mode == .off {
                steps["drift"] = NightlyStep(status: "skipped", detail: "drift.mode: off")
            } else {
                let checkpointURL = config.drift.checkpoint.map { URL(fileURLWithPath: $0) }
                    ?? context.fallbackDriftCheckpoint.flatMap { FileManager.default.fileExists(atPath: $0.path) ? $0 : nil }
                    ?? production.sorted(by: { $0.key < $1.key }).first?.value
                if let checkpointURL {
                    do {
                        let checkpoint = try ModelCheckpoint.read(checkpointURL)
                        if let reference = try DriftGate.reference(of: checkpoint, file: checkpointURL.path) {
                            let report = DriftGate.run(reference: reference, loaded: loaded, date: context.date,
                                                       options: DriftOptions(window: config.drift.window, level: config.drift.level))
                            driftReport = report
                            steps["drift"] = NightlyStep(status: report.drift ? (config.drift.mode == .stop ? "stopped" : "warning") : "ok",
                                                         detail: report.drift ? "drift in \(report.drifted.count) of \(report.tests.count) tests" : nil,
                                                         values: ["tests": .number(Double(report.tests.count)), "drifted": .strings(report.drifted),
                                                                  "checkpoint": .string(checkpointURL.path), "window": .number(Double(report.window)),
                                                                  "seconds": .number(report.seconds)])
                            if report.drift {
                                _ = try? AsyncBridge.wait {
                                    await notifier.send(NotifyMessage(event: .drift, source: "nightly", run: recorder.runID, status: "drift",
                                                                      text: "MarketGPT nightly \(date): drift in \(report.drifted.count) of \(report.tests.count) feature tests (\(report.drifted.prefix(5).joined(separator: ", ")))",
                                                                      fields: ["date": date, "drifted": report.drifted.joined(separator: ",")]))
                                }
                                if config.drift.mode == .stop {
                                    failure = "drift gate: drift in \(report.drifted.joined(separator: ", ")) (drift.mode: stop)"
                                    code = .driftStopped; break runSteps
                                }
                            }
                        } else {
                            steps["drift"] = NightlyStep(status: "skipped", detail: "\(checkpointURL.path) has no drift reference (trained before the drift gate)")
                        }
                    } catch {
                        steps["drift"] = NightlyStep(status: "failed", detail: "\(error)")
                        if config.drift.mode == .stop { failure = "drift gate: \(error)"; code = .failed; break runSteps }
                    }
                } else {
                    steps["drift"] = NightlyStep(status: "skipped", detail: "no checkpoint for the drift reference")
                }
            }
            // 4. Signals.
            do {
                let result = try context.signals(production)
                outcome = result
                var values: [String: JSONValue] = ["file": .string(result.file), "assets": .number(Double(result.assets))]
                for (signal, count) in result.counts { values[signal.lowercased()] = .number(Double(count)) }
                values["production_categories"] = .strings(production.keys.sorted())
                steps["signals"] = NightlyStep(status: "ok", values: values)
            } catch {
                steps["signals"] = NightlyStep(status: "failed", detail: "\(error)")
                failure = "signals: \(error)"; code = .failed; break runSteps
            }
        }
        // 5. Register.
        if let failure {
            recorder.fail(failure)
        } else {
            var metrics: [String: Double] = [:]
            for (signal, count) in outcome?.counts ?? [:] { metrics["signals_\(signal.lowercased())"] = Double(count) }
            if let driftReport { metrics["drift_tests"] = Double(driftReport.tests.count); metrics["drifted_tests"] = Double(driftReport.drifted.count) }
            var artefacts: [String: String] = [:]
            if let outcome { artefacts["signals"] = outcome.file }
            for (category, file) in outcome?.models ?? [:] { artefacts["model.\(category)"] = file }
            recorder.finish(metrics: metrics, artefacts: artefacts)
        }
        steps["register"] = recorder.runID == nil ? NightlyStep(status: "failed", detail: "registry unavailable (see stderr)")
                                                  : NightlyStep(status: "ok", values: ["run": .string(recorder.runID!)])
        // 6. Notify.
        let message: NotifyMessage
        if let failure {
            message = NotifyMessage(event: .failure, source: "nightly", run: recorder.runID, status: code == .failed ? "failed" : "stopped",
                                    text: "MarketGPT nightly \(date): \(code == .failed ? "FAILED" : "STOPPED") (exit \(code.rawValue)) — \(failure)",
                                    fields: ["date": date, "exit_code": String(code.rawValue)])
        } else {
            let counts = outcome?.counts ?? [:]
            message = NotifyMessage(event: .finish, source: "nightly", run: recorder.runID, status: "finished",
                                    text: "MarketGPT nightly \(date): \(outcome?.assets ?? 0) assets — BUY \(counts["BUY"] ?? 0), SELL \(counts["SELL"] ?? 0), HOLD \(counts["HOLD"] ?? 0)"
                                        + (driftReport?.drift == true ? " (drift warning)" : ""),
                                    fields: ["date": date, "file": outcome?.file ?? ""])
        }
        let sent = (try? AsyncBridge.wait { () -> NotifyOutcome in
            let result = await notifier.send(message)
            await notifier.shutdown()
            return result
        }) ?? NotifyOutcome(result: "failed", attempts: 0, detail: nil)
        steps["notify"] = NightlyStep(status: sent.result == "failed" ? "warning" : (sent.result == "sent" ? "ok" : "skipped"), detail: sent.detail,
                                      values: ["event": .string(message.event.rawValue), "attempts": .number(Double(sent.attempts))])
        var summary = finish(code, run: recorder.runID)
        if let failure, steps.values.allSatisfy({ $0.detail != failure }) { summary.meaning += " — \(failure)" }
        // The summary file (atomic), by date and as latest.json.
        if let text = try? summary.jsonString() {
            let folder = URL(fileURLWithPath: config.summaries)
            do {
                try AtomicFile.write(text + "\n", to: folder.appendingPathComponent("\(date).json"))
                try AtomicFile.write(text + "\n", to: folder.appendingPathComponent("latest.json"))
            } catch { context.log("nightly: cannot write the summary under \(folder.path) (\(error.localizedDescription))") }
        }
        return summary
    }
}
