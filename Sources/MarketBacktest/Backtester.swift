// The bar-by-bar simulation: decisions at close t fill at open t+1, costs, borrow, stops, sizing, marks.
import MarketData

/// What a simulation produced: curves over rows [startRow, endRow] and the trades.
public struct BacktestRun: Sendable {
    /// Dates of the simulated rows, (R) with R = endRow − startRow + 1.
    public var dates: [DayNumber]
    /// The price-matrix row of `dates[0]` (trades store price-matrix rows).
    public var startRow: Int
    /// Strategy equity at each close, (R); `equity[0]` is the initial capital.
    public var equity: [Double]
    /// Equal-weight buy-and-hold benchmark of the traded assets, (R).
    public var benchmark: [Double]
    /// Σ |position value| / equity at each close, (R).
    public var grossExposure: [Double]
    /// Every trade, in the order opened (closed ones and those closed at the end).
    public var trades: [Trade]
    /// Σ |shares × price| over every fill, rebalancing included.
    public var tradedValue: Double
    /// Asset-days on which a wanted fill waited because the asset's bar was synthetic or missing.
    public var blockedFills: Int
    /// Entries cut (or skipped) because long_only had too little cash (fixed-fraction sizing).
    public var cashLimitedEntries: Int
    /// Assets in the benchmark (indices into the price matrix).
    public var benchmarkAssets: [Int]
}

/// Simulates a `DecisionMatrix` against a `PriceMatrix`.
///
/// Timeline of row d (rows startRow+1 … endRow):
/// 1. the decisions placed on row d (taken at earlier closes) update each asset's target (+1/−1/0);
/// 2. at the open, every asset whose position differs from its target fills at the open — only on a real
///    bar; on a synthetic or missing bar the fill waits for the next real one (counted in `blockedFills`);
///    borrow for a closing short is charged up to this day;
/// 3. during the day, stop-loss / take-profit are checked against High/Low of real bars (a gap through the
///    level fills at the open; the stop wins when both are touched); a stopped asset needs a new signal;
/// 4. at the close, shorts pay borrow for the calendar days since the last charge, and equity is marked at
///    the last real close of every asset.
/// At the close of endRow every open position is sold at that close (with costs), so the final equity is cash.
public enum Backtester {
    public static func run(prices: PriceMatrix, decisions: DecisionMatrix,
                           configuration: BacktestConfiguration) -> BacktestRun {
        precondition(decisions.decisions.count == prices.dateCount * prices.assetCount,
                     "Backtester: decisions are not (D, N) of the prices")
        var engine = Engine(prices: prices, decisions: decisions, configuration: configuration)
        engine.simulate()
        let benchmarkAssets = benchmarkAssets(engine: engine, decisions: decisions)
        let benchmark = Self.benchmark(prices: prices, assets: benchmarkAssets, startRow: decisions.startRow,
                                       endRow: decisions.endRow, capital: configuration.initialCapital)
        return BacktestRun(dates: Array(prices.dates[decisions.startRow...decisions.endRow]), startRow: decisions.startRow, equity: engine.equity,
                           benchmark: benchmark, grossExposure: engine.grossExposure, trades: engine.trades,
                           tradedValue: engine.tradedValue, blockedFills: engine.blockedFills,
                           cashLimitedEntries: engine.cashLimitedEntries, benchmarkAssets: benchmarkAssets)
    }

    /// The traded assets (at least one trade); when nothing traded, every asset with signals.
    static func benchmarkAssets(engine: Engine, decisions: DecisionMatrix) -> [Int] {
        var traded = [Bool](repeating: false, count: decisions.hasSignals.count)
        for trade in engine.trades { traded[trade.asset] = true }
        let assets = traded.indices.filter { traded[$0] }
        return assets.isEmpty ? decisions.hasSignals.indices.filter { decisions.hasSignals[$0] } : assets
    }

