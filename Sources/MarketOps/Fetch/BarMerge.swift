// Checks a provider's bars and merges them into an asset's CSV text (appending after its last date).
import Foundation
import MarketData
import MarketSupport

/// The outcome of merging one provider answer into one file (pure: no I/O; the caller writes `data`).
public struct BarMergeResult: Sendable, Equatable {
    /// What happened (`updated`, `created`, `up_to_date`, or a fault: `failed`, `history_changed`).
    public var status: FetchStatus
    /// The whole new file (nil unless `status` is `updated` or `created`).
    public var data: Data?
    /// Rows appended (or written, for a new file).
    public var newRows: Int
    /// Provider rows with a `null` price, skipped (Yahoo sends them for holidays).
    public var nullRows: Int
    /// Last date of the file after the merge (the existing last date when nothing changed).
    public var lastDate: DayNumber?
    /// Why, for faults and notable events (one line).
    public var detail: String?
}

/// Validation and merge rules of `marketgpt fetch` (see README "Data refresh"):
/// - the provider's bars must be strictly ascending (a duplicate or out-of-order day fails the asset);
/// - a non-null price ≤ 0 fails the asset; `null` rows are skipped and counted;
/// - bars on or before the file's last date must match the file's closes within `historyTolerance`
///   (relative); a larger difference means the provider re-adjusted the past (a split) and fails the
///   asset as `history_changed`, keeping the file as it is;
/// - the new rows, written in the file's own column layout (adjusted prices; an `Adj Close` column gets
///   the adjusted close), must load with `OHLCVCSV` without a single dropped row.
public enum BarMerge {
    /// The header of a new file.
    public static let newFileHeader = "Date,Open,High,Low,Close,Volume"

    /// Merges `bars` into `existing` (the current bytes of `file`, nil when there is none).
    public static func merge(existing: Data?, file: String, bars: [ProviderBar], historyTolerance: Double) -> BarMergeResult {
        func fault(_ status: FetchStatus, _ detail: String, last: DayNumber? = nil) -> BarMergeResult {
            BarMergeResult(status: status, data: nil, newRows: 0, nullRows: 0, lastDate: last, detail: detail)
        }
        // 1. The provider's own consistency.
        var nulls = 0
        var kept: [ProviderBar] = []
        kept.reserveCapacity(bars.count)
        for (k, bar) in bars.enumerated() {
            if k > 0 {
                let previous = bars[k - 1].date
                if bar.date == previous { return fault(.failed, "provider sent day \(CivilDate.isoString(bar.date)) twice") }
                if bar.date < previous {
                    return fault(.failed, "provider days out of order (\(CivilDate.isoString(bar.date)) after \(CivilDate.isoString(previous)))")
                }
            }
            guard let o = bar.open, let h = bar.high, let l = bar.low, let c = bar.close,
                  o.isFinite, h.isFinite, l.isFinite, c.isFinite else { nulls += 1; continue }
            if o <= 0 || h <= 0 || l <= 0 || c <= 0 {
                return fault(.failed, "provider price ≤ 0 on \(CivilDate.isoString(bar.date)) (open \(o), high \(h), low \(l), close \(c))")
            }
            if let v = bar.volume, v < 0 { return fault(.failed, "provider volume < 0 on \(CivilDate.isoString(bar.date))") }
            kept.append(bar)
        }
        // 2. The existing file: its series (for the overlap check) and its header (for the layout).
        var series: OHLCVSeries?
        var header = newFileHeader
        var text = ""
        if let existing {
            do { series = try OHLCVCSV.parse(existing, file: file).series } catch {
                return fault(.failed, "the existing file does not load (\(error)); not touched")
            }
            text = String(decoding: existing, as: UTF8.self)
            header = text.prefix { !$0.isNewline }.trimmingCharacters(in: .whitespaces)
            if header.hasPrefix("\u{FEFF}") { header.removeFirst() }
        }
        let lastDate = series?.dates.last
        // 3. History check on the overlap.
        if let series, let last = lastDate {
            var worst = 0.0, worstDay: DayNumber = 0, fileClose = 0.0, providerClose = 0.0
            var k = 0
            for bar in kept where bar.date <= last {
                while k < series.count && series.dates[k] < bar.date { k += 1 }
                guard k < series.count, series.dates[k] == bar.date, let c = bar.close else { continue }
                let difference = abs(c / series.close[k] - 1)
                if difference > worst { worst = difference; worstDay = bar.date; fileClose = series.close[k]; providerClose = c }
            }
            if worst > historyTolerance {
                return fault(.historyChanged,
                             "history changed: close of \(CivilDate.isoString(worstDay)) is \(format(fileClose)) in the file, "
                             + "\(format(providerClose)) from the provider (ratio \(String(format: "%.4f", providerClose / fileClose))); "
                             + "file kept — re-download it with `marketgpt fetch --replace`", last: last)
            }
        }
        let fresh = kept.filter { lastDate == nil || $0.date > lastDate! }
        guard !fresh.isEmpty else {
            if existing == nil { return fault(.failed, "provider sent no bars for a new file (empty range)") }
            return BarMergeResult(status: .upToDate, data: nil, newRows: 0, nullRows: nulls, lastDate: lastDate, detail: nil)
        }
        // 4. New rows in the file's layout, validated by the loader on their own.
        let columns = header.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: CharacterSet(charactersIn: "\" \t")).lowercased()
        }
        var lines = ""
        for bar in fresh { lines += row(bar, columns: columns) + "\n" }
        do {
            let check = try OHLCVCSV.parse(Data((header + "\n" + lines).utf8), file: file + " (provider rows)")
            if let dropped = check.report.droppedRows.first {
                let day = dropped.date.map(CivilDate.isoString) ?? "?"
                return fault(.failed, "provider row \(day) rejected by the loader (\(dropped.reason.rawValue): \(check.report.examples.first ?? ""))")
            }
            guard check.series.count == fresh.count else {
                return fault(.failed, "provider rows: \(fresh.count) sent, \(check.series.count) valid")
            }
        } catch {
            return fault(.failed, "provider rows do not load (\(error))")
        }
        var merged = existing == nil ? header + "\n" : text
        if !merged.isEmpty && !merged.hasSuffix("\n") { merged += "\n" }
        merged += lines
        return BarMergeResult(status: existing == nil ? .created : .updated, data: Data(merged.utf8),
                              newRows: fresh.count, nullRows: nulls, lastDate: fresh.last!.date, detail: nil)
    }

    /// One CSV row of `bar` in the column order of `columns` (lower-cased header names).
    static func row(_ bar: ProviderBar, columns: [String]) -> String {
        columns.map { name -> String in
            switch name {
            case "date": return CivilDate.isoString(bar.date)
            case "open": return format(bar.open!)
            case "high": return format(bar.high!)
            case "low": return format(bar.low!)
            case "close", "adj close", "adj_close", "adjclose": return format(bar.close!)
            case "volume": return String(Int64((bar.volume ?? 0).rounded()))
            default: return ""
            }
        }.joined(separator: ",")
    }

    /// A price with 8 significant digits, plain decimal notation (never an exponent), trailing zeros trimmed.
    public static func format(_ value: Double) -> String {
        guard value.isFinite, value != 0 else { return "0" }
        let digitsBefore = Int(floor(log10(abs(value)))) + 1
        let decimals = min(15, max(0, 8 - digitsBefore))
        var text = String(format: "%.\(decimals)f", value)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }
}
