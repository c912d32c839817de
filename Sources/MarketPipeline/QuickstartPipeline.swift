// The stages of `marketgpt quickstart`, one function each, calling library APIs (never shelling out).
import Foundation
import MarketData
import MarketSignals
import MarketSynthetic
import MarketTraining
import MarketSupport

/// Runs the whole pipeline on a universe (the embedded demo one by default): demo data → universe load with gap
/// filling → pre-training → walk-forward fine-tuning of one category → evaluation against baselines → nightly
/// signals → historical signals + backtest → summary. Everything goes under `runs/<run>/` and `checkpoints/<run>/`.
///
/// A stage whose library API is not in this build returns `.unavailable` with the reason; it never fakes output.
public final class QuickstartPipeline {
    /// What the pipeline reads and where it writes; paths are relative to `workingDirectory`.
    public struct Settings {
        public var workingDirectory: URL
        /// Universe YAML, or nil for the embedded demo universe.
        public var universePath: String?
        /// Data folder; nil means `runs/<run>/data` (generated when it holds no demo data yet).
        public var dataPath: String?
        /// Model and training configuration (`configs/quickstart.yaml`).
        public var configPath: String
        public var run: String
        public var seed: UInt64
        /// The category fine-tuned walk-forward.
        public var category: String
        /// Stop pre-training at this optimizer step (nil: the config's `total_steps`).
        public var steps: Int?
        /// Length of the final out-of-sample period in years (never trained on; evaluated and backtested).
        public var oosYears: Int
        /// At most this many optimizer steps per walk-forward window (nil: every step of one epoch).
        public var maxStepsPerWindow: Int?
        /// MC-dropout passes per asset for the signals.
        public var samples: Int
        /// Backtest only the last N dates of the out-of-sample period (nil: all of it).
        public var historyDays: Int?
        /// The signal rule of the quickstart's signals (looser than the nightly defaults, so the short demo trades).
        public var rule = SignalRule(confidenceThreshold: 0.57, minReturn: 0.002)

        public init(workingDirectory: URL, universePath: String?, dataPath: String?, configPath: String, run: String,
                    seed: UInt64, category: String, steps: Int?, oosYears: Int, maxStepsPerWindow: Int?, samples: Int,
                    historyDays: Int?) {
            self.workingDirectory = workingDirectory
            self.universePath = universePath
            self.dataPath = dataPath
            self.configPath = configPath
            self.run = run
            self.seed = seed
            self.category = category
            self.steps = steps
            self.oosYears = oosYears
            self.maxStepsPerWindow = maxStepsPerWindow
            self.samples = samples
            self.historyDays = historyDays
        }
    }

    public let settings: Settings
    /// The universe, decoded by the first stage.
    private(set) var universe: Universe?
    /// The universe's data as loaded (and gap-filled once the filler is available), from stage 2.
    private(set) var loaded: LoadedUniverse?
    /// The pre-trained weights, from stage 3.
    var pretrainedCheckpoint: URL?
    /// First day of the pre-training's test range (never trained on), from stage 3.
    var pretrainingTestStart: DayNumber?
    /// The walk-forward and out-of-sample report, from stage 4.
    var fineTuneReport: WalkForwardReport?
    /// The model and training configuration, read before any stage runs (universe, data, run and seed
    /// replaced by the quickstart's own settings).
    private(set) var config: TrainingRunConfig?
    /// Results so far, in stage order.
    public private(set) var results: [QuickstartStageResult] = []

    /// Where progress and reports go (stderr in the CLI).
    let report: (String) -> Void

    public init(settings: Settings, report: @escaping (String) -> Void) {
        self.settings = settings
        self.report = report
    }

    /// `runs/<run>` relative to the working folder.
    public var runPath: String { "runs/\(settings.run)" }
    /// `checkpoints/<run>` relative to the working folder.
    var checkpointPath: String { "checkpoints/\(settings.run)" }
    /// The data folder relative to the working folder.
    var dataPath: String { settings.dataPath ?? "\(runPath)/data" }

    /// `path` (relative to the working folder, or absolute) as a URL.
    func url(_ path: String) -> URL {
        path.hasPrefix("/") ? URL(fileURLWithPath: path) : settings.workingDirectory.appendingPathComponent(path)
    }

