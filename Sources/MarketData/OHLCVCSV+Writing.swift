// The one OHLCV CSV writer: `Date,Open,High,Low,Close,Volume`, LF endings, integer volume.
import Foundation
import MarketSupport

extension OHLCVCSV {
    /// How prices are printed.
    public enum PriceFormat: Sendable, Equatable {
        /// `%.8g`: 8 significant digits, exponent notation for very small or large values (synthetic exports).
        case significant8
        /// 8 significant figures as fixed decimals, at least 2 and at most 10 (`fixedDecimals(for:)`;
        /// the demo data, whose prices are rounded to exactly this before writing).
        case fixed8

        /// `price` as text.
        public func text(_ price: Double) -> String {
            switch self {
            case .significant8: return String(format: "%.8g", price)
            case .fixed8: return String(format: "%.*f", OHLCVCSV.fixedDecimals(for: price), price)
            }
        }
    }

    /// Decimals that print `price` with 8 significant figures: at least 2, at most 10.
    public static func fixedDecimals(for price: Double) -> Int {
        let integerDigits = price >= 1 ? Int(log10(price).rounded(.down)) + 1 : 0
        return max(2, min(10, 8 - integerDigits))
    }

    /// The CSV text of `series` (header first, one row per bar, volume rounded to an integer); the loader
    /// reads it back to the same bars (to the printed precision).
    public static func text(_ series: OHLCVSeries, prices format: PriceFormat) -> String {
        var out = "Date,Open,High,Low,Close,Volume\n"
        out.reserveCapacity(series.count * 64)
        for i in 0..<series.count {
            out += CivilDate.isoString(series.dates[i])
            out += "," + format.text(series.open[i]) + "," + format.text(series.high[i])
            out += "," + format.text(series.low[i]) + "," + format.text(series.close[i])
            out += "," + String(Int64(series.volume[i].rounded())) + "\n"
        }
        return out
    }
}
