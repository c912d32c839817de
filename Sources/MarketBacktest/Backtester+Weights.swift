// Target-weight trading in the simulation: the instructions of a `WeightMatrix` → fills at the open, same costs as signals.
import MarketData

/// The per-asset state of a simulation driven by target weights, (N) buffers allocated once.
final class WeightPlan {
    /// (D, N) instructions, borrowed from the `WeightMatrix` for the simulation's lifetime; NaN = none.
    let instruction: UnsafePointer<Double>
    /// The current target weight of each asset (the last instruction, 0 after a stop), (N).
    let wanted: UnsafeMutablePointer<Double>
    /// The weight the asset was last traded to (0 when flat), (N).
    let applied: UnsafeMutablePointer<Double>
    /// True while an instruction waits for a fill (a new weight not yet traded, e.g. on a synthetic bar), (N).
    let pending: UnsafeMutablePointer<Bool>
    let n: Int

    init(instruction: UnsafePointer<Double>, assetCount n: Int) {
        self.instruction = instruction
        self.n = n
        wanted = .allocate(capacity: max(n, 1)); wanted.initialize(repeating: 0, count: n)
        applied = .allocate(capacity: max(n, 1)); applied.initialize(repeating: 0, count: n)
        pending = .allocate(capacity: max(n, 1)); pending.initialize(repeating: false, count: n)
    }

    deinit { wanted.deallocate(); applied.deallocate(); pending.deallocate() }
}

extension Backtester {
    /// Simulates target weights against `prices` with the same timeline, costs, borrow, slippage, stops and
    /// marks as signals (see `Backtester` and `Engine.rebalanceToWeights`). `configuration.sizing` is unused:
    /// the weights are the sizing.
    public static func run(prices: PriceMatrix, weights: WeightMatrix, configuration: BacktestConfiguration) -> BacktestRun {
        precondition(weights.weights.count == prices.dateCount * prices.assetCount,
                     "Backtester: weights are not (D, N) of the prices")
        var decisions = DecisionMatrix(decisions: [Int8](repeating: 0, count: weights.weights.count),
                                       assetCount: prices.assetCount, startRow: weights.startRow, endRow: weights.endRow)
        decisions.hasSignals = weights.hasWeights
        decisions.unmatchedTickers = weights.unmatchedTickers
        return weights.weights.withUnsafeBufferPointer { instruction in
            run(prices: prices, decisions: decisions, configuration: configuration,
                weightPlan: WeightPlan(instruction: instruction.baseAddress!, assetCount: prices.assetCount))
        }
    }
}

extension Engine {
    /// Reads row `row`'s weight instructions (NaN = keep the current target; long_only turns a negative weight
    /// into flat). An instruction is pending until filled when it differs from the weight last traded to; a
    /// stopped-out asset forgets its target, so it re-enters only on a later instruction. Returns the pending
    /// instructions that can fill at this open (real bar), counts those that must wait, rebuilds the active list.
    func applyWeights(row: Int, plan: WeightPlan) -> Int {
        let base = row &* n
        let real = BarStatus.real.rawValue
        var changes = 0, count = 0
        for a in 0..<n {
            if position[a] == 0 && plan.applied[a] != 0 {   // stopped out since the last fill
                plan.applied[a] = 0
                plan.wanted[a] = 0
            }
            let instruction = plan.instruction[base &+ a]
            if !instruction.isNaN {
                let w = longOnly ? max(0, instruction) : instruction
                plan.wanted[a] = w
                plan.pending[a] = w != plan.applied[a]
            }
            let w = plan.wanted[a]
            target[a] = w > 0 ? 1 : w < 0 ? -1 : 0
            if plan.pending[a] {
                if status[base &+ a] == real { changes &+= 1 } else { blockedFills &+= 1 }
            }
            active[count] = a
            count &+= (target[a] != 0 || position[a] != 0 || plan.pending[a]) ? 1 : 0
        }
        activeCount = count
        return changes
    }

    /// Trades every pending asset with a real bar to weight × E / open, E = the equity at this open (real bars
    /// at the open, others at their last close), in an order independent of the asset order:
    /// 1. exits (weight 0 or the other side: the closing half of a flip) and reductions, which free cash;
    /// 2. entries and increases. In long_only they share the cash on hand: when they need more than it (with
    ///    commission and slippage), all are cut by the same factor (counted in `cashLimitedEntries`; with no cash at
    ///    all they are dropped, counted in `droppedEntries`, and wait for a new weight).
    /// A weight whose sign differs from the position closes one trade and opens another; a same-side change
    /// resizes the open trade. Filled instructions stop being pending.
    func rebalanceToWeights(row: Int, plan: WeightPlan) {
        let base = row &* n
        let real = BarStatus.real.rawValue
        let equityNow = equityAtOpen(row: row)
        var buys = 0.0, buyers = 0
        for i in 0..<activeCount where plan.pending[active[i]] && status[base &+ active[i]] == real {
            let a = active[i]
            let price = open[base &+ a]
            let w = plan.wanted[a]
            let t: Int8 = w > 0 ? 1 : w < 0 ? -1 : 0
            let wantedShares = w * equityNow / price
            if position[a] != 0 && t != position[a] {
                exit(asset: a, row: row, price: price, reason: .signal)
            } else if position[a] != 0 && abs(wantedShares) < abs(shares[a]) {
                fill(asset: a, delta: wantedShares - shares[a], price: price)
            }
            if t != 0 && abs(wantedShares) > abs(shares[a]) {
                buyers &+= 1
                if t > 0 { buys += (wantedShares - shares[a]) * price }
            }
            if t == 0 || abs(wantedShares) <= abs(shares[a]) {
                plan.applied[a] = w
                plan.pending[a] = false
            }
        }
        guard buyers > 0 else { return }
        var scale = 1.0
        if longOnly && buys > 0 {
            let affordable = max(0, ledger.pointee.cash) / (1 + configuration.commission + slip)
            if buys > affordable { scale = affordable / buys }
        }
        for i in 0..<activeCount where plan.pending[active[i]] && status[base &+ active[i]] == real {
            let a = active[i]
            let price = open[base &+ a]
            let w = plan.wanted[a]
            let delta = (w * equityNow / price - shares[a]) * scale
            if scale == 0 { droppedEntries &+= 1 } else if scale < 1 { cashLimitedEntries &+= 1 }
            if delta != 0 {
                if position[a] == 0 { enter(asset: a, row: row, shares: delta, price: price) }
                else { fill(asset: a, delta: delta, price: price) }
            }
            plan.applied[a] = w
            plan.pending[a] = false
        }
    }
}
