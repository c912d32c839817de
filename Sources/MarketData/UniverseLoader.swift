// Loads every asset of a universe from a data folder (in parallel) and computes calendars, gaps and shortfalls.
import Foundation
import MarketSupport

/// Options of a universe load.
public struct UniverseLoadOptions: Sendable {
    /// CSV options for every file (its `asOf` is overridden by `asOf` below).
    public var csv = CSVOptions()
    /// Ignore rows after this day (nightly runs: no look-ahead). Default nil (all rows).
    public var asOf: DayNumber? = nil
    /// Files loaded at the same time. Default 2 (this machine's cores).
    public var concurrency = 2

    public init(csv: CSVOptions = CSVOptions(), asOf: DayNumber? = nil, concurrency: Int = 2) {
        self.csv = csv
        self.asOf = asOf
        self.concurrency = concurrency
    }
}

/// Loads universes from `DATA_DIR/<category>/<TICKER>.csv` or `DATA_DIR/<TICKER>.csv`.
public enum UniverseLoader {
    /// File names tried for a ticker: as written, `=` → `_` (`GC=F` → `GC_F`), and without a `=X`
    /// forex suffix (`EURUSD=X` → `EURUSD`).
    public static func fileNames(for ticker: String) -> [String] {
        var names = [ticker]
        let underscored = ticker.replacingOccurrences(of: "=", with: "_")
        if underscored != ticker { names.append(underscored) }
        if ticker.hasSuffix("=X") { names.append(String(ticker.dropLast(2))) }
        return names
    }

    /// The CSV file of `ticker` in `category` under `dataDirectory`, nil when none exists — or when the ticker or
    /// a non-empty category is not a safe single name (`PathName`), so nothing outside `dataDirectory` is read.
    public static func file(for ticker: String, category: String, in dataDirectory: URL) -> URL? {
        let manager = FileManager.default
        guard PathName.problem(ticker) == nil, category.isEmpty || PathName.problem(category) == nil else { return nil }
        for name in fileNames(for: ticker) {
            for folder in (category.isEmpty ? [dataDirectory] : [dataDirectory.appendingPathComponent(category), dataDirectory]) {
                let url = folder.appendingPathComponent(name + ".csv")
                if manager.fileExists(atPath: url.path) { return url }
            }
        }
        return nil
    }

    /// Loads every asset of `universe` from `dataDirectory`. Never throws for one bad file: its
    /// `error` is recorded and the asset is missing (callers decide whether that is fatal).
    /// Equal to `assemble(read(universe, dataDirectory:, options:), asOf: options.asOf)`.
    public static func load(_ universe: Universe, dataDirectory: URL, options: UniverseLoadOptions = UniverseLoadOptions()) -> LoadedUniverse {
        let started = Date()
        var loaded = assemble(read(universe, dataDirectory: dataDirectory, options: options), asOf: options.asOf)
        loaded.seconds = Date().timeIntervalSince(started)
        return loaded
    }

