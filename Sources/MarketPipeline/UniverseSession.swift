// A universe loaded once — files read and validated, then placed on calendars, gap-filled and featurised
// as of any day in memory — the entry point of every workflow that reads market data.
import Foundation
import MarketData
import MarketModel
import MarketSignals
import MarketSynthetic
import MarketSupport

/// The universe of a workflow: its definition, its data folder, and every CSV read and validated once.
/// Every workflow that reads a universe opens it here (`marketgpt universe`'s coverage report included).
///
/// Views "as of D" (`loaded(asOf:)`, `filled(asOf:options:)`, `signalAssets(asOf:gapFill:seed:)`) cut the
/// real series after D in memory and rebuild calendars and gap fills from that cut only, so each view is
/// byte-for-byte what a fresh load of the folder as of D gives (no look-ahead by construction: nothing after
/// D is passed on), without re-reading a file. A history run pays the CSV parse once.
public final class UniverseSession: @unchecked Sendable {
    /// The universe definition (asset and category ids are its order).
    public let definition: Universe
    /// The data folder the files were read from.
    public let dataDirectory: URL
    /// The files as read (up to `files.asOf`).
    public let files: UniverseFiles

    /// Reads every file of `definition` under `dataDirectory` with `options` (CSV layout, rows up to
    /// `options.asOf` — nil: every row — and how many files at once).
    public init(definition: Universe, dataDirectory: URL, options: UniverseLoadOptions) {
        self.definition = definition
        self.dataDirectory = dataDirectory
        files = UniverseLoader.read(definition, dataDirectory: dataDirectory, options: options)
    }

    /// Reads every file of `definition` under `dataDirectory` up to `readUpTo` (nil: every row), in the
    /// default CSV layout.
    public convenience init(definition: Universe, dataDirectory: URL, readUpTo asOf: DayNumber? = nil, concurrency: Int = 2) {
        self.init(definition: definition, dataDirectory: dataDirectory,
                  options: UniverseLoadOptions(asOf: asOf, concurrency: concurrency))
    }

    /// Opens the universe file `universe` and the data folder `data` (paths as given on a command line),
    /// reading rows up to `readUpTo` (nil: every row) in the CSV layout `csv` (default: the standard layout).
    /// Throws `PipelineError` naming the file for an unreadable or invalid universe or a missing folder.
    public static func open(universe: URL, data: URL, readUpTo asOf: DayNumber? = nil,
                            csv: CSVOptions = CSVOptions()) throws -> UniverseSession {
        let definition = try PipelineError.wrap { try Universe.load(universe) }
        try PipelineError.requireFolder(data)
        return UniverseSession(definition: definition, dataDirectory: data, options: UniverseLoadOptions(csv: csv, asOf: asOf))
    }

    /// The universe placed on its calendars as of `asOf` (nil: as read): gaps, shortfalls, stale tails.
    public func loaded(asOf: DayNumber? = nil) -> LoadedUniverse {
        UniverseLoader.assemble(files, asOf: asOf)
    }

    /// `loaded(asOf:)` gap-filled (synthetic bars flagged) with `options`, and the per-asset fill reports.
    public func filled(asOf: DayNumber? = nil, options: GapFillOptions = GapFillOptions()) -> (universe: LoadedUniverse, reports: [GapFillReport]) {
        GapFiller.fill(loaded(asOf: asOf), options: options)
    }

    /// The inputs of a signal run at `date`: every asset's series as of the date, gap-filled when `gapFill`
    /// (seeded by `seed`; missing assets are not synthesised — they are listed as `no data`).
    public func signalAssets(asOf date: DayNumber, gapFill: Bool, seed: UInt64) -> [SignalAsset] {
        var universe = loaded(asOf: date)
        if gapFill { universe = GapFiller.fill(universe, options: GapFillOptions(seed: seed, synthesizeMissing: false)).universe }
        return SignalAsset.assets(of: universe)
    }

    /// The trading dates in `from…to`: every date on which at least one asset has a real bar.
    public func tradingDates(from: DayNumber, to: DayNumber) -> [DayNumber] {
        var dates = Set<DayNumber>()
        for asset in files.assets {
            guard let real = asset.real else { continue }
            for day in real.dates where day >= from && day <= to { dates.insert(day) }
        }
        return dates.sorted()
    }

    /// The last day with a real bar in any file.
    public var lastDataDay: DayNumber? { files.assets.compactMap { $0.real?.dates.last }.max() }
}

extension EmbeddingIDTable {
    /// The id table of `universe`: asset ids and category ids in universe order (what pre-training stores).
    public init(universe: Universe) {
        self.init(assets: universe.assets.map { Asset(ticker: $0.asset.ticker, category: $0.categoryID) },
                  categories: universe.categories.map(\.name))
    }
}

/// What training reads from a universe: the gap-filled features of every asset and the embedding id tables.
public struct TrainingInputs: Sendable {
    /// Features per asset (F = `MarketFeatures.count`), synthetic bars flagged.
    public var store: FeatureStore
    /// Asset and category ids (universe order), stored in every checkpoint.
    public var idTable: EmbeddingIDTable

    /// The features (`featureSet`, default the standard set) of a loaded, gap-filled universe and its embedding
    /// id table (asset ids = universe order).
    public init(loaded: LoadedUniverse, featureSet: FeatureSet = .standard) {
        let universe = loaded.universe
        idTable = EmbeddingIDTable(universe: universe)
        store = FeatureStore(loaded: loaded, featureSet: featureSet)
    }
}
