// What loading one CSV file found: dropped rows by reason with line numbers, order, duplicates, gaps.
import MarketSupport

/// Why a row was dropped (each dropped row becomes a gap for the synthetic engine to fill).
public enum DropReason: String, Sendable, CaseIterable, Codable, Comparable {
    /// The date or a number could not be parsed (or too few fields).
    case unparseable
    /// `null`, `NaN` or an empty price.
    case null
    /// A price ≤ 0.
    case nonPositive = "non_positive"
    /// `High < max(Open, Close)` or `Low > min(Open, Close)` (beyond a rounding tolerance).
    case ohlcInconsistent = "ohlc_inconsistent"
    /// A negative volume.
    case negativeVolume = "negative_volume"

    public static func < (a: DropReason, b: DropReason) -> Bool { a.rawValue < b.rawValue }
}

/// One dropped row: its 1-based line number in the file, why, and its date when that parsed.
public struct DroppedRow: Sendable, Equatable, Codable {
    /// 1-based line number in the file.
    public var line: Int
    /// Why the row was dropped.
    public var reason: DropReason
    /// The row's date when it parsed (a gap on that date), nil otherwise.
    public var date: DayNumber?
}

/// The order of dates as found in the file (the loaded series is always ascending).
public enum InputOrder: String, Sendable, Codable {
    case ascending, descending, unsorted
}

/// The load report of one CSV file: every defect counted, with line numbers, never silently fixed.
public struct CSVLoadReport: Sendable, Equatable {
    /// The file as given.
    public var file: String
    /// Data lines read (after the header, excluding empty lines).
    public var rowsRead = 0
    /// Bars in the loaded series.
    public var rowsKept = 0
    /// Empty (or whitespace-only) lines skipped.
    public var emptyLines = 0
    /// Rows dated after `CSVOptions.asOf`, ignored.
    public var rowsAfterAsOf = 0
    /// Every dropped row, in file order.
    public var droppedRows: [DroppedRow] = []
    /// The first few dropped rows explained (`line 12: null price`), at most `exampleLimit`.
    public var examples: [String] = []
    /// Rows whose date repeated an earlier row's date (the later row wins).
    public var duplicateDates = 0
    /// Line numbers of the losing duplicate rows (first 20).
    public var duplicateLines: [Int] = []
    /// The order of the dates in the file.
    public var order: InputOrder = .ascending
    /// Kept bars with zero volume (kept, counted; forex has no volume).
    public var zeroVolumeRows = 0
    /// True when an `Adj Close` column adjusted O/H/L/C (by Adj Close / Close).
    public var adjusted = false
    /// True when the file has a volume column (if not, volume is 0).
    public var hasVolume = true
    /// First and last date of the loaded series.
    public var firstDate: DayNumber?
    public var lastDate: DayNumber?
    /// The largest distance in calendar days between consecutive bars, and the date it ends at.
    public var largestGapDays = 0
    public var largestGapEnd: DayNumber?

    /// Maximum number of `examples` kept.
    public static let exampleLimit = 10

    public init(file: String) { self.file = file }

    /// Dropped rows counted by reason.
    public var droppedByReason: [DropReason: Int] {
        var counts: [DropReason: Int] = [:]
        for row in droppedRows { counts[row.reason, default: 0] += 1 }
        return counts
    }

    /// A human-readable multi-line summary (for `marketgpt check-csv`).
    public var summary: String {
        var lines: [String] = []
        lines.append("file: \(file)")
        lines.append("rows read: \(rowsRead), kept: \(rowsKept)" + (rowsAfterAsOf > 0 ? ", after as-of (ignored): \(rowsAfterAsOf)" : ""))
        if let firstDate, let lastDate {
            lines.append("dates: \(CivilDate.isoString(firstDate)) .. \(CivilDate.isoString(lastDate)) (input order: \(order.rawValue))")
        }
        let counts = droppedByReason
        let dropped = counts.keys.sorted().map { "\($0.rawValue) \(counts[$0]!)" }.joined(separator: ", ")
        lines.append("dropped: " + (dropped.isEmpty ? "none" : dropped))
        for example in examples { lines.append("  " + example) }
        if droppedRows.count > examples.count { lines.append("  … \(droppedRows.count - examples.count) more") }
        lines.append("duplicate dates: \(duplicateDates)" + (duplicateLines.isEmpty ? "" : " (lines \(duplicateLines.map(String.init).joined(separator: ", ")))"))
        lines.append("zero-volume bars: \(zeroVolumeRows)" + (hasVolume ? "" : " (no volume column)"))
        lines.append("adjusted by Adj Close: \(adjusted ? "yes" : "no")")
        if let end = largestGapEnd {
            lines.append("largest gap: \(largestGapDays) days (ending \(CivilDate.isoString(end)))")
        }
        if emptyLines > 0 { lines.append("empty lines: \(emptyLines)") }
        return lines.joined(separator: "\n")
    }
}
