// The simulation state and its per-day passes, on raw buffers hoisted out of the arrays (the hot path).
import MarketData
import MarketSupport

/// The mutable state of one simulation. Per-asset state lives in buffers of length N allocated once;
/// the (D, N) price and decision buffers are borrowed for the duration of `simulate()`.
final class Engine {
    let configuration: BacktestConfiguration
    let n: Int
    let slip: Double
    let dates: [DayNumber]
    let startRow: Int, endRow: Int
    let equalWeight: Bool
    let longOnly: Bool

    // (D, N) inputs, borrowed from the caller for the engine's lifetime.
    let open: UnsafePointer<Double>, high: UnsafePointer<Double>, low: UnsafePointer<Double>, close: UnsafePointer<Double>
    let status: UnsafePointer<UInt8>
    let decided: UnsafePointer<Int8>

    // (N) state.
    let target: UnsafeMutablePointer<Int8>      // wanted direction
    let position: UnsafeMutablePointer<Int8>    // held direction
    let shares: UnsafeMutablePointer<Double>    // signed shares
    let lastClose: UnsafeMutablePointer<Double> // last real close (0 before the first: only held assets are marked)
    let openTrade: UnsafeMutablePointer<Int>    // index into trades, −1 when flat
    let borrowMark: UnsafeMutablePointer<Double> // price the next borrow charge is computed on
    let borrowDay: UnsafeMutablePointer<DayNumber> // day borrow was last charged up to
    let entryPrice: UnsafeMutablePointer<Double> // opening fill price of the open trade
    let flow: UnsafeMutablePointer<Double>       // open trade's Σ −Δshares × price
    let commissionPaid: UnsafeMutablePointer<Double> // open trade's commissions
    let borrowPaid: UnsafeMutablePointer<Double> // open trade's borrow fees
    /// Ascending indices of the assets with a target, a position or shares (the first `activeCount`), rebuilt by
    /// `applyDecisions`. Every other asset is flat and unwanted, so its terms in the sums below are exact zeros and
    /// the passes over money skip it without changing a bit of the result. (N) capacity.
    let active: UnsafeMutablePointer<Int>
    var activeCount = 0
    /// Cash and Σ|traded value|, behind a pointer so the per-fill updates skip exclusivity checks.
    let ledger: UnsafeMutablePointer<(cash: Double, tradedValue: Double)>

    var cash: Double { ledger.pointee.cash }
    var tradedValue: Double { ledger.pointee.tradedValue }
    var trades: [Trade] = []
    var equity: [Double] = []
    var grossExposure: [Double] = []
    var blockedFills = 0
    var cashLimitedEntries = 0
    var droppedEntries = 0
    var rebalancePending = false
    /// Set when the simulation trades target weights (`Backtester+Weights.swift`) instead of signals.
    var weightPlan: WeightPlan?
    /// Set by `applyDecisions` for this open: equity (real bars at the open, others at the last close), the value
    /// of positions that cannot trade (no real bar), and the number of tradable assets wanting a position.
    var openState = (equity: 0.0, frozenValue: 0.0, movable: 0)

    /// `open`…`decided` point at the (D, N) buffers of `prices` and `decisions`; they must outlive the engine.
    init(prices: PriceMatrix, decisions: DecisionMatrix, configuration: BacktestConfiguration,
         open: UnsafePointer<Double>, high: UnsafePointer<Double>, low: UnsafePointer<Double>,
         close: UnsafePointer<Double>, status: UnsafePointer<UInt8>, decided: UnsafePointer<Int8>) {
        self.open = open; self.high = high; self.low = low; self.close = close
        self.status = status; self.decided = decided
        self.configuration = configuration
        n = prices.assetCount
        slip = configuration.slippageBps / 10_000
        dates = prices.dates
        startRow = decisions.startRow
        endRow = decisions.endRow
        equalWeight = configuration.sizing == .equalWeight
        longOnly = configuration.mode == .longOnly
        ledger = .allocate(capacity: 1)
        ledger.initialize(to: (configuration.initialCapital, 0))
        target = .allocate(capacity: max(n, 1)); target.initialize(repeating: 0, count: n)
        position = .allocate(capacity: max(n, 1)); position.initialize(repeating: 0, count: n)
        shares = .allocate(capacity: max(n, 1)); shares.initialize(repeating: 0, count: n)
        lastClose = .allocate(capacity: max(n, 1)); lastClose.initialize(repeating: 0, count: n)
        openTrade = .allocate(capacity: max(n, 1)); openTrade.initialize(repeating: -1, count: n)
        borrowMark = .allocate(capacity: max(n, 1)); borrowMark.initialize(repeating: 0, count: n)
        borrowDay = .allocate(capacity: max(n, 1)); borrowDay.initialize(repeating: 0, count: n)
        entryPrice = .allocate(capacity: max(n, 1)); entryPrice.initialize(repeating: 0, count: n)
        flow = .allocate(capacity: max(n, 1)); flow.initialize(repeating: 0, count: n)
        commissionPaid = .allocate(capacity: max(n, 1)); commissionPaid.initialize(repeating: 0, count: n)
        borrowPaid = .allocate(capacity: max(n, 1)); borrowPaid.initialize(repeating: 0, count: n)
        active = .allocate(capacity: max(n, 1)); active.initialize(repeating: 0, count: n)
        // Marks known at the start row's close (the last real close on or before it).
        for row in 0...startRow {
            for a in 0..<n where prices.status[row &* n &+ a] == BarStatus.real.rawValue {
                lastClose[a] = prices.close[row &* n &+ a]
            }
        }
    }

