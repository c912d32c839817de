// Options for the layouts of OHLCV CSV files that users really have (date order, decimal comma, preambles, names).
import MarketSupport

/// The order of day, month and year in a date field.
public enum DateOrder: String, Sendable, CaseIterable, Codable {
    /// `YYYY-MM-DD` (also `YYYY/MM/DD`, `YYYYMMDD`), the default and the contract's layout.
    case ymd
    /// `DD/MM/YYYY` (also `DD.MM.YYYY`, `DD-MM-YYYY`).
    case dmy
    /// `MM/DD/YYYY`.
    case mdy
}

/// The columns the loader reads.
public enum CSVField: String, Sendable, CaseIterable, Codable {
    case date, open, high, low, close, adjClose = "adj_close", volume
}

/// How to read one OHLCV CSV file. The defaults read the contract's layout (`Date,Open,High,Low,Close,Volume`).
public struct CSVOptions: Sendable, Equatable {
    /// Order of the date parts. Default `.ymd`.
    public var dateOrder: DateOrder = .ymd
    /// `,` is the decimal separator and `.`/space group thousands (`"1.234,56"`). Default false.
    public var decimalComma = false
    /// Lines to skip before the header (a preamble such as a vendor's title line). Default 0.
    public var skipLines = 0
    /// Header names for fields whose header is not the English name, e.g. `[.close: "Dernier"]`
    /// (compared case-insensitively, surrounding quotes and spaces ignored). Default none.
    public var columns: [CSVField: String] = [:]
    /// Rows dated after this day are ignored (not a defect; counted as `rowsAfterAsOf`), so a run
    /// "as of" a date sees no later bar. Default nil (keep all).
    public var asOf: DayNumber? = nil
    /// Relative tolerance of the OHLC consistency check (rounding of adjusted prices). Default 1e-6.
    public var ohlcTolerance = 1e-6

    public init(dateOrder: DateOrder = .ymd, decimalComma: Bool = false, skipLines: Int = 0,
                columns: [CSVField: String] = [:], asOf: DayNumber? = nil) {
        self.dateOrder = dateOrder
        self.decimalComma = decimalComma
        self.skipLines = skipLines
        self.columns = columns
        self.asOf = asOf
    }
}
