// Line scanning, header mapping and the row buffer behind the CSV loader.
import Foundation
import MarketSupport

/// Walks the lines of a byte buffer (LF or CRLF), counting 1-based line numbers.
struct LineScanner {
    let p: UnsafePointer<UInt8>
    let count: Int
    var position = 0
    var lineNumber = 0

    init(p: UnsafePointer<UInt8>, count: Int) {
        self.p = p
        self.count = count
    }

    /// The next line as `[start, end)` without its line break, or nil at the end.
    @inline(__always)
    mutating func nextLine() -> (start: Int, end: Int)? {
        guard position < count else { return nil }
        let start = position
        var end: Int
        if let hit = memchr(p + start, 0x0A, count - start) {
            end = p.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            position = end + 1
        } else {
            end = count
            position = count
        }
        if end > start && p[end - 1] == 0x0D { end -= 1 }
        lineNumber += 1
        return (start, end)
    }

    /// True when the line holds only spaces, tabs, commas or semicolons.
    @inline(__always)
    func isBlank(_ line: (start: Int, end: Int)) -> Bool {
        var i = line.start
        while i < line.end {
            let byte = p[i]
            if byte != 0x20 && byte != 0x09 && byte != 0x2C && byte != 0x3B { return false }
            i += 1
        }
        return true
    }
}

/// Which column holds which field, found from the header line.
struct CSVHeaderLayout {
    var delimiter: UInt8
    var names: [String]
    var date = -1, open = -1, high = -1, low = -1, close = -1, adjClose = -1, volume = -1
    /// Fields a row must have: the largest used column index + 1.
    var fieldsNeeded = 0

    /// English names accepted for each field (lower case, spaces/underscores removed).
    static let aliases: [CSVField: [String]] = [
        .date: ["date", "datetime", "timestamp", "time"],
        .open: ["open"], .high: ["high"], .low: ["low"], .close: ["close"],
        .adjClose: ["adjclose"],
        .volume: ["volume", "vol"],
    ]

    init(p: UnsafePointer<UInt8>, line: (start: Int, end: Int), file: String, lineNumber: Int, options: CSVOptions) throws {
        let text = String(decoding: UnsafeBufferPointer(start: p + line.start, count: line.end - line.start), as: UTF8.self)
        // The delimiter is the most frequent of , ; tab outside quotes.
        var counts: [Character: Int] = [",": 0, ";": 0, "\t": 0]
        var inQuotes = false
        for character in text {
            if character == "\"" { inQuotes.toggle() } else if !inQuotes, counts[character] != nil { counts[character]! += 1 }
        }
        let best = counts.max { a, b in a.value < b.value || (a.value == b.value && a.key != ",") }!
        delimiter = best.value == 0 ? UInt8(ascii: ",") : best.key.asciiValue!
        names = []
        var current = "", quoted = false
        for character in text {
            if character == "\"" { quoted.toggle(); continue }
            if character.asciiValue == delimiter && !quoted { names.append(current); current = ""; continue }
            current.append(character)
        }
        names.append(current)
        names = names.map { $0.trimmingCharacters(in: .whitespaces) }
        func normalised(_ name: String) -> String {
            name.lowercased().filter { $0 != " " && $0 != "_" && $0 != "\t" }
        }
        let normalisedNames = names.map(normalised)
        for field in CSVField.allCases {
            let wanted: [String]
            if let mapped = options.columns[field] {
                wanted = [normalised(mapped.trimmingCharacters(in: CharacterSet(charactersIn: "\" ")))]
            } else {
                wanted = Self.aliases[field]!
            }
            let index = normalisedNames.firstIndex { wanted.contains($0) } ?? -1
            if index < 0 && options.columns[field] != nil {
                throw DataError(file: file, line: lineNumber, reason: "no column '\(options.columns[field]!)' for \(field.rawValue) (header: \(names.joined(separator: ", ")))")
            }
            switch field {
            case .date: date = index
            case .open: open = index
            case .high: high = index
            case .low: low = index
            case .close: close = index
            case .adjClose: adjClose = index
            case .volume: volume = index
            }
        }
        for (field, index) in [(CSVField.date, date), (.open, open), (.high, high), (.low, low), (.close, close)] where index < 0 {
            throw DataError(file: file, line: lineNumber,
                            reason: "missing column \(field.rawValue) (header: \(names.joined(separator: ", ")); map one with --column \(field.rawValue)=NAME)")
        }
        fieldsNeeded = [date, open, high, low, close, adjClose, volume].max()! + 1
    }
}

/// Valid rows in file order, before sorting and de-duplication.
struct RowBuffer {
    var dates: [DayNumber] = []
    var open: [Double] = [], high: [Double] = [], low: [Double] = [], close: [Double] = [], volume: [Double] = []
    var lines: [Int32] = []

    init(capacityHint: Int) {
        let n = min(capacityHint, 1 << 22)
        dates.reserveCapacity(n); open.reserveCapacity(n); high.reserveCapacity(n)
        low.reserveCapacity(n); close.reserveCapacity(n); volume.reserveCapacity(n); lines.reserveCapacity(n)
    }

    var count: Int { dates.count }

    @inline(__always)
    mutating func append(date: DayNumber, open o: Double, high h: Double, low l: Double, close c: Double, volume v: Double, line: Int) {
        dates.append(date); open.append(o); high.append(h); low.append(l); close.append(c); volume.append(v)
        lines.append(Int32(truncatingIfNeeded: line))
    }

    /// The rows as an ascending series with one bar per date (the later row in the file wins);
    /// records the input order and duplicates in `report`.
    func sortedSeries(report: inout CSVLoadReport) -> OHLCVSeries {
        var ascending = true, descending = true
        for k in dates.indices.dropFirst() {
            if dates[k] <= dates[k - 1] { ascending = false }
            if dates[k] >= dates[k - 1] { descending = false }
        }
        if ascending {
            report.order = .ascending
            return OHLCVSeries(dates: dates, open: open, high: high, low: low, close: close, volume: volume)
        }
        report.order = descending && dates.count > 1 ? .descending : .unsorted
        // Stable sort by date; among equal dates the later file row comes last and wins.
        let order = dates.indices.sorted { a, b in dates[a] != dates[b] ? dates[a] < dates[b] : a < b }
        var keep: [Int] = []
        keep.reserveCapacity(order.count)
        for index in order {
            if let last = keep.last, dates[last] == dates[index] {
                report.duplicateDates += 1
                if report.duplicateLines.count < 20 { report.duplicateLines.append(Int(lines[last])) }
                keep[keep.count - 1] = index
            } else {
                keep.append(index)
            }
        }
        return OHLCVSeries(dates: keep.map { dates[$0] }, open: keep.map { open[$0] }, high: keep.map { high[$0] },
                           low: keep.map { low[$0] }, close: keep.map { close[$0] }, volume: keep.map { volume[$0] })
    }
}
