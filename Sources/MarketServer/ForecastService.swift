// The served model: the universe, its data and checkpoints, scored on demand with the nightly signal rule.
import Foundation
import MarketData
import MarketPipeline
import MarketSignals
import MarketSupport
import Logging

/// The forecasting state of the server: a `UniverseSession` (files read once at start, as-of views in
/// memory), the checkpoint set (loaded once) and the signal options of `marketgpt signals` (samples, seed,
/// rule, gap fill). A forecast for a date is `SignalsJob.records(date:)` — the call behind
/// `marketgpt signals --date` — so it scores the *whole* universe as of that date (same assets in the same
/// batches, same dropout streams) and a ticker's numbers equal its row of that command's file for the same
/// seed; the rows of the last few (date, samples, horizon) keys are cached.
///
/// The checkpoints are the folder's, each category with a production promotion in the run registry
/// scored by that checkpoint (`ServedModels`); `refreshModels()` picks up a new promotion (the server
/// calls it every `registry_poll_s` seconds) and empties the cache when the models change.
///
/// Not thread-safe by itself: `records` and `refreshModels` go through `Blocking.serial` (the MC-dropout
/// replicas are shared); the read-only views (`modelLoaded`, `served`, `modelProblem`) may be read anywhere.
public final class ForecastService: @unchecked Sendable {
    public let universe: Universe?
    public let dataDirectory: URL
    /// The data read once (nil without a universe or data folder).
    public let session: UniverseSession?
    /// The models in use (nil when none is loaded).
    public var models: SignalModelSet? { lock.withLock { snapshot.models } }
    /// Where each category's model comes from, in universe order.
    public var served: [ServedModel] { lock.withLock { snapshot.served } }
    /// Why a production promotion or the registry is not used (empty when all is well).
    public var registryProblems: [String] { lock.withLock { snapshot.problems } }
    /// Why the model is not loaded (nil when it is).
    public var modelProblem: String? {
        setupProblem ?? (models == nil ? "\(checkpointsPath): no checkpoint (pretrained.safetensors or model_finetuned_<category>.safetensors) and no production promotion" : nil)
    }
    /// The registry database read for production models (nil with `models: folder`).
    public let registryURL: URL?
    /// The configured checkpoint folder (for messages).
    private let checkpointsPath: String
    /// A universe, data or checkpoint-folder problem found at start.
    private let setupProblem: String?
    private var modelSource: ServedModels?
    private let lock = NSLock()
    private var snapshot: (models: SignalModelSet?, served: [ServedModel], problems: [String]) = (nil, [], [])
    public let defaults: SignalRunOptions
    public let gapFill: Bool
    /// The universe loaded once at start (no as-of cut), for `/v1/universe` and the latest date.
    public private(set) var loaded: LoadedUniverse?
    private var cache: [String: [SignalRecord]] = [:]
    private var cacheOrder: [String] = []
    private static let cacheSize = 16

    /// Loads the universe YAML and the checkpoint folder; a missing or damaged file leaves the service
    /// up without a model (`modelProblem` says why) — the rest of the API keeps working.
    public init(config: ServeConfig, workingDirectory: URL) {
        dataDirectory = ServerPaths.resolve(config.dataPath, in: workingDirectory)
        gapFill = config.gapFill
        defaults = SignalRunOptions(samples: config.samples, seed: config.seed,
                                    rule: SignalRule(confidenceThreshold: config.confidenceThreshold, minReturn: config.minReturn,
                                                     horizon: config.horizon, maxStaleDays: config.maxStaleDays))
        let universeURL = ServerPaths.resolve(config.universePath, in: workingDirectory)
        var problem: String?
        var definition: Universe?
        do { definition = try Universe.load(universeURL) } catch {
            problem = "\(config.universePath): \(error)"
        }
        universe = definition
        var opened: UniverseSession?
        checkpointsPath = config.checkpointsPath
        registryURL = config.models == .registry ? ServerPaths.resolve(config.registry, in: workingDirectory) : nil
        if let definition {
            do {
                let folder = try SignalModelSet.load(directory: ServerPaths.resolve(config.checkpointsPath, in: workingDirectory),
                                                     categories: definition.categories.map(\.name))
                modelSource = ServedModels(folder: folder, categories: definition.categories.map(\.name), registryURL: registryURL, base: workingDirectory)
            } catch {
                problem = "\(error)"
            }
            if ServerPaths.isDirectory(dataDirectory) {
                opened = UniverseSession(definition: definition, dataDirectory: dataDirectory)
                loaded = opened?.loaded()
            } else {
                problem = problem ?? "\(config.dataPath): data folder not found"
            }
        }
        session = opened
        setupProblem = problem
        modelSource?.refresh()
        publish()
    }

    /// Re-reads the registry's production promotions (on `Blocking.serial`); when the models changed, the
    /// forecast cache is emptied and the new description returned (nil: unchanged).
    @discardableResult
    public func refreshModels() -> [ServedModel]? {
        guard let modelSource, modelSource.refresh() else {
            publish()
            return nil
        }
        lock.withLock {
            cache = [:]
            cacheOrder = []
        }
        publish()
        return modelSource.served
    }

