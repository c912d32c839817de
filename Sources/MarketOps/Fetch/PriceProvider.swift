// The price providers `marketgpt fetch` speaks: request paths and the parsing of their answers into bars.
import Foundation
import MarketData
import MarketSupport

/// One daily bar as a provider sent it (prices already adjusted where the provider has adjusted closes).
public struct ProviderBar: Sendable, Equatable {
    /// Calendar day (UTC civil date of the exchange's trading day).
    public var date: DayNumber
    /// Prices in the asset's currency; nil when the provider sent `null` (the row becomes a gap).
    public var open: Double?, high: Double?, low: Double?, close: Double?
    /// Shares (0 when unknown, e.g. forex).
    public var volume: Double?

    public init(date: DayNumber, open: Double?, high: Double?, low: Double?, close: Double?, volume: Double?) {
        self.date = date
        self.open = open; self.high = high; self.low = low; self.close = close
        self.volume = volume
    }
}

/// A provider answer that is not a price history (HTML, garbage, an error object, a truncated body).
public struct ProviderFormatError: Error, CustomStringConvertible, Sendable, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The supported providers. `--base-url` replaces scheme and host; the paths stay the provider's own.
public enum PriceProvider: String, Sendable, CaseIterable, Codable {
    /// Yahoo Finance chart API: `/v8/finance/chart/{ticker}?period1=…&period2=…&interval=1d` (JSON, `adjclose`).
    case yahoo
    /// Stooq daily CSV: `/q/d/l/?s={ticker}&i=d` (split-adjusted, whole history; filtered locally).
    case stooq

    /// The provider's real host.
    public var defaultBaseURL: String {
        switch self {
        case .yahoo: return "https://query1.finance.yahoo.com"
        case .stooq: return "https://stooq.com"
        }
    }

    /// The provider's symbol for a universe ticker (Yahoo symbols are the universe's own).
    ///
    /// Stooq: lower case; US stocks (category `us_stocks`, no suffix) get `.us`; `GC=F` → `gc.f`;
    /// `EURUSD=X` → `eurusd`; `BTC-USD` → `btcusd`; exchange suffixes are kept (`sap.de`).
    public func symbol(for ticker: String, category: String) -> String {
        switch self {
        case .yahoo:
            return ticker
        case .stooq:
            var s = ticker.lowercased()
            if s.hasSuffix("=x") { return String(s.dropLast(2)) }
            if s.hasSuffix("=f") { return String(s.dropLast(2)) + ".f" }
            if category == "crypto" { s = s.replacingOccurrences(of: "-", with: "") }
            if category == "us_stocks" && !s.contains(".") { s += ".us" }
            return s
        }
    }

    /// The request path + query for `symbol` covering days `from...to` (Yahoo: period1 = 00:00 UTC of
    /// `from`, period2 = 00:00 UTC of the day after `to`; Stooq has no range: the whole history).
    public func path(symbol: String, from: DayNumber, to: DayNumber) -> String {
        let encoded = symbol.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?&=#"))) ?? symbol
        switch self {
        case .yahoo:
            let period1 = Int64(from) * 86_400, period2 = (Int64(to) + 1) * 86_400
            return "/v8/finance/chart/\(encoded)?period1=\(period1)&period2=\(period2)&interval=1d"
        case .stooq:
            return "/q/d/l/?s=\(encoded)&i=d"
        }
    }

    /// Parses an answer body into bars in the order sent (callers check order and duplicates).
    /// An empty range is `[]`; anything that is not this provider's format throws `ProviderFormatError`.
    public func parse(_ body: Data) throws -> [ProviderBar] {
        switch self {
        case .yahoo: return try YahooChart.parse(body)
        case .stooq: return try StooqCSV.parse(body)
        }
    }
}

/// First bytes of a body for an error message (printable, at most 60 characters).
func bodyPreview(_ body: Data) -> String {
    let text = String(decoding: body.prefix(60), as: UTF8.self)
    let cleaned = text.map { $0.isNewline ? " " : $0 }
    return String(cleaned).trimmingCharacters(in: .whitespaces)
}

