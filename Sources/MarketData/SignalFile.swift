// Reads and writes signal files (`signals/<date>.csv` + `.json`): a file or a folder of them, errors with file and line.
import Foundation
import MarketSupport

/// Signal files in the CONTRACT.md layout.
///
/// Reading needs only the columns `date,ticker,signal` (any order, case-insensitive header), so a
/// baseline's minimal file backtests too; every other column is optional and read when present
/// (a missing or empty number is NaN). Writing always emits every column, in contract order.
/// Bad files throw `DataError` (one line: file, line, reason).
public enum SignalFile {
    // MARK: Reading

    /// Reads one CSV signal file, or every `*.csv` in a folder (sorted by name); rows sorted by (date, ticker).
    public static func read(_ url: URL) throws -> [SignalRecord] {
        var records: [SignalRecord] = []
        for file in try CSVFolder.files(url, kind: "signal") { records += try readFile(file) }
        records.sort { $0.date != $1.date ? $0.date < $1.date : $0.ticker < $1.ticker }
        return records
    }

    /// Reads one CSV signal file.
    public static func readFile(_ url: URL) throws -> [SignalRecord] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DataError(file: url.path, reason: "cannot read (\(error.localizedDescription))")
        }
        return try parse(Array(data), file: url.path)
    }

    /// Parses CSV text (`file` names it in errors).
    public static func parse(_ bytes: [UInt8], file: String) throws -> [SignalRecord] {
        var lines = CSVLines(bytes: bytes)
        guard let headerFields = lines.next() else { throw DataError(file: file, reason: "empty file") }
        let header = headerFields.fields.map { $0.lowercased() }
        var column: [String: Int] = [:]
        for (index, name) in header.enumerated() where column[name] == nil { column[name] = index }
        for required in ["date", "ticker", "signal"] where column[required] == nil {
            throw DataError(file: file, line: 1, reason: "missing column '\(required)' (header: \(header.joined(separator: ",")))")
        }
        var horizon = 0
        while column["pred_mean_\(horizon + 1)"] != nil { horizon += 1 }
        let meanColumns = (0..<horizon).map { column["pred_mean_\($0 + 1)"]! }
        let stdColumns = (0..<horizon).map { column["pred_std_\($0 + 1)"] }

        var records: [SignalRecord] = []
        while let row = lines.next() {
            let fields = row.fields
            if fields.count == 1 && fields[0].isEmpty { continue }   // blank line
            guard fields.count == header.count else {
                throw DataError(file: file, line: row.line,
                                      reason: "\(fields.count) fields, the header has \(header.count)")
            }
            func text(_ name: String) -> String { column[name].map { fields[$0] } ?? "" }
            func number(_ index: Int?, _ name: String) throws -> Double {
                guard let index else { return .nan }
                let field = fields[index]   // already trimmed by CSVLines; Double("nan") is NaN
                if field.isEmpty { return .nan }
                guard let value = Double(field) else {
                    throw DataError(file: file, line: row.line, reason: "\(name) '\(field)' is not a number")
                }
                return value
            }
            let dateText = text("date")
            guard let date = CivilDate.parseISO(dateText) else {
                throw DataError(file: file, line: row.line, reason: "date '\(dateText)' is not YYYY-MM-DD")
            }
            let ticker = text("ticker")
            guard !ticker.isEmpty else { throw DataError(file: file, line: row.line, reason: "empty ticker") }
            let signalText = text("signal")
            guard let signal = SignalAction(rawValue: signalText) ?? SignalAction(rawValue: signalText.uppercased()) else {
                throw DataError(file: file, line: row.line, reason: "signal '\(signalText)' is not BUY, SELL or HOLD")
            }
            let confidence = try number(column["confidence"], "confidence")
            if !confidence.isNaN && !(0...1).contains(confidence) {
                throw DataError(file: file, line: row.line, reason: "confidence \(confidence) is outside [0, 1]")
            }
            var means: [Double] = [], stds: [Double] = []
            means.reserveCapacity(horizon)
            stds.reserveCapacity(horizon)
            for k in 0..<horizon {
                means.append(try number(meanColumns[k], "pred_mean_\(k + 1)"))
                stds.append(try number(stdColumns[k], "pred_std_\(k + 1)"))
            }
            records.append(SignalRecord(
                date: date, ticker: ticker, category: text("category"),
                signal: signal, confidence: confidence,
                expectedReturn: try number(column["expected_return"], "expected_return"),
                predMean: means, predStd: stds,
                epistemicStd: try number(column["epistemic_std"], "epistemic_std"),
                aleatoricStd: try number(column["aleatoric_std"], "aleatoric_std"),
                lastClose: try number(column["last_close"], "last_close"),
                reason: text("reason")))
        }
        return records
    }

    // MARK: Writing

    /// The CSV text of `records` (all of horizon H; rows with no forecast may have empty arrays), header first.
    public static func csvText(_ records: [SignalRecord]) -> String {
        let horizon = max(1, records.map(\.horizon).max() ?? 1)
        var text = SignalRecord.columns(horizon: horizon).joined(separator: ",") + "\n"
        for record in records {
            var fields = [CivilDate.isoString(record.date), quoted(record.ticker), quoted(record.category),
                          record.signal.rawValue, format(record.confidence), format(record.expectedReturn)]
            for k in 0..<horizon { fields.append(k < record.predMean.count ? format(record.predMean[k]) : "") }
            for k in 0..<horizon { fields.append(k < record.predStd.count ? format(record.predStd[k]) : "") }
            fields += [format(record.epistemicStd), format(record.aleatoricStd), format(record.lastClose),
                       quoted(record.reason)]
            text += fields.joined(separator: ",") + "\n"
        }
        return text
    }

    /// The JSON form: an array of objects with the CSV column names as keys (NaN → null), keys in sorted order.
    public static func jsonData(_ records: [SignalRecord]) -> Data {
        let horizon = max(1, records.map(\.horizon).max() ?? 1)
        func value(_ x: Double) -> String { x.isFinite ? format(x) : "null" }
        func string(_ s: String) -> String { JSONText.quoted(s) }
        var rows: [String] = []
        for record in records {
            var pairs: [(String, String)] = [
                ("date", string(CivilDate.isoString(record.date))), ("ticker", string(record.ticker)),
                ("category", string(record.category)), ("signal", string(record.signal.rawValue)),
                ("confidence", value(record.confidence)), ("expected_return", value(record.expectedReturn)),
                ("epistemic_std", value(record.epistemicStd)), ("aleatoric_std", value(record.aleatoricStd)),
                ("last_close", value(record.lastClose)), ("reason", string(record.reason)),
            ]
            for k in 0..<horizon {
                pairs.append(("pred_mean_\(k + 1)", k < record.predMean.count ? value(record.predMean[k]) : "null"))
                pairs.append(("pred_std_\(k + 1)", k < record.predStd.count ? value(record.predStd[k]) : "null"))
            }
            pairs.sort { $0.0 < $1.0 }
            rows.append("  {" + pairs.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}")
        }
        return Data(("[\n" + rows.joined(separator: ",\n") + (rows.isEmpty ? "]\n" : "\n]\n")).utf8)
    }

    /// Writes `records` atomically as CSV to `csv` and, when given, as JSON to `json`.
    /// Writes the CSV (and the JSON) atomically. The JSON is renamed into place first and the CSV last, so a CSV
    /// — what readers look for — always has its JSON; `removeOrphans(in:)` clears a JSON left alone by a crash
    /// between the two renames.
    public static func write(_ records: [SignalRecord], csv: URL, json: URL? = nil) throws {
        if let json { try AtomicFile.write(jsonData(records), to: json) }
        try AtomicFile.write(Data(csvText(records).utf8), to: csv)
    }

    /// Removes what a killed signal run can leave in `folder`: a `<date>.json` without its `<date>.csv`, and
    /// temporaries (`.<name>.csv.tmp-*`, `.<name>.json.tmp-*`). Returns the names removed.
    @discardableResult
    public static func removeOrphans(in folder: URL) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        let present = Set(entries)
        var removed: [String] = []
        for entry in entries {
            let stem = String(entry.dropLast(5))
            let orphan = entry.hasSuffix(".json") && CivilDate.parseISO(stem) != nil && !present.contains(stem + ".csv")
            let temporary = entry.hasPrefix(".") && (entry.contains(".csv.tmp-") || entry.contains(".json.tmp-"))
            if orphan || temporary, (try? FileManager.default.removeItem(at: folder.appendingPathComponent(entry))) != nil {
                removed.append(entry)
            }
        }
        return removed
    }

    /// Numbers as `%.10g` (deterministic, round-trips to ~1e-10 relative); NaN as an empty field.
    static func format(_ x: Double) -> String {
        if x.isNaN { return "" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        return String(format: "%.10g", x)
    }

    /// Quotes a CSV field when it holds a comma, quote or line break.
    public static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// Splits CSV bytes into rows of fields (RFC 4180 quoting, LF or CRLF), counting physical lines.
/// Spaces and tabs around an unquoted field are dropped.
struct CSVLines {
    let bytes: [UInt8]
    var position = 0
    var line = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { position = 3 }   // UTF-8 BOM
    }

    /// The next row with the line number it starts on, or nil at the end.
    mutating func next() -> (fields: [String], line: Int)? {
        guard position < bytes.count else { return nil }
        line += 1
        let startLine = line
        var fields: [String] = []
        var field: [UInt8] = []
        var inQuotes = false
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            if inQuotes {
                if byte == UInt8(ascii: "\"") {
                    if position < bytes.count && bytes[position] == UInt8(ascii: "\"") {
                        field.append(byte)
                        position += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    if byte == UInt8(ascii: "\n") { line += 1 }
                    field.append(byte)
                }
            } else if byte == UInt8(ascii: ",") {
                fields.append(Self.text(field))
                field.removeAll(keepingCapacity: true)
            } else if byte == UInt8(ascii: "\n") {
                break
            } else if byte == UInt8(ascii: "\"") && field.allSatisfy({ $0 == 32 || $0 == 9 }) {
                field.removeAll(keepingCapacity: true)
                inQuotes = true
            } else if byte != UInt8(ascii: "\r") && !(field.isEmpty && (byte == 32 || byte == 9)) {
                field.append(byte)
            }
        }
        fields.append(Self.text(field))
        return (fields, startLine)
    }

    /// The field's text without trailing spaces or tabs (leading ones were never appended).
    static func text(_ field: [UInt8]) -> String {
        var end = field.count
        while end > 0 && (field[end - 1] == 32 || field[end - 1] == 9) { end -= 1 }
        return String(decoding: field[0..<end], as: UTF8.self)
    }
}
