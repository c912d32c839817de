// Where dated instructions (signal rows, target weights) act on a price calendar: the first open after their close.
import MarketData
import MarketSupport

/// Dated per-ticker instructions placed on a `PriceMatrix` (shared by `DecisionMatrix` and `WeightMatrix`).
struct InstructionPlacement {
    /// (price row where it acts, asset index, index into the input) in date order; rows past `endRow` are left out.
    var placed: [(row: Int, asset: Int, item: Int)]
    var startRow: Int, endRow: Int
    /// Tickers without prices, sorted.
    var unmatchedTickers: [String]
    /// Assets with at least one instruction dated on or before the end, (N).
    var hasInstructions: [Bool]

    /// The window starts at the last price date on or before the first matched date and ends at the last price
    /// date on or before `end` (default: the last matched date). An item dated t acts at the first row dated after
    /// t (never before startRow + 1). Nil when no item matches a priced asset inside the calendar.
    init?(dates: [DayNumber], tickers: [String], prices: PriceMatrix, end: DayNumber?) {
        var assetIndex: [String: Int] = [:]
        for (a, ticker) in prices.tickers.enumerated() { assetIndex[ticker] = a }
        var unmatched = Set<String>()
        let matched = dates.indices.filter { i in
            if assetIndex[tickers[i]] == nil { unmatched.insert(tickers[i]); return false }
            return true
        }
        guard let firstDate = matched.map({ dates[$0] }).min(), let lastDate = matched.map({ dates[$0] }).max(),
              !prices.dates.isEmpty else { return nil }
        let startRow = prices.lastRow(onOrBefore: firstDate) ?? 0
        guard let endRow = prices.lastRow(onOrBefore: end ?? lastDate), endRow >= startRow else { return nil }
        var has = [Bool](repeating: false, count: prices.assetCount)
        var placed: [(row: Int, asset: Int, item: Int)] = []
        // Stable date order, so a later decision for the same open replaces an earlier one when applied in order.
        for i in matched.sorted(by: { dates[$0] < dates[$1] }) {
            let a = assetIndex[tickers[i]]!
            if dates[i] <= prices.dates[endRow] { has[a] = true }
            let row = max(prices.firstRow(after: dates[i]), startRow + 1)
            if row <= endRow { placed.append((row, a, i)) }
        }
        self.placed = placed
        self.startRow = startRow
        self.endRow = endRow
        self.unmatchedTickers = unmatched.sorted()
        self.hasInstructions = has
    }
}
