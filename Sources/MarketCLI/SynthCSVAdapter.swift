// ADAPTER (synth): a minimal daily OHLCV CSV reader and writer for `marketgpt synth` until MarketData's loader lands.
import Foundation
import MarketData

/// A bad input file: one line naming the file, the line and the reason.
struct SynthInputError: Error, CustomStringConvertible {
    let description: String
}

/// Reads and writes daily OHLCV CSVs in the CONTRACT.md layout. Rows that cannot be used (unparsable,
/// non-positive prices) are skipped and counted; unreadable files, missing columns and files with no
/// valid rows are errors naming the file.
enum SynthCSV {
    /// Loads `url`; returns the series (sorted by date, later duplicates win) and the number of skipped rows.
    static func read(_ url: URL) throws -> (series: OHLCVSeries, skipped: Int) {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw SynthInputError(description: "\(url.path): cannot read the file")
        }
        let text = String(decoding: data, as: UTF8.self)
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        while let last = lines.last, last.trimmingCharacters(in: .whitespaces).isEmpty { lines.removeLast() }
        guard let headerLine = lines.first else { throw SynthInputError(description: "\(url.path): empty file") }
        let header = headerLine.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() }
        func column(_ name: String) throws -> Int {
            guard let index = header.firstIndex(of: name) else {
                throw SynthInputError(description: "\(url.path) line 1: missing column '\(name)' (header: \(headerLine))")
            }
            return index
        }
        let date = try column("date"), open = try column("open"), high = try column("high")
        let low = try column("low"), close = try column("close")
        let volume = header.firstIndex(of: "volume"), adjusted = header.firstIndex(of: "adj close")
        var rows: [DayNumber: (Double, Double, Double, Double, Double)] = [:]
        var skipped = 0
        for line in lines.dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            guard fields.count == header.count, let day = CivilDate.parseISO(fields[date]),
                  var o = Double(fields[open]), var h = Double(fields[high]), var l = Double(fields[low]),
                  var c = Double(fields[close]), o > 0, h > 0, l > 0, c > 0,
                  o.isFinite, h.isFinite, l.isFinite, c.isFinite else { skipped += 1; continue }
            if let adjusted, let a = Double(fields[adjusted]), a > 0, a.isFinite {
                let factor = a / c
                o *= factor; h *= factor; l *= factor; c = a
            }
            let v = volume.flatMap { Double(fields[$0]) }.map { $0.isFinite ? max($0, 0) : 0 } ?? 0
            rows[day] = (o, h, l, c, v)
        }
        guard !rows.isEmpty else { throw SynthInputError(description: "\(url.path): no valid rows") }
        let days = rows.keys.sorted()
        let bars = days.map { rows[$0]! }
        return (OHLCVSeries(dates: days, open: bars.map(\.0), high: bars.map(\.1), low: bars.map(\.2),
                            close: bars.map(\.3), volume: bars.map(\.4)), skipped)
    }

    /// The CSV text of `series`: `Date,Open,High,Low,Close,Volume`, 8 significant digits.
    static func text(_ series: OHLCVSeries) -> String {
        var out = "Date,Open,High,Low,Close,Volume\n"
        out.reserveCapacity(series.count * 64)
        for i in 0..<series.count {
            out += CivilDate.isoString(series.dates[i])
            for value in [series.open[i], series.high[i], series.low[i], series.close[i]] {
                out += "," + String(format: "%.8g", value)
            }
            out += "," + String(format: "%.0f", series.volume[i].rounded()) + "\n"
        }
        return out
    }
}
