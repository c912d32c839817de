// The coverage reports of a universe (`marketgpt universe`, `check-csv --json`, the quickstart's stage 2):
// per asset status, rows, dates, dropped rows, gaps, fills and shortfall, as JSON or a text table. The
// universe itself is loaded and filled by `UniverseSession` (one loading path for every workflow).
import Foundation
import MarketData
import MarketSupport

/// JSON objects of the contract (`universe --json`, `check-csv --json`).
public enum CoverageJSON {
    /// Encodes a JSON-compatible value (dictionaries, arrays, numbers, strings) as one line, keys sorted.
    public static func line(_ value: Any) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    public static func date(_ day: DayNumber?) -> Any { day.map(CivilDate.isoString) ?? NSNull() }

    public static func dropped(_ report: CSVLoadReport?) -> [String: Int] {
        var counts: [String: Int] = [:]
        for (reason, count) in report?.droppedByReason ?? [:] { counts[reason.rawValue] = count }
        return counts
    }

    /// One file's report.
    public static func report(_ report: CSVLoadReport) -> [String: Any] {
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
    public static func universe(_ loaded: LoadedUniverse, seconds: Double) -> [String: Any] {
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
public enum CoverageTable {
    /// The per-asset table and the closing counts line.
    public static func render(_ loaded: LoadedUniverse, seconds: Double) -> String {
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
