// The daily OHLCV CSV loader: header mapping, a byte-level row scan, validation, sorting and the load report.
import Foundation
import MarketSupport

/// A loaded CSV file: the valid bars (ascending, adjusted) and what was found on the way.
public struct CSVLoadResult: Sendable {
    /// The valid bars, ascending, one per date, adjusted by `Adj Close` when the file has it.
    public var series: OHLCVSeries
    /// What was dropped, sorted or counted on the way.
    public var report: CSVLoadReport
}

/// Reads daily OHLCV CSV files (the layout of CONTRACT.md, plus the options in `CSVOptions`).
public enum OHLCVCSV {
    /// Loads the file at `url`. Throws `DataError` (file, line, reason) when the file cannot be read,
    /// a column is missing or no row is valid; defects of single rows are reported, not thrown.
    public static func load(_ url: URL, options: CSVOptions = CSVOptions()) throws -> CSVLoadResult {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw DataError(file: url.path, reason: "cannot read the file (\(error.localizedDescription))")
        }
        return try parse(data, file: url.path, options: options)
    }

    /// Parses CSV bytes; `file` names the source in errors and in the report.
    public static func parse(_ data: Data, file: String, options: CSVOptions = CSVOptions()) throws -> CSVLoadResult {
        try data.withUnsafeBytes { raw in
            try parse(raw, file: file, options: options)
        }
    }

    /// Parses CSV bytes in place (the fast path; no copy of the file).
    public static func parse(_ raw: UnsafeRawBufferPointer, file: String, options: CSVOptions = CSVOptions()) throws -> CSVLoadResult {
        guard let base = raw.baseAddress, raw.count > 0 else {
            throw DataError(file: file, reason: "empty file")
        }
        let p = base.assumingMemoryBound(to: UInt8.self)
        var scanner = LineScanner(p: p, count: raw.count)
        if raw.count >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF { scanner.position = 3 }   // UTF-8 BOM
        for _ in 0..<max(0, options.skipLines) {
            guard scanner.nextLine() != nil else { throw DataError(file: file, reason: "fewer lines than --skip-lines \(options.skipLines)") }
        }
        // Header: the first non-empty line after the preamble.
        var headerLine: (start: Int, end: Int)?
        while let line = scanner.nextLine() {
            if !scanner.isBlank(line) { headerLine = line; break }
        }
        guard let header = headerLine else { throw DataError(file: file, reason: "no header line") }
        let headerNumber = scanner.lineNumber
        let layout = try CSVHeaderLayout(p: p, line: header, file: file, lineNumber: headerNumber, options: options)

        var rows = RowBuffer(capacityHint: raw.count / 48)
        var report = CSVLoadReport(file: file)
        report.adjusted = layout.adjClose >= 0
        report.hasVolume = layout.volume >= 0
        var fieldStarts = [Int](repeating: 0, count: layout.fieldsNeeded + 1)
        var fieldEnds = [Int](repeating: 0, count: layout.fieldsNeeded + 1)
        let tolerance = options.ohlcTolerance
        let asOf = options.asOf ?? DayNumber.max
        var firstFailure: String?

        func drop(_ reason: DropReason, _ line: Int, _ date: DayNumber?, _ detail: @autoclosure () -> String) {
            report.droppedRows.append(DroppedRow(line: line, reason: reason, date: date))
            if report.examples.count < CSVLoadReport.exampleLimit {
                report.examples.append("line \(line): \(detail())")
            }
            if firstFailure == nil { firstFailure = detail() }
        }

        fieldStarts.withUnsafeMutableBufferPointer { starts in
            fieldEnds.withUnsafeMutableBufferPointer { ends in
                while let line = scanner.nextLine() {
                    let lineNumber = scanner.lineNumber
                    if scanner.isBlank(line) { report.emptyLines &+= 1; continue }
                    report.rowsRead &+= 1
                    let found = splitFields(p, line.start, line.end, layout.delimiter, layout.fieldsNeeded, starts.baseAddress!, ends.baseAddress!)
                    if found < layout.fieldsNeeded {
                        drop(.unparseable, lineNumber, nil, "\(found) fields, expected at least \(layout.fieldsNeeded)")
                        continue
                    }
                    guard let date = parseDate(p, starts[layout.date], ends[layout.date], order: options.dateOrder) else {
                        let text = fieldText(p, starts[layout.date], ends[layout.date])
                        drop(.unparseable, lineNumber, nil, "date '\(text)' is not \(options.dateOrder.rawValue) (see --date-order)")
                        continue
                    }
                    if date > asOf { report.rowsAfterAsOf &+= 1; continue }
                    var missing = false, invalidColumn = -1
                    @inline(__always) func number(_ column: Int) -> Double {
                        switch parseNumber(p, starts[column], ends[column], decimalComma: options.decimalComma) {
                        case .value(let v): return v
                        case .missing: missing = true
                        case .invalid: if invalidColumn < 0 { invalidColumn = column }
                        }
                        return 0
                    }
                    var open = number(layout.open), high = number(layout.high)
                    var low = number(layout.low), close = number(layout.close)
                    let adjClose = layout.adjClose >= 0 ? number(layout.adjClose) : 1
                    if invalidColumn >= 0 {
                        drop(.unparseable, lineNumber, date, "'\(fieldText(p, starts[invalidColumn], ends[invalidColumn]))' is not a number (column \(layout.names[invalidColumn]))")
                        continue
                    }
                    if missing { drop(.null, lineNumber, date, "null price"); continue }
                    var volume = 0.0
                    if layout.volume >= 0 {
                        switch parseNumber(p, starts[layout.volume], ends[layout.volume], decimalComma: options.decimalComma) {
                        case .value(let v): volume = v
                        case .missing: volume = 0
                        case .invalid:
                            drop(.unparseable, lineNumber, date, "volume '\(fieldText(p, starts[layout.volume], ends[layout.volume]))' is not a number")
                            continue
                        }
                    }
                    if open <= 0 || high <= 0 || low <= 0 || close <= 0 || adjClose <= 0 {
                        drop(.nonPositive, lineNumber, date, "non-positive price (open \(open), high \(high), low \(low), close \(close))")
                        continue
                    }
                    if volume < 0 { drop(.negativeVolume, lineNumber, date, "negative volume \(volume)"); continue }
                    let top = max(open, close), bottom = min(open, close)
                    if high < top * (1 - tolerance) || low > bottom * (1 + tolerance) || high < low {
                        drop(.ohlcInconsistent, lineNumber, date, high < top ? "high < max(open, close) (\(high) < \(top))" : "low > min(open, close) (\(low) > \(bottom))")
                        continue
                    }
                    if layout.adjClose >= 0 {
                        let factor = adjClose / close
                        open *= factor; high *= factor; low *= factor; close *= factor
                    }
                    rows.append(date: date, open: open, high: high, low: low, close: close, volume: volume, line: lineNumber)
                }
            }
        }
        guard rows.count > 0 else {
            let why = firstFailure.map { "no valid rows (first problem, on this line: \($0))" } ?? "no data rows"
            if let failure = report.droppedRows.first {
                throw DataError(file: file, line: failure.line, reason: why)
            }
            throw DataError(file: file, reason: why)
        }
        let series = rows.sortedSeries(report: &report)
        report.rowsKept = series.count
        report.firstDate = series.dates.first
        report.lastDate = series.dates.last
        var zeroVolume = 0
        for v in series.volume where v == 0 { zeroVolume &+= 1 }
        report.zeroVolumeRows = zeroVolume
        for k in series.dates.indices.dropFirst() {
            let gap = Int(series.dates[k] - series.dates[k - 1])
            if gap > report.largestGapDays { report.largestGapDays = gap; report.largestGapEnd = series.dates[k] }
        }
        return CSVLoadResult(series: series, report: report)
    }
}

/// The text of a field for an error message (at most 40 bytes, invalid UTF-8 repaired).
func fieldText(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> String {
    let clipped = min(end, start + 40)
    return String(decoding: UnsafeBufferPointer(start: p + start, count: max(0, clipped - start)), as: UTF8.self)
        .trimmingCharacters(in: CharacterSet(charactersIn: "\" \t\r"))
}

/// Splits `[start, end)` into fields at `delimiter` (outside double quotes), recording the first
/// `needed` fields; returns how many were found (capped at `needed`).
@inline(__always)
func splitFields(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, _ delimiter: UInt8, _ needed: Int,
                 _ starts: UnsafeMutablePointer<Int>, _ ends: UnsafeMutablePointer<Int>) -> Int {
    var field = 0
    var fieldStart = start
    var inQuotes = false
    var i = start
    while i < end {
        let byte = p[i]
        if byte == 0x22 {
            inQuotes.toggle()
        } else if byte == delimiter && !inQuotes {
            starts[field] = fieldStart
            ends[field] = i
            field &+= 1
            if field == needed { return field }
            fieldStart = i &+ 1
        }
        i &+= 1
    }
    starts[field] = fieldStart
    ends[field] = end
    return field &+ 1 >= needed ? needed : field &+ 1
}