    /// Equal-weight buy-and-hold: capital / n per asset, bought at its first real open after startRow, held
    /// to the end, marked at the last real close; no costs. Uninvested parts stay cash. (R)
    public static func benchmark(prices: PriceMatrix, assets: [Int], startRow: Int, endRow: Int, capital: Double) -> [Double] {
        let n = prices.assetCount
        var curve = [Double](repeating: capital, count: endRow - startRow + 1)
        guard !assets.isEmpty else { return curve }
        let part = capital / Double(assets.count)
        var shares = [Double](repeating: 0, count: assets.count)
        var lastClose = [Double](repeating: .nan, count: assets.count)
        prices.open.withUnsafeBufferPointer { open in
        prices.close.withUnsafeBufferPointer { close in
        prices.status.withUnsafeBufferPointer { status in
            for row in (startRow + 1)...max(startRow, endRow) where row > startRow {
                var value = 0.0
                for (j, a) in assets.enumerated() {
                    let cell = row &* n &+ a
                    if status[cell] == BarStatus.real.rawValue {
                        if shares[j] == 0 { shares[j] = part / open[cell] }
                        lastClose[j] = close[cell]
                    }
                    value += shares[j] == 0 ? part : shares[j] * lastClose[j]
                }
                curve[row - startRow] = value
            }
        }}}
        return curve
    }
}

/// The mutable state of one simulation (per-asset arrays of length N, hoisted into locals in the loops).
struct Engine {
    let prices: PriceMatrix
    let decisions: DecisionMatrix
    let configuration: BacktestConfiguration
    let n: Int
    let slip: Double

    var cash: Double
    var target: [Int8]          // (N) wanted direction
    var position: [Int8]        // (N) held direction
    var shares: [Double]        // (N) signed shares
    var lastClose: [Double]     // (N) last real close (NaN before the first)
    var openTrade: [Int]        // (N) index into trades, −1 when flat
    var borrowMark: [Double]    // (N) price the next borrow charge is computed on
    var borrowDay: [DayNumber]  // (N) day borrow was last charged up to
    var trades: [Trade] = []
    var equity: [Double] = []
    var grossExposure: [Double] = []
    var tradedValue = 0.0
    var blockedFills = 0
    var cashLimitedEntries = 0
    var rebalancePending = false

    init(prices: PriceMatrix, decisions: DecisionMatrix, configuration: BacktestConfiguration) {
        self.prices = prices
        self.decisions = decisions
        self.configuration = configuration
        n = prices.assetCount
        slip = configuration.slippageBps / 10_000
        cash = configuration.initialCapital
        target = Array(repeating: 0, count: n)
        position = target
        shares = Array(repeating: 0, count: n)
        lastClose = Array(repeating: .nan, count: n)
        openTrade = Array(repeating: -1, count: n)
        borrowMark = shares
        borrowDay = Array(repeating: 0, count: n)
        // Marks known at the start row's close (the last real close on or before it).
        for row in 0...decisions.startRow {
            for a in 0..<n where prices.status[row &* n &+ a] == BarStatus.real.rawValue {
                lastClose[a] = prices.close[row &* n &+ a]
            }
        }
    }

    mutating func simulate() {
        let rows = decisions.endRow - decisions.startRow + 1
        equity.reserveCapacity(rows)
        grossExposure.reserveCapacity(rows)
        equity.append(cash)
        grossExposure.append(0)
        guard decisions.endRow > decisions.startRow else { return }
        for row in (decisions.startRow + 1)...decisions.endRow {
            applyDecisions(row: row)
            fillAtOpen(row: row)
            if configuration.stopLoss != nil || configuration.takeProfit != nil { checkStops(row: row) }
            markAtClose(row: row)
        }
        closeAll(row: decisions.endRow)
    }

    // MARK: 1. decisions

    mutating func applyDecisions(row: Int) {
        let longOnly = configuration.mode == .longOnly
        let base = row &* n
        decisions.decisions.withUnsafeBufferPointer { decided in
            target.withUnsafeMutableBufferPointer { target in
                for a in 0..<n {
                    let d = decided[base &+ a]
                    if d != 0 { target[a] = longOnly && d < 0 ? 0 : d }
                }
            }
        }
    }

    // MARK: 2. fills at the open

    mutating func fillAtOpen(row: Int) {
        let base = row &* n
        var changes = 0
        prices.status.withUnsafeBufferPointer { status in
            for a in 0..<n where target[a] != position[a] {
                if status[base &+ a] == BarStatus.real.rawValue { changes &+= 1 } else { blockedFills &+= 1 }
            }
        }
        guard changes > 0 || rebalancePending else { return }
        rebalancePending = false
        switch configuration.sizing {
        case .equalWeight: rebalanceEqually(row: row)
        case .fixedFraction(let fraction): fillFixedFraction(row: row, fraction: fraction)
        }
    }