    deinit {
        target.deallocate(); position.deallocate(); shares.deallocate(); lastClose.deallocate()
        openTrade.deallocate(); borrowMark.deallocate(); borrowDay.deallocate(); entryPrice.deallocate()
        flow.deallocate(); commissionPaid.deallocate(); borrowPaid.deallocate(); ledger.deallocate()
        active.deallocate()
    }

    func simulate() {
        equity.reserveCapacity(endRow - startRow + 1)
        grossExposure.reserveCapacity(endRow - startRow + 1)
        equity.append(cash)
        grossExposure.append(0)
        guard endRow > startRow else { return }
        let hasStops = configuration.stopLoss != nil || configuration.takeProfit != nil
        for row in (startRow + 1)...endRow {
            if let plan = weightPlan {
                if applyWeights(row: row, plan: plan) > 0 { rebalanceToWeights(row: row, plan: plan) }
            } else {
                let changes = applyDecisions(row: row)
                if changes > 0 || rebalancePending {
                    rebalancePending = false
                    switch configuration.sizing {
                    case .equalWeight: rebalanceEqually(row: row)
                    case .fixedFraction(let fraction): fillFixedFraction(row: row, fraction: fraction)
                    }
                }
            }
            if hasStops { checkStops(row: row) }
            markAtClose(row: row)
        }
        closeAll(row: endRow)
    }

    // MARK: 1. decisions

    /// Updates the targets from row `row`'s decisions; returns how many assets can fill at this open
    /// (target ≠ position on a real bar) and counts the ones that must wait. Rebuilds the active list.
    func applyDecisions(row: Int) -> Int {
        let base = row &* n
        // Buffer addresses in locals: the compiler cannot otherwise keep them in registers across the stores.
        let active = self.active, shares = self.shares, lastClose = self.lastClose, status = self.status
        let open = self.open, decided = self.decided, target = self.target, position = self.position
        let real = BarStatus.real.rawValue
        // What an equal-weight rebalance at this open needs: held value, only held assets can add to it
        // (the previous active list holds them all, in ascending order as a full pass would add them).
        var equityNow = ledger.pointee.cash, frozenValue = 0.0
        // A dense list (most assets held, e.g. long_short) is cheaper to pass in full: the same terms plus zeros.
        let dense = activeCount &* 4 > n &* 3
        for i in 0..<(dense ? n : activeCount) {
            let a = dense ? i : active[i]
            let isReal = status[base &+ a] == real
            let held = shares[a]
            let mark = isReal ? open[base &+ a] : lastClose[a]
            equityNow += held * mark
            frozenValue += !isReal && held != 0 ? abs(held * mark) : 0
        }
        var changes = 0, blocked = 0, movable = 0, count = 0
        let lowest: Int8 = longOnly ? 0 : -1   // long_only turns SELL into flat
        for a in 0..<n {   // branch-free (0/1 integers, no &&): random signals would defeat the branch predictor
            let d = decided[base &+ a]
            let t = d != 0 ? max(d, lowest) : target[a]
            target[a] = t
            let p = position[a]   // shares ≠ 0 only while a position is open
            let differs = t != p ? 1 : 0
            let isReal = status[base &+ a] == real ? 1 : 0
            changes &+= differs & isReal
            blocked &+= differs & (isReal ^ 1)
            movable &+= isReal & (t != 0 ? 1 : 0)
            active[count] = a
            count &+= (t | p) != 0 ? 1 : 0
        }
        activeCount = count
        openState = (equityNow, frozenValue, movable)
        blockedFills &+= blocked
        return changes
    }

    // MARK: 2. fills at the open

    /// Equity at this open: real bars at the open, the others at their last real close.
    func equityAtOpen(row: Int) -> Double {
        let base = row &* n
        var value = cash
        for i in 0..<activeCount where shares[active[i]] != 0 {
            let a = active[i]
            let cell = base &+ a
            value += shares[a] * (status[cell] == BarStatus.real.rawValue ? open[cell] : lastClose[a])
        }
        return value
    }