    /// Copies the model state into the snapshot the read-only views read.
    private func publish() {
        let models = modelSource.flatMap { $0.set.isEmpty ? nil : $0.set }
        let served = modelSource?.served ?? [], problems = modelSource?.problems ?? []
        lock.withLock { snapshot = (models, served, problems) }
    }

    /// True when forecasts can be made.
    public var modelLoaded: Bool { models != nil && loaded != nil }

    /// The latest real bar date of any asset.
    public var latestDate: DayNumber? { loaded?.assets.compactMap { $0.real?.dates.last }.max() }

    /// The category of `ticker` when it is in the universe.
    public func category(of ticker: String) -> String? {
        guard let universe else { return nil }
        for category in universe.categories where category.assets.contains(where: { $0.ticker == ticker }) { return category.name }
        return nil
    }

    /// Every row of `date` (the whole universe, universe order), scored with `samples` passes and decision
    /// horizon `horizon` (the configured ones when nil). Throws `SignalError` as `marketgpt signals` does.
    public func records(date: DayNumber, samples: Int?, horizon: Int?) throws -> [SignalRecord] {
        guard let session, let models = modelSource.flatMap({ $0.set.isEmpty ? nil : $0.set }) else {
            throw APIError.unavailable(modelProblem ?? "no model loaded")
        }
        var options = defaults
        if let samples { options.samples = samples }
        if let horizon { options.rule.horizon = horizon }
        let key = cacheKey(date: date, samples: options.samples, horizon: options.rule.horizon)
        if let hit = lock.withLock({ cache[key] }) { return hit }
        let rows = try SignalsJob(session: session, models: models, options: options, gapFill: gapFill).records(date: date)
        try StopFlag.throwIfRequested()             // stopped part-way (request gone, shutdown): incomplete, never cached
        lock.withLock {
            cache[key] = rows
            cacheOrder.append(key)
            if cacheOrder.count > Self.cacheSize { cache[cacheOrder.removeFirst()] = nil }
        }
        return rows
    }

    /// The warm-up of the latest date (see `warmLatest`), as `/health` shows it.
    public struct Warmup: Sendable, Equatable {
        /// `off` (not started), `warming`, `warm` (the latest date's rows are cached) or `failed`.
        public var state = "off"
        /// The date being or having been scored.
        public var date: DayNumber?
        /// Seconds the warm-up took (when warm).
        public var seconds: Double?
        /// Why it failed.
        public var problem: String?

        /// The `/health` object.
        public var json: [String: Any] {
            ["state": state, "date": date.map(CivilDate.isoString) ?? NSNull(), "seconds": seconds.map(JSONBody.number) ?? NSNull(),
             "problem": problem ?? NSNull()]
        }
    }

    /// The warm-up state (read anywhere).
    public var warmup: Warmup { lock.withLock { warmupState } }
    private var warmupState = Warmup()

    /// Scores the latest date with the configured samples and horizon in the background (on `Blocking.serial`,
    /// like any forecast), so the first request for that date is answered from the cache. Returns the task (nil
    /// when no model is loaded); `/health` reports `warming` until it ends. A forecast asked meanwhile waits
    /// behind it, as it would behind any other forecast of the queue.
    @discardableResult
    public func warmLatest(logger: Logger? = nil) -> Task<Void, Never>? {
        guard modelLoaded, let date = latestDate else { return nil }
        lock.withLock { warmupState = Warmup(state: "warming", date: date) }
        logger?.info("warming the forecasts of the latest date", metadata: ["date": .string(CivilDate.isoString(date))])
        return Task {
            let started = Date()
            do {
                _ = try await Blocking.run(on: Blocking.serial) { try self.records(date: date, samples: nil, horizon: nil) }
                let seconds = Date().timeIntervalSince(started)
                lock.withLock { warmupState = Warmup(state: "warm", date: date, seconds: seconds) }
                logger?.info("warm", metadata: ["date": .string(CivilDate.isoString(date)), "seconds": .string(String(format: "%.2f", seconds))])
            } catch {
                let problem = error is CancellationError ? "stopped" : "\(error)"
                lock.withLock { warmupState = Warmup(state: "failed", date: date, problem: problem) }
                logger?.warning("warm-up failed", metadata: ["problem": .string(problem)])
            }
        }
    }

    /// True when the rows of (`date`, `samples`, `horizon`) are cached (a forecast of them answers at once).
    public func isCached(date: DayNumber, samples: Int?, horizon: Int?) -> Bool {
        lock.withLock { cache[cacheKey(date: date, samples: samples ?? defaults.samples, horizon: horizon ?? defaults.rule.horizon)] != nil }
    }

    private func cacheKey(date: DayNumber, samples: Int, horizon: Int) -> String { "\(date)|\(samples)|\(horizon)" }

    /// The real bars of `ticker` up to `date` (for the fan chart), or nil.
    public func history(ticker: String, upTo date: DayNumber, days: Int) -> (dates: [DayNumber], close: [Double])? {
        guard let asset = loaded?.assets.first(where: { $0.asset.ticker == ticker }), let real = asset.real,
              let last = real.lastIndex(onOrBefore: date) else { return nil }
        let first = max(0, last - days + 1)
        return (Array(real.dates[first...last]), Array(real.close[first...last]))
    }
}