    /// Equity at this open: real bars at the open, the others at their last real close.
    func equityAtOpen(row: Int) -> Double {
        let base = row &* n
        var value = cash
        for a in 0..<n where shares[a] != 0 {
            let cell = base &+ a
            value += shares[a] * (prices.status[cell] == BarStatus.real.rawValue ? prices.open[cell] : lastClose[a])
        }
        return value
    }

    mutating func rebalanceEqually(row: Int) {
        let base = row &* n
        let equityNow = equityAtOpen(row: row)
        // Final direction of each asset after this open: the target where tradable, the position otherwise.
        var frozenValue = 0.0
        var movable = 0
        for a in 0..<n {
            let tradable = prices.status[base &+ a] == BarStatus.real.rawValue
            let final = tradable ? target[a] : position[a]
            guard final != 0 else { continue }
            if tradable { movable &+= 1 } else { frozenValue += abs(shares[a] * lastClose[a]) }
        }
        // Pass 1 estimates the costs of the resize so that the positions plus costs fit the equity.
        let costRate = configuration.commission + slip
        func perPosition(_ costs: Double) -> Double {
            movable > 0 ? max(0, (equityNow - frozenValue - costs) / Double(movable)) : 0
        }
        var traded = 0.0
        let first = perPosition(0)
        for a in 0..<n where prices.status[base &+ a] == BarStatus.real.rawValue {
            let wanted = target[a] == 0 ? 0 : Double(target[a]) * first / prices.open[base &+ a]
            traded += abs(wanted - shares[a]) * prices.open[base &+ a]
        }
        let value = perPosition(traded * costRate)
        for a in 0..<n where prices.status[base &+ a] == BarStatus.real.rawValue {
            let price = prices.open[base &+ a]
            let wanted = target[a] == 0 ? 0 : Double(target[a]) * value / price
            if target[a] != position[a] {
                if position[a] != 0 { exit(asset: a, row: row, price: price, reason: .signal) }
                if target[a] != 0 && wanted != 0 { enter(asset: a, row: row, shares: wanted, price: price) }
            } else if position[a] != 0 {
                fill(asset: a, delta: wanted - shares[a], price: price)
            }
        }
    }

    mutating func fillFixedFraction(row: Int, fraction: Double) {
        let base = row &* n
        var equityNow = Double.nan
        for a in 0..<n where target[a] != position[a] && prices.status[base &+ a] == BarStatus.real.rawValue {
            let price = prices.open[base &+ a]
            if position[a] != 0 { exit(asset: a, row: row, price: price, reason: .signal) }
            guard target[a] != 0 else { continue }
            if equityNow.isNaN { equityNow = equityAtOpen(row: row) }
            var value = fraction * equityNow
            if configuration.mode == .longOnly {
                let affordable = cash / (1 + configuration.commission + slip)
                if value > affordable { value = max(0, affordable); cashLimitedEntries &+= 1 }
            }
            if value > 0 { enter(asset: a, row: row, shares: Double(target[a]) * value / price, price: price) }
        }
    }

    // MARK: fills

    /// Buys (delta > 0) or sells (delta < 0) at `price` moved by slippage, paying commission.
    mutating func fill(asset a: Int, delta: Double, price: Double) {
        guard delta != 0 else { return }
        let executed = price * (delta > 0 ? 1 + slip : 1 - slip)
        let value = delta * executed
        let commission = abs(value) * configuration.commission
        cash -= value + commission
        shares[a] += delta
        tradedValue += abs(value)
        let t = openTrade[a]
        trades[t].grossFlow -= value
        trades[t].commission += commission
    }

    mutating func enter(asset a: Int, row: Int, shares amount: Double, price: Double) {
        let direction: Int8 = amount > 0 ? 1 : -1
        let executed = price * (amount > 0 ? 1 + slip : 1 - slip)
        trades.append(Trade(asset: a, direction: Int(direction), entryRow: row, entryPrice: executed,
                            entryShares: abs(amount)))
        openTrade[a] = trades.count - 1
        position[a] = direction
        fill(asset: a, delta: amount, price: price)
        borrowMark[a] = executed
        borrowDay[a] = prices.dates[row]
    }

