// Target-weight files (`weights/<date>.csv`: date,ticker,weight): the plain data between sizing and the backtester.
import Foundation
import MarketSupport

/// One target weight: the fraction of equity `ticker` should hold from the first open after `date`'s close.
/// Positive = long, negative = short (long_only backtests treat a negative weight as flat).
public struct TargetWeight: Sendable, Equatable {
    /// The decision date (its close is the last information used).
    public var date: DayNumber
    public var ticker: String
    /// Signed fraction of equity, e.g. 0.05 = 5 % long, −0.02 = 2 % short.
    public var weight: Double

    public init(date: DayNumber, ticker: String, weight: Double) {
        self.date = date
        self.ticker = ticker
        self.weight = weight
    }
}

/// Reads and writes weight files. Reading needs the columns `date,ticker,weight` (any order, case-insensitive
/// header); a folder reads every `*.csv` in it. Bad rows throw `DataError` (file, line, reason): a date that is
/// not YYYY-MM-DD, an empty ticker, a weight that is not a finite number or is outside [−10, 10], a ticker twice
/// on one date.
public enum WeightFile {
    /// The largest |weight| accepted (a 10× leveraged position is certainly a unit mistake).
    public static let maximumAbsoluteWeight = 10.0

    /// Reads one CSV file or every `*.csv` of a folder (sorted by name); rows sorted by (date, ticker).
    public static func read(_ url: URL) throws -> [TargetWeight] {
        var rows: [TargetWeight] = []
        for file in try CSVFolder.files(url, kind: "weight") { rows += try readFile(file) }
        rows.sort { $0.date != $1.date ? $0.date < $1.date : $0.ticker < $1.ticker }
        return rows
    }

    /// Reads one weight CSV file.
    public static func readFile(_ url: URL) throws -> [TargetWeight] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DataError(file: url.path, reason: "cannot read (\(error.localizedDescription))")
        }
        return try parse(Array(data), file: url.path)
    }

    /// Parses CSV bytes (`file` names it in errors).
    public static func parse(_ bytes: [UInt8], file: String) throws -> [TargetWeight] {
        var lines = CSVLines(bytes: bytes)
        guard let header = lines.next()?.fields.map({ $0.lowercased() }) else { throw DataError(file: file, reason: "empty file") }
        var column: [String: Int] = [:]
        for (index, name) in header.enumerated() where column[name] == nil { column[name] = index }
        for required in ["date", "ticker", "weight"] where column[required] == nil {
            throw DataError(file: file, line: 1, reason: "missing column '\(required)' (header: \(header.joined(separator: ",")))")
        }
        var rows: [TargetWeight] = []
        var seen = Set<String>()
        while let row = lines.next() {
            let fields = row.fields
            if fields.count == 1 && fields[0].isEmpty { continue }
            guard fields.count == header.count else {
                throw DataError(file: file, line: row.line, reason: "\(fields.count) fields, the header has \(header.count)")
            }
            let dateText = fields[column["date"]!], ticker = fields[column["ticker"]!], weightText = fields[column["weight"]!]
            guard let date = CivilDate.parseISO(dateText) else {
                throw DataError(file: file, line: row.line, reason: "date '\(dateText)' is not YYYY-MM-DD")
            }
            guard !ticker.isEmpty else { throw DataError(file: file, line: row.line, reason: "empty ticker") }
            guard let weight = Double(weightText), weight.isFinite else {
                throw DataError(file: file, line: row.line, reason: "weight '\(weightText)' is not a finite number")
            }
            guard abs(weight) <= maximumAbsoluteWeight else {
                throw DataError(file: file, line: row.line,
                                reason: "weight \(weight) is outside [−\(Int(maximumAbsoluteWeight)), \(Int(maximumAbsoluteWeight))] (a fraction of equity: 0.05 = 5 %)")
            }
            guard seen.insert("\(date) \(ticker)").inserted else {
                throw DataError(file: file, line: row.line, reason: "\(ticker) appears twice on \(dateText)")
            }
            rows.append(TargetWeight(date: date, ticker: ticker, weight: weight))
        }
        return rows
    }

    /// The CSV text, header `date,ticker,weight`, rows in the given order, weights as `%.10g`.
    public static func csvText(_ rows: [TargetWeight]) -> String {
        var text = "date,ticker,weight\n"
        for row in rows {
            text += "\(CivilDate.isoString(row.date)),\(SignalFile.quoted(row.ticker)),\(SignalFile.format(row.weight))\n"
        }
        return text
    }

    /// Writes `rows` atomically to `url`.
    public static func write(_ rows: [TargetWeight], to url: URL) throws {
        try AtomicFile.write(Data(csvText(rows).utf8), to: url)
    }
}