    /// The stages in order: (machine name, title, function).
    var stages: [(name: String, title: String, run: () throws -> QuickstartStageResult)] {
        [
            ("demo_data", "demo data", demoData),
            ("universe", "universe load with gap filling", loadUniverse),
            ("pretrain", "pre-training", pretrain),
            ("finetune", "walk-forward fine-tuning of \(settings.category)", finetune),
            ("evaluate", "evaluation against baselines", evaluate),
            ("signals", "nightly signals for the last date", nightlySignals),
            ("backtest", "historical signals and backtest of the out-of-sample period", backtest),
        ]
    }

    /// Runs every stage, reporting progress on stderr, then writes `runs/<run>/summary.json`.
    /// - Returns: the results of every stage.
    public func runAll() throws -> [QuickstartStageResult] {
        let progress = report
        let stages = self.stages
        let started = Date()
        config = try loadConfig()
        progress("config \(settings.configPath): \(Self.describe(config!.model))")
        for (index, stage) in stages.enumerated() {
            let label = "[\(index + 1)/\(stages.count + 1)] \(stage.title)"
            progress("\(label) …")
            let stageStarted = Date()
            var result = try stage.run()
            result.name = stage.name
            result.title = stage.title
            result.seconds = Date().timeIntervalSince(stageStarted)
            results.append(result)
            switch result.status {
            case .done: progress("\(label): done in \(String(format: "%.1f", result.seconds)) s")
            case .reused: progress("\(label): reused (\(result.note))")
            case .partial: progress("\(label): partly done in \(String(format: "%.1f", result.seconds)) s — \(result.note)")
            case .unavailable: progress("\(label): not yet available — \(result.note)")
            }
        }
        progress("[\(stages.count + 1)/\(stages.count + 1)] summary …")
        try writeSummary(totalSeconds: Date().timeIntervalSince(started))
        return results
    }

    // MARK: stages

    /// Stage 1: decodes the universe, records it in the run folder, and writes demo data when the data folder
    /// has none yet (a folder holding `demo-manifest.json` or any CSV is reused as it is).
    func demoData() throws -> QuickstartStageResult {
        let universeText: String
        if let path = settings.universePath {
            guard let text = try? String(contentsOf: url(path), encoding: .utf8) else {
                throw QuickstartError("\(path): cannot read the universe file")
            }
            universeText = text
        } else {
            universeText = EmbeddedDemoUniverse.yaml + "\n"
        }
        let universe = try Universe.parse(yaml: universeText, file: settings.universePath ?? "embedded demo universe")
        self.universe = universe
        try AtomicFile.write(universeText, to: url("\(runPath)/universe.yaml"))
        var result = QuickstartStageResult(name: "", title: "", status: .done)
        result.artefacts = [("universe", "\(runPath)/universe.yaml"), ("data", dataPath)]
        result.figures = [("assets", String(universe.assetCount)), ("categories", String(universe.categories.count))]
        if Self.holdsData(url(dataPath)) {
            result.status = .reused
            result.note = "\(dataPath) already holds data"
            return result
        }
        let assets = try DemoMarketGenerator(universe: universe, seed: settings.seed).write(to: url(dataPath))
        result.artefacts.append(("demo_manifest", "\(dataPath)/\(DemoMarketGenerator.manifestName)"))
        result.figures += [
            ("files", String(assets.filter { $0.series != nil }.count)),
            ("rows", String(assets.reduce(0) { $0 + ($1.series?.count ?? 0) })),
            ("designed_defects", assets.filter { $0.defect != "complete" }.map { "\($0.ticker):\($0.defect)" }.joined(separator: " ")),
        ]
        return result
    }

    /// Reads `settings.configPath` strictly (unknown keys and bad values are one-line errors) and points it at
    /// the quickstart's universe, data folder, run name and seed.
    func loadConfig() throws -> TrainingRunConfig {
        var config: TrainingRunConfig
        guard FileManager.default.fileExists(atPath: url(settings.configPath).path) else {
            throw QuickstartError("\(settings.configPath): config file not found (run from the repository folder, or pass --config)")
        }
        do {
            config = try TrainingRunConfig.load(url(settings.configPath))
            try config.validate()
        } catch let error as ConfigError {
            throw QuickstartError(error.description)
        } catch let error as ConfigValueError {
            throw QuickstartError("\(settings.configPath): \(error.keyPath.joined(separator: ".")): \(error.reason)")
        }
        config.training.universe = settings.universePath ?? "\(runPath)/universe.yaml"
        config.training.data = dataPath
        config.training.run = settings.run
        config.training.seed = settings.seed
        return config
    }