    mutating func exit(asset a: Int, row: Int, price: Double, reason: ExitReason) {
        chargeBorrow(asset: a, through: prices.dates[row])
        fill(asset: a, delta: -shares[a], price: price)
        let t = openTrade[a]
        trades[t].exitRow = row
        trades[t].exitPrice = price * (position[a] > 0 ? 1 - slip : 1 + slip)
        trades[t].exitReason = reason
        shares[a] = 0
        position[a] = 0
        openTrade[a] = -1
    }

    /// Charges a short's borrow fee: |shares| × mark × rate × calendar days since the last charge / 365.
    mutating func chargeBorrow(asset a: Int, through day: DayNumber) {
        guard shares[a] < 0, configuration.borrowRate > 0 else { return }
        let days = Double(day - borrowDay[a])
        guard days > 0 else { return }
        let fee = -shares[a] * borrowMark[a] * configuration.borrowRate * days / 365
        cash -= fee
        trades[openTrade[a]].borrow += fee
        borrowDay[a] = day
    }

    // MARK: 3. stops

    mutating func checkStops(row: Int) {
        let base = row &* n
        let stop = configuration.stopLoss, take = configuration.takeProfit
        for a in 0..<n where position[a] != 0 && prices.status[base &+ a] == BarStatus.real.rawValue {
            let cell = base &+ a
            let entry = trades[openTrade[a]].entryPrice
            let open = prices.open[cell], high = prices.high[cell], low = prices.low[cell]
            if position[a] > 0 {
                if let stop, low <= entry * (1 - stop) {
                    exit(asset: a, row: row, price: min(open, entry * (1 - stop)), reason: .stopLoss)
                } else if let take, high >= entry * (1 + take) {
                    exit(asset: a, row: row, price: max(open, entry * (1 + take)), reason: .takeProfit)
                } else { continue }
            } else {
                if let stop, high >= entry * (1 + stop) {
                    exit(asset: a, row: row, price: max(open, entry * (1 + stop)), reason: .stopLoss)
                } else if let take, low <= entry * (1 - take) {
                    exit(asset: a, row: row, price: min(open, entry * (1 - take)), reason: .takeProfit)
                } else { continue }
            }
            target[a] = 0   // a stopped asset waits for a fresh signal
            rebalancePending = configuration.sizing == .equalWeight
        }
    }

    // MARK: 4. close

    mutating func markAtClose(row: Int) {
        let base = row &* n
        let day = prices.dates[row]
        let rate = configuration.borrowRate
        var value = 0.0, gross = 0.0, borrowPaid = 0.0
        prices.close.withUnsafeBufferPointer { close in
        prices.status.withUnsafeBufferPointer { status in
        shares.withUnsafeBufferPointer { shares in
        lastClose.withUnsafeMutableBufferPointer { lastClose in
        borrowMark.withUnsafeMutableBufferPointer { borrowMark in
        borrowDay.withUnsafeMutableBufferPointer { borrowDay in
            for a in 0..<n {
                let real = status[base &+ a] == BarStatus.real.rawValue
                if real { lastClose[a] = close[base &+ a] }
                let held = shares[a]
                if held == 0 { continue }
                if held < 0 && rate > 0 {
                    let fee = -held * borrowMark[a] * rate * Double(day - borrowDay[a]) / 365
                    if fee > 0 {
                        borrowPaid += fee
                        trades[openTrade[a]].borrow += fee
                    }
                    borrowDay[a] = day
                    if real { borrowMark[a] = lastClose[a] }
                }
                let marked = held * lastClose[a]
                value += marked
                gross += abs(marked)
            }
        }}}}}}
        cash -= borrowPaid
        let total = cash + value
        equity.append(total)
        grossExposure.append(total > 0 ? gross / total : 0)
    }

    /// Closes every open position at the close of `row`, so the final equity is cash after costs.
    mutating func closeAll(row: Int) {
        guard row > decisions.startRow else { return }
        for a in 0..<n where position[a] != 0 {
            exit(asset: a, row: row, price: lastClose[a], reason: .end)
        }
        equity[equity.count - 1] = cash
    }
}