    func rebalanceEqually(row: Int) {
        let base = row &* n
        let real = BarStatus.real.rawValue
        let (equityNow, frozenValue, movable) = openState
        // Pass 1 estimates the costs of the resize so that the positions plus costs fit the equity.
        let costRate = configuration.commission + slip
        let first = movable > 0 ? max(0, (equityNow - frozenValue) / Double(movable)) : 0
        var traded = 0.0
        for i in 0..<activeCount where status[base &+ active[i]] == real {   // |wanted − held| value, no division
            let a = active[i]
            traded += abs(Double(target[a]) * first - shares[a] * open[base &+ a])
        }
        let value = movable > 0 ? max(0, (equityNow - frozenValue - traded * costRate) / Double(movable)) : 0
        for i in 0..<activeCount where status[base &+ active[i]] == real {
            let a = active[i]
            let t = target[a], p = position[a]
            if t == 0 && p == 0 { continue }
            let price = open[base &+ a]
            let wanted = t == 0 ? 0 : Double(t) * value / price
            if t != p {
                if p != 0 { exit(asset: a, row: row, price: price, reason: .signal) }
                if t != 0 && wanted != 0 { enter(asset: a, row: row, shares: wanted, price: price) }
            } else {
                fill(asset: a, delta: wanted - shares[a], price: price)
            }
        }
    }

    /// Fixed-fraction fills at this open, independent of asset order (ticker names):
    /// 1. every exit (and the closing half of every flip) first;
    /// 2. then every entry, each `fraction` of the equity after those exits' costs. In long_only the entries
    ///    share the cash on hand: when they need more, all are cut by the same factor (counted in
    ///    `cashLimitedEntries`); with no cash at all they are dropped (counted in `droppedEntries`) and the
    ///    asset's target returns to flat, so it never fills later without a new signal.
    func fillFixedFraction(row: Int, fraction: Double) {
        let base = row &* n
        let real = BarStatus.real.rawValue
        var entries = 0
        for i in 0..<activeCount where target[active[i]] != position[active[i]] && status[base &+ active[i]] == real {
            let a = active[i]
            if position[a] != 0 { exit(asset: a, row: row, price: open[base &+ a], reason: .signal) }
            if target[a] != 0 { entries &+= 1 }
        }
        guard entries > 0 else { return }
        let value = fraction * equityAtOpen(row: row)
        var scale = value > 0 ? 1.0 : 0.0
        if longOnly && value > 0 {
            let affordable = max(0, ledger.pointee.cash) / (1 + configuration.commission + slip)
            let wanted = value * Double(entries)
            if wanted > affordable { scale = affordable / wanted }
        }
        let entryValue = value * scale
        for i in 0..<activeCount where target[active[i]] != position[active[i]] && status[base &+ active[i]] == real {
            let a = active[i]
            if entryValue > 0 {
                if scale < 1 { cashLimitedEntries &+= 1 }
                enter(asset: a, row: row, shares: Double(target[a]) * entryValue / open[base &+ a], price: open[base &+ a])
            } else {
                target[a] = position[a]   // dropped: waits for a fresh signal, never fills later on this one
                droppedEntries &+= 1
            }
        }
    }

    // MARK: fills

    /// Buys (delta > 0) or sells (delta < 0) at `price` moved by slippage, paying commission.
    func fill(asset a: Int, delta: Double, price: Double) {
        guard delta != 0 else { return }
        let executed = price * (delta > 0 ? 1 + slip : 1 - slip)
        let value = delta * executed
        let commission = abs(value) * configuration.commission
        ledger.pointee.cash -= value + commission
        ledger.pointee.tradedValue += abs(value)
        shares[a] += delta
        flow[a] -= value
        commissionPaid[a] += commission
    }

    func enter(asset a: Int, row: Int, shares amount: Double, price: Double) {
        let direction: Int8 = amount > 0 ? 1 : -1
        let executed = price * (amount > 0 ? 1 + slip : 1 - slip)
        trades.append(Trade(asset: a, direction: Int(direction), entryRow: row, entryPrice: executed,
                            entryShares: abs(amount)))
        openTrade[a] = trades.count - 1
        position[a] = direction
        entryPrice[a] = executed
        flow[a] = 0
        commissionPaid[a] = 0
        borrowPaid[a] = 0
        fill(asset: a, delta: amount, price: price)
        borrowMark[a] = executed
        borrowDay[a] = dates[row]
    }

    func exit(asset a: Int, row: Int, price: Double, reason: ExitReason) {
        chargeBorrow(asset: a, through: dates[row])
        fill(asset: a, delta: -shares[a], price: price)
        let t = openTrade[a]
        trades[t].grossFlow = flow[a]
        trades[t].commission = commissionPaid[a]
        trades[t].borrow = borrowPaid[a]
        trades[t].exitRow = row
        trades[t].exitPrice = price * (position[a] > 0 ? 1 - slip : 1 + slip)
        trades[t].exitReason = reason
        shares[a] = 0
        position[a] = 0
        openTrade[a] = -1
    }

