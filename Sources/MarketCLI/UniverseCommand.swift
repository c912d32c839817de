// `marketgpt universe`: load + validate a universe's CSV files, then print the per-asset coverage report.
import ArgumentParser
import Foundation
import MarketData
import MarketSynthetic

/// Loads a universe and prints, per asset, status, rows, dates, dropped rows by reason, gaps, filled bars and shortfall.
struct UniverseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "universe",
        abstract: "Load and validate a universe's CSV files and print the coverage report (status ok|filled|missing per asset).")

    @Option(help: "The universe YAML file.")
    var universe: String

    @Option(help: "The data folder (files at DATA/<category>/<TICKER>.csv or DATA/<TICKER>.csv).")
    var data: String

    @Option(help: "Ignore rows after this date (YYYY-MM-DD), as a nightly run on that date would.")
    var asOf: String?

    @Flag(help: "Fail when any asset's file exists but cannot be loaded (default: report it as missing).")
    var strict = false

    @Flag(help: "Print one JSON object (the contract's layout) instead of a table.")
    var json = false

    @OptionGroup var layout: CSVLayoutOptions

    /// The step between loading and reporting that fills gaps, back-fills shortfalls and missing
    /// assets: the synthetic engine's `GapFiller` (every filled bar flagged synthetic).
    /// A missing asset's label (the peer it was synthesised from) goes to stderr.
    static var fill: (LoadedUniverse) throws -> LoadedUniverse = { loaded in
        let (filled, reports) = GapFiller.fill(loaded)
        for report in reports where report.synthesizedBars > 0 {
            FileHandle.standardError.write(Data("universe: \(report.ticker): no data, \(report.synthesizedBars) bars synthesised from peer \(report.peer ?? "?")\n".utf8))
        }
        return filled
    }

    func run() throws {
        let started = Date()
        var asOfDay: DayNumber?
        if let asOf {
            guard let day = CivilDate.parseISO(asOf), asOf.count == 10 else { throw ValidationError("--as-of \(asOf): expected YYYY-MM-DD") }
            asOfDay = day
        }
        let definition: Universe
        do {
            definition = try Universe.load(URL(fileURLWithPath: universe))
        } catch let error as DataError {
            throw DataCommandFailure(error.description)
        }
        let dataURL = URL(fileURLWithPath: data)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dataURL.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DataCommandFailure("\(data): data folder not found")
        }
        let options = UniverseLoadOptions(csv: try layout.csvOptions(), asOf: asOfDay)
        let loaded = try Self.fill(UniverseLoader.load(definition, dataDirectory: dataURL, options: options))
        for asset in loaded.assets {
            if let error = asset.error { FileHandle.standardError.write(Data("universe: \(error.description)\n".utf8)) }
        }
        if strict, let failed = loaded.assets.first(where: { $0.error != nil }) {
            throw DataCommandFailure(failed.error!.description)
        }
        let seconds = Date().timeIntervalSince(started)
        if json {
            print(try dataJSONLine(CoverageJSON.universe(loaded, seconds: seconds)))
        } else {
            print(CoverageTable.render(loaded, seconds: seconds))
        }
    }
}


/// JSON objects of the contract (`universe --json`, `check-csv --json`).
enum CoverageJSON {
    static func date(_ day: DayNumber?) -> Any { day.map(CivilDate.isoString) ?? NSNull() }

    static func dropped(_ report: CSVLoadReport?) -> [String: Int] {
        var counts: [String: Int] = [:]
        for (reason, count) in report?.droppedByReason ?? [:] { counts[reason.rawValue] = count }
        return counts
    }

    /// One file's report.
    static func report(_ report: CSVLoadReport) -> [String: Any] {
        [
            "file": report.file, "rows_read": report.rowsRead, "rows": report.rowsKept,
            "first_date": date(report.firstDate), "last_date": date(report.lastDate),
            "dropped": dropped(report),
            "dropped_lines": report.droppedRows.map { ["line": $0.line, "reason": $0.reason.rawValue] as [String: Any] },
            "duplicate_dates": report.duplicateDates, "order": report.order.rawValue,
            "zero_volume_rows": report.zeroVolumeRows, "adjusted": report.adjusted, "has_volume": report.hasVolume,
            "largest_gap_days": report.largestGapDays, "largest_gap_end": date(report.largestGapEnd),
            "empty_lines": report.emptyLines, "rows_after_as_of": report.rowsAfterAsOf,
        ]
    }

    /// The universe coverage report.
    static func universe(_ loaded: LoadedUniverse, seconds: Double) -> [String: Any] {
        let assets: [[String: Any]] = loaded.assets.map { asset in
            var row: [String: Any] = [
                "ticker": asset.asset.ticker,
                "category": loaded.universe.categories[asset.categoryID].name,
                "status": asset.status.rawValue,
                "rows": asset.real?.count ?? 0,
                "first_date": date(asset.real?.dates.first),
                "last_date": date(asset.real?.dates.last),
                "dropped": dropped(asset.report),
                "gaps": asset.gapDates.count,
                "filled_bars": asset.filledBars,
                "shortfall_days": asset.shortfallDates.count,
                "stale_days": asset.staleDates.count,
                "off_calendar_bars": asset.offCalendarBars,
                "duplicate_dates": asset.report?.duplicateDates ?? 0,
            ]
            if let error = asset.error { row["error"] = error.description }
            return row
        }
        return ["assets": assets, "seconds": seconds]
    }
}

/// The text table of `marketgpt universe`.
enum CoverageTable {
    static func render(_ loaded: LoadedUniverse, seconds: Double) -> String {
        func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
        var lines = [pad("ticker", 12) + pad("category", 15) + pad("status", 8) + pad("rows", 7) + pad("first", 11) + " "
                     + pad("last", 11) + " " + pad("gaps", 6) + pad("filled", 7) + pad("shortfall", 10) + "dropped"]
        for asset in loaded.assets {
            let counts = asset.report?.droppedByReason ?? [:]
            let dropped = counts.keys.sorted().map { "\($0.rawValue)=\(counts[$0]!)" }.joined(separator: " ")
            lines.append(pad(asset.asset.ticker, 12) + pad(loaded.universe.categories[asset.categoryID].name, 15)
                         + pad(asset.status.rawValue, 8) + pad(String(asset.real?.count ?? 0), 7)
                         + pad(asset.real?.dates.first.map(CivilDate.isoString) ?? "-", 11) + " "
                         + pad(asset.real?.dates.last.map(CivilDate.isoString) ?? "-", 11) + " "
                         + pad(String(asset.gapDates.count), 6) + pad(String(asset.filledBars), 7)
                         + pad(String(asset.shortfallDates.count), 10) + (asset.error.map { "error: \($0.reason)" } ?? dropped))
        }
        let counts = loaded.statusCounts
        let rows = loaded.assets.reduce(0) { $0 + ($1.real?.count ?? 0) }
        lines.append("\(loaded.assets.count) assets: ok \(counts[.ok] ?? 0), filled \(counts[.filled] ?? 0), missing \(counts[.missing] ?? 0); "
                     + "\(rows) rows; \(String(format: "%.3f", seconds)) s")
        return lines.joined(separator: "\n")
    }
}