    /// A one-line description of a model section, e.g. `T=48 F=8 C=64 layers=3 heads=4 H=5`.
    static func describe(_ model: ModelSection) -> String {
        "T=\(model.contextLength) F=\(model.features.count) C=\(model.width) layers=\(model.layers) heads=\(model.heads) H=\(model.horizon)"
    }

    /// Stage 2: loads and validates every asset against its category calendar, fills gaps, prints the coverage
    /// report (stderr) and writes it as `runs/<run>/coverage.json` (the layout of `marketgpt universe --json`).
    func loadUniverse() throws -> QuickstartStageResult {
        guard let universe else { throw QuickstartError("universe stage: no universe (the demo data stage did not run)") }
        let started = Date()
        var loaded = UniverseSession(definition: universe, dataDirectory: url(dataPath)).loaded()
        if let failed = loaded.assets.first(where: { $0.error != nil }) { throw QuickstartError(failed.error!.description) }
        let fill = GapFiller.fill(loaded, options: GapFillOptions(seed: settings.seed))
        loaded = fill.universe
        self.loaded = loaded
        let seconds = Date().timeIntervalSince(started)
        report(CoverageTable.render(loaded, seconds: seconds))
        try AtomicFile.write(try CoverageJSON.line(CoverageJSON.universe(loaded, seconds: seconds)) + "\n",
                             to: url("\(runPath)/coverage.json"))
        let counts = loaded.statusCounts
        let gaps = loaded.assets.reduce(0) { $0 + $1.gapDates.count }
        let shortfall = loaded.assets.reduce(0) { $0 + $1.shortfallDates.count }
        let filled = loaded.assets.reduce(0) { $0 + $1.filledBars }
        let peers = fill.reports.compactMap { report in report.peer.map { "\(report.ticker)←\($0)" } }
        var result = QuickstartStageResult(name: "", title: "", status: .done)
        result.artefacts = [("coverage", "\(runPath)/coverage.json")]
        result.figures = [
            ("assets_ok", String(counts[.ok] ?? 0)), ("assets_filled", String(counts[.filled] ?? 0)),
            ("assets_missing", String(counts[.missing] ?? 0)),
            ("rows", String(loaded.assets.reduce(0) { $0 + ($1.real?.count ?? 0) })),
            ("gap_days", String(gaps)), ("shortfall_days", String(shortfall)), ("filled_bars", String(filled)),
            ("gap_bars_filled", String(fill.reports.reduce(0) { $0 + $1.gapBars })),
            ("backfilled_bars", String(fill.reports.reduce(0) { $0 + $1.backfilledBars })),
            ("synthesized_bars", String(fill.reports.reduce(0) { $0 + $1.synthesizedBars })),
            ("synthesized_from", peers.joined(separator: " ")),
        ]
        return result
    }

    // MARK: helpers

    /// A stage result saying plainly that the stage cannot run in this build.
    func unavailable(_ reason: String) -> QuickstartStageResult {
        QuickstartStageResult(name: "", title: "", status: .unavailable, note: reason)
    }

    /// True when `directory` holds a demo manifest or at least one CSV (directly or one folder down).
    static func holdsData(_ directory: URL) -> Bool {
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: directory.appendingPathComponent(DemoMarketGenerator.manifestName).path) { return true }
        guard let entries = try? fileManager.contentsOfDirectory(atPath: directory.path) else { return false }
        for entry in entries {
            if entry.hasSuffix(".csv") { return true }
            let inner = (try? fileManager.contentsOfDirectory(atPath: directory.appendingPathComponent(entry).path)) ?? []
            if inner.contains(where: { $0.hasSuffix(".csv") }) { return true }
        }
        return false
    }

    /// Writes `runs/<run>/summary.json`: every stage with status, seconds, artefacts and figures.
    func writeSummary(totalSeconds: Double) throws {
        let object: [String: Any] = [
            "run": settings.run, "seed": NSNumber(value: settings.seed), "universe": settings.universePath ?? "embedded demo universe",
            "data": dataPath, "config": settings.configPath, "total_seconds": (totalSeconds * 1000).rounded() / 1000,
            "stages": results.map(\.json),
            "complete": results.allSatisfy { $0.status == .done || $0.status == .reused },
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        try AtomicFile.write(data, to: url("\(runPath)/summary.json"))
    }
}

/// A quickstart failure with a one-line reason.
public struct QuickstartError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