    /// Charges a short's borrow fee: |shares| × mark × rate × calendar days since the last charge / 365.
    func chargeBorrow(asset a: Int, through day: DayNumber) {
        guard shares[a] < 0, configuration.borrowRate > 0 else { return }
        let days = Double(day - borrowDay[a])
        guard days > 0 else { return }
        let fee = -shares[a] * borrowMark[a] * configuration.borrowRate * days / 365
        ledger.pointee.cash -= fee
        borrowPaid[a] += fee
        borrowDay[a] = day
    }

    // MARK: 3. stops

    func checkStops(row: Int) {
        let base = row &* n
        let stop = configuration.stopLoss, take = configuration.takeProfit
        let s = stop ?? .nan, tp = take ?? .nan   // NaN levels never compare true: an unset level never fires
        for i in 0..<activeCount where position[active[i]] != 0 && status[base &+ active[i]] == BarStatus.real.rawValue {
            let a = active[i]
            let cell = base &+ a
            let entry = entryPrice[a]
            let o = open[cell], h = high[cell], l = low[cell]
            // Branch-free screen (the side is random, the hit rare); the exact checks below decide the fill.
            let longHit: UInt8 = (l <= entry * (1 - s) ? 1 : 0) | (h >= entry * (1 + tp) ? 1 : 0)
            let shortHit: UInt8 = (h >= entry * (1 + s) ? 1 : 0) | (l <= entry * (1 - tp) ? 1 : 0)
            if (position[a] > 0 ? longHit : shortHit) == 0 { continue }
            if position[a] > 0 {
                if let stop, l <= entry * (1 - stop) {
                    exit(asset: a, row: row, price: min(o, entry * (1 - stop)), reason: .stopLoss)
                } else if let take, h >= entry * (1 + take) {
                    exit(asset: a, row: row, price: max(o, entry * (1 + take)), reason: .takeProfit)
                } else { continue }
            } else {
                if let stop, h >= entry * (1 + stop) {
                    exit(asset: a, row: row, price: max(o, entry * (1 + stop)), reason: .stopLoss)
                } else if let take, l <= entry * (1 - take) {
                    exit(asset: a, row: row, price: min(o, entry * (1 - take)), reason: .takeProfit)
                } else { continue }
            }
            target[a] = 0   // a stopped asset waits for a fresh signal
            rebalancePending = equalWeight
        }
    }

    // MARK: 4. close

    func markAtClose(row: Int) {
        let base = row &* n
        // Buffer addresses in locals: the compiler cannot otherwise keep them in registers across the stores.
        let active = self.active, shares = self.shares, lastClose = self.lastClose, status = self.status
        let close = self.close, borrowMark = self.borrowMark, borrowDay = self.borrowDay, borrowPaid = self.borrowPaid
        let day = dates[row]
        let rate = configuration.borrowRate
        let real = BarStatus.real.rawValue
        var value = 0.0, gross = 0.0, fees = 0.0
        if activeCount &* 4 > n &* 3 {   // dense list (e.g. long_short): one fused pass over every asset
            for a in 0..<n {
                let mark = status[base &+ a] == real ? close[base &+ a] : lastClose[a]
                lastClose[a] = mark
                let marked = shares[a] * mark
                value += marked
                gross += abs(marked)
            }
        } else {
            for a in 0..<n {   // branch-free: every asset's last real close
                lastClose[a] = status[base &+ a] == real ? close[base &+ a] : lastClose[a]
            }
            for i in 0..<activeCount {   // flat assets outside the list would add exact zeros
                let marked = shares[active[i]] * lastClose[active[i]]
                value += marked
                gross += abs(marked)
            }
        }
        if !longOnly && rate > 0 {
            for i in 0..<activeCount {   // branch-free (the side is random): longs add exact zeros
                let a = active[i]
                let short = shares[a] < 0
                let fee = short ? -shares[a] * borrowMark[a] * rate * Double(day &- borrowDay[a]) / 365 : 0
                fees += fee
                borrowPaid[a] += fee
                borrowDay[a] = short ? day : borrowDay[a]
                borrowMark[a] = short && status[base &+ a] == real ? lastClose[a] : borrowMark[a]
            }
        }
        ledger.pointee.cash -= fees
        let total = ledger.pointee.cash + value
        equity.append(total)
        grossExposure.append(total > 0 ? gross / total : 0)
    }

    /// Closes every open position at the close of `row`, so the final equity is cash after costs.
    func closeAll(row: Int) {
        for a in 0..<n where position[a] != 0 {
            exit(asset: a, row: row, price: lastClose[a], reason: .end)
        }
        equity[equity.count - 1] = cash
    }
}