    /// Reads (in parallel) and validates every asset's CSV file up to `options.asOf`: the files of a
    /// universe, before calendars. Never throws for one bad file (see `load`).
    public static func read(_ universe: Universe, dataDirectory: URL, options: UniverseLoadOptions = UniverseLoadOptions()) -> UniverseFiles {
        let started = Date()
        var csvOptions = options.csv
        csvOptions.asOf = options.asOf
        let listed = universe.assets
        var assets = listed.enumerated().map { id, entry in
            LoadedAsset(asset: entry.asset, assetID: id, categoryID: entry.categoryID,
                        file: file(for: entry.asset.ticker, category: universe.categories[entry.categoryID].name, in: dataDirectory),
                        real: nil, series: nil, report: nil, error: nil)
        }
        // Parallel load over disjoint slots; each worker takes every `workers`-th file.
        let workers = max(1, min(options.concurrency, assets.count))
        assets.withUnsafeMutableBufferPointer { slots in
            let base = slots.baseAddress!
            let count = slots.count
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                var index = worker
                while index < count {
                    if let url = base[index].file {
                        do {
                            let result = try OHLCVCSV.load(url, options: csvOptions)
                            base[index].real = result.series
                            base[index].series = result.series
                            base[index].report = result.report
                        } catch let error as DataError {
                            base[index].error = error
                        } catch {
                            base[index].error = DataError(file: url.path, reason: "\(error)")
                        }
                    }
                    index += workers
                }
            }
        }
        return UniverseFiles(universe: universe, assets: assets, asOf: options.asOf, seconds: Date().timeIntervalSince(started))
    }

    /// The universe as of `asOf` from files read once: every real series cut after `asOf` (in memory),
    /// then calendars, gaps, shortfalls and stale tails placed as `load(…, asOf:)` would.
    ///
    /// No look-ahead and the same bytes as a fresh load: the CSV reader validates each row on its own and
    /// skips rows after its `asOf` before validating, so the rows a load as of D keeps are exactly the rows
    /// on or before D of a load as of any later day. An asset left with no row gets the error a fresh
    /// load gives (`no data rows`); its CSV report stays the one of the read (as of `files.asOf`).
    /// `asOf` later than `files.asOf` (or nil) cuts nothing.
    public static func assemble(_ files: UniverseFiles, asOf: DayNumber?) -> LoadedUniverse {
        var assets = files.assets
        if let asOf, asOf < (files.asOf ?? .max) {
            for index in assets.indices {
                guard let real = assets[index].real, let lastDate = real.dates.last, lastDate > asOf else { continue }
                if let last = real.lastIndex(onOrBefore: asOf) {
                    let cut = real.slice(0..<(last + 1))
                    assets[index].real = cut
                    assets[index].series = cut
                } else {
                    assets[index].real = nil
                    assets[index].series = nil
                    assets[index].error = DataError(file: assets[index].file?.path ?? assets[index].asset.ticker, reason: "no data rows")
                }
            }
        }
        var loaded = LoadedUniverse(universe: files.universe, assets: assets, calendars: [], groupCalendars: [], historyStart: [],
                                    categoryEnd: [], asOf: asOf ?? files.asOf, seconds: files.seconds)
        computeCalendars(&loaded)
        return loaded
    }

    /// Fills calendars, history windows and per-asset gaps, shortfalls and stale tails.
    static func computeCalendars(_ loaded: inout LoadedUniverse) {
        let universe = loaded.universe
        let globalEnd = loaded.assets.compactMap { $0.real?.dates.last }.max()
        for (categoryID, category) in universe.categories.enumerated() {
            let members = loaded.assets.indices.filter { loaded.assets[$0].categoryID == categoryID }
            let dates = members.compactMap { loaded.assets[$0].real?.dates }.filter { !$0.isEmpty }
            let dataEnd = dates.map { $0.last! }.max() ?? globalEnd
            var end = dataEnd ?? loaded.asOf ?? 0
            if let asOf = loaded.asOf { end = min(end, asOf) }
            let historyStart = end - DayNumber((category.historyYears * 365.2425).rounded())
            let start = min(historyStart, dates.map { $0.first! }.min() ?? historyStart)
            let calendar = (dataEnd == nil && loaded.asOf == nil) ? []
                : CategoryCalendar.build(assetDates: dates, start: start, end: end, everyDay: category.tradingDaysPerYear >= 365)
            loaded.calendars.append(calendar)
            loaded.historyStart.append(historyStart)
            loaded.categoryEnd.append(end)
            // Groups with enough files to vote get their own calendar (exchange holidays of a market
            // inside a mixed category, e.g. China's Spring Festival in `emerging`).
            var groups: [String: [DayNumber]] = [:]
            if !calendar.isEmpty {
                let byGroup = Dictionary(grouping: members) { loaded.assets[$0].asset.group }
                for (group, ids) in byGroup {
                    let groupDates = ids.compactMap { loaded.assets[$0].real?.dates }.filter { !$0.isEmpty }
                    guard groupDates.count >= LoadedUniverse.minimumAssetsForGroupCalendar, groupDates.count < dates.count else { continue }
                    groups[group] = CategoryCalendar.build(assetDates: groupDates, start: start, end: end,
                                                           everyDay: category.tradingDaysPerYear >= 365)
                }
            }
            loaded.groupCalendars.append(groups)
            for id in members {
                placeOnCalendar(&loaded.assets[id], calendar: groups[loaded.assets[id].asset.group] ?? calendar, historyStart: historyStart)
            }
        }
    }

    /// Gaps, shortfall, stale tail and off-calendar bars of one asset against its calendar.
    static func placeOnCalendar(_ asset: inout LoadedAsset, calendar: [DayNumber], historyStart: DayNumber) {
        guard let dates = asset.real?.dates, let first = dates.first, let last = dates.last else {
            asset.shortfallDates = calendar.filter { $0 >= historyStart }
            return
        }
        var gaps: [DayNumber] = [], shortfall: [DayNumber] = [], stale: [DayNumber] = []
        var matched = 0
        var k = 0   // index into dates
        for day in calendar {
            if day < first {
                if day >= historyStart { shortfall.append(day) }
            } else if day > last {
                stale.append(day)
            } else {
                while k < dates.count && dates[k] < day { k += 1 }
                if k < dates.count && dates[k] == day { matched += 1 } else { gaps.append(day) }
            }
        }
        asset.gapDates = gaps
        asset.shortfallDates = shortfall
        asset.staleDates = stale
        asset.offCalendarBars = dates.count - matched
    }
}

/// The CSV files of a universe, read and validated once (`UniverseLoader.read`): the input of
/// `UniverseLoader.assemble`, which places them on calendars as of any day up to `asOf`.
public struct UniverseFiles: Sendable {
    /// The universe definition.
    public var universe: Universe
    /// Every asset (id order) with its file, real series up to `asOf`, report or error; no calendar fields yet.
    public var assets: [LoadedAsset]
    /// The day the files were read up to (nil: every row).
    public var asOf: DayNumber?
    /// Wall-clock seconds the read took.
    public var seconds: Double
}