/// Yahoo's chart JSON: `{"chart":{"result":[{"meta":{"gmtoffset":…},"timestamp":[…],"indicators":
/// {"quote":[{"open":[…],"high":[…],"low":[…],"close":[…],"volume":[…]}],"adjclose":[{"adjclose":[…]}]}}],"error":null}}`.
/// Timestamps are seconds at the session's start; the day is the civil date at the exchange's `gmtoffset`.
/// With `adjclose`, open/high/low/close are multiplied by `adjclose / close` (splits and dividends).
enum YahooChart {
    static func parse(_ body: Data) throws -> [ProviderBar] {
        guard !body.isEmpty else { throw ProviderFormatError("empty body") }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: body) } catch {
            throw ProviderFormatError("not JSON (starts '\(bodyPreview(body))')")
        }
        guard let root = object as? [String: Any], let chart = root["chart"] as? [String: Any] else {
            throw ProviderFormatError("JSON without a 'chart' object")
        }
        if let error = chart["error"] as? [String: Any] {
            let code = error["code"] as? String ?? "?"
            let text = error["description"] as? String ?? ""
            throw ProviderFormatError("provider error \(code): \(text)")
        }
        guard let results = chart["result"] as? [[String: Any]], let result = results.first else {
            throw ProviderFormatError("JSON without 'chart.result'")
        }
        guard let timestamps = result["timestamp"] as? [Any] else { return [] }   // an empty range
        let offset = (result["meta"] as? [String: Any])?["gmtoffset"] as? Int ?? 0
        guard let indicators = result["indicators"] as? [String: Any],
              let quote = (indicators["quote"] as? [[String: Any]])?.first else {
            throw ProviderFormatError("JSON without 'indicators.quote'")
        }
        func column(_ values: Any?, _ name: String) throws -> [Double?] {
            guard let array = values as? [Any] else { throw ProviderFormatError("no '\(name)' array") }
            guard array.count == timestamps.count else {
                throw ProviderFormatError("'\(name)' has \(array.count) values for \(timestamps.count) timestamps")
            }
            return array.map { ($0 as? NSNumber)?.doubleValue }
        }
        let open = try column(quote["open"], "open"), high = try column(quote["high"], "high")
        let low = try column(quote["low"], "low"), close = try column(quote["close"], "close")
        let volume = try column(quote["volume"], "volume")
        let adjusted = try ((indicators["adjclose"] as? [[String: Any]])?.first).map { try column($0["adjclose"], "adjclose") }
        var bars: [ProviderBar] = []
        bars.reserveCapacity(timestamps.count)
        for i in timestamps.indices {
            guard let seconds = (timestamps[i] as? NSNumber)?.int64Value else {
                throw ProviderFormatError("timestamp \(i) is not a number")
            }
            let local = seconds + Int64(offset)
            let day = DayNumber((local >= 0 ? local : local - 86_399) / 86_400)
            var bar = ProviderBar(date: day, open: open[i], high: high[i], low: low[i], close: close[i], volume: volume[i])
            if let adjusted, let c = close[i], c != 0 {
                if let a = adjusted[i] {
                    let factor = a / c
                    bar.open = bar.open.map { $0 * factor }; bar.high = bar.high.map { $0 * factor }
                    bar.low = bar.low.map { $0 * factor }; bar.close = a
                } else {
                    bar.close = nil
                }
            }
            bars.append(bar)
        }
        return bars
    }
}

/// Stooq's daily CSV: `Date,Open,High,Low,Close,Volume` (Volume may be absent), ISO dates, ascending;
/// an unknown symbol answers the text `No data` (an empty history).
enum StooqCSV {
    static func parse(_ body: Data) throws -> [ProviderBar] {
        guard !body.isEmpty else { throw ProviderFormatError("empty body") }
        let text = String(decoding: body, as: UTF8.self)
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.lowercased() == "no data" { return [] }
        var lines = trimmed.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let header = lines.first?.lowercased().split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }),
              let d = header.firstIndex(of: "date"), let o = header.firstIndex(of: "open"),
              let h = header.firstIndex(of: "high"), let l = header.firstIndex(of: "low"),
              let c = header.firstIndex(of: "close") else {
            throw ProviderFormatError("not a Stooq CSV (starts '\(bodyPreview(body))')")
        }
        let v = header.firstIndex(of: "volume")
        lines.removeFirst()
        var bars: [ProviderBar] = []
        bars.reserveCapacity(lines.count)
        for (k, line) in lines.enumerated() where !line.isEmpty {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { String($0) }
            guard fields.count >= header.count, let day = CivilDate.parseISO(fields[d]) else {
                throw ProviderFormatError("line \(k + 2): not a row of \(header.count) fields with an ISO date ('\(line.prefix(40))')")
            }
            func number(_ index: Int) -> Double? { Double(fields[index].trimmingCharacters(in: .whitespaces)) }
            bars.append(ProviderBar(date: day, open: number(o), high: number(h), low: number(l), close: number(c),
                                    volume: v.flatMap { number($0) } ?? 0))
        }
        return bars
    }
}
