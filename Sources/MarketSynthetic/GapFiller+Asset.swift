// Gap filling of one asset on plain values: bridged internal gaps, back-filled shortfall, peer-synthesised series.
import Foundation
import MarketSupport
import MarketData

/// What the filler did to one asset.
public struct GapFillReport: Sendable, Equatable {
    /// The asset's ticker.
    public var ticker: String
    /// Synthetic bars inside the real history (calendar gaps, dropped rows).
    public var gapBars = 0
    /// Synthetic bars before the first real bar (history shortfall).
    public var backfilledBars = 0
    /// Synthetic bars of an asset with no real data, made from `peer`.
    public var synthesizedBars = 0
    /// The real asset a missing asset (or one with too little history) was synthesised from.
    public var peer: String?
    /// Real peers whose same-day moves a missing asset was synthesised with (`GapFiller.synthesizeFromCategory`);
    /// 0 when it is the donor's plain bootstrap.
    public var categoryPeers = 0
    /// Every synthetic bar.
    public var filledBars: Int { gapBars + backfilledBars + synthesizedBars }

    public init(ticker: String) { self.ticker = ticker }
}

extension GapFiller {
    /// Fills one asset's `gapDates` (inside its real history) and `shortfallDates` (before its first
    /// real bar) with block-bootstrap bars, every one flagged synthetic; real bars are kept unchanged.
    ///
    /// - An internal gap of k days after real bar i is filled with k + 1 bootstrapped days drawn only
    ///   from the returns up to bar i (its own history before the gap; the whole history up to `asOf`
    ///   when fewer than 32 days precede it), bridged: the cumulated log returns are tilted linearly
    ///   (a Brownian-bridge correction) so the path starts at close i and the step after the last
    ///   filled day lands exactly on the next real close.
    /// - A shortfall of k days is back-filled backwards from the first real close: the last filled
    ///   close is the first real close divided by one bootstrapped day's growth.
    /// - `donor` (a peer's components) is used when the asset has fewer than 33 real bars.
    /// - Nothing after `asOf` is read: real bars and dates after it are ignored, so fills are the
    ///   same whatever the data holds later. Streams come from (`seed`, `key`, segment's first date).
    public static func fill(real: OHLCVSeries, gapDates: [DayNumber], shortfallDates: [DayNumber], asOf: DayNumber? = nil,
                            donor: BootstrapSource? = nil, seed: UInt64, key: UInt64,
                            method: BootstrapMethod = .stationary) -> (series: OHLCVSeries, report: GapFillReport) {
        var report = GapFillReport(ticker: "")
        let limit = asOf ?? .max
        let realCount = real.lastIndex(onOrBefore: limit).map { $0 + 1 } ?? 0
        let bars = realCount == real.count ? real : real.slice(0..<realCount)
        guard realCount >= 1 else { return (bars, report) }
        let first = bars.dates[0], last = bars.dates[realCount - 1]
        let gaps = gapDates.filter { $0 > first && $0 < last && $0 <= limit }
        let shortfall = shortfallDates.filter { $0 < first && $0 <= limit }
        guard !gaps.isEmpty || !shortfall.isEmpty else { return (bars, report) }
        let own = realCount > BootstrapSource.minimumBars ? try? BootstrapSource(series: bars) : nil
        guard let source = own ?? donor else { return (bars, report) }
        let ownPrefix = own != nil   // component t of `own` is the return into real bar t + 1
        let blockLength = SyntheticEngine.automaticBlockLength(source.logReturn, method: method)
        var out = SeriesBuilder(capacity: realCount + gaps.count + shortfall.count)

        if !shortfall.isEmpty {
            var rng = SeededRandom(seed: seed ^ key, stream: UInt64(bitPattern: Int64(shortfall[0])), salt: SeededRandom.syntheticSalt)
            let days = draw(shortfall.count + 1, from: source.count, method, blockLength, &rng)
            // Backwards from the first real close: close_{k} = C_first / e^{r(d_{k+1})}, close_{j−1} = close_j / e^{r(d_j)}.
            var closes = [Double](repeating: 0, count: shortfall.count + 1)   // closes[0] = the implied previous close
            closes[shortfall.count] = bars.close[0] * exp(-source.logReturn[Int(days[shortfall.count])])
            for j in stride(from: shortfall.count, to: 0, by: -1) {
                closes[j - 1] = closes[j] * exp(-source.logReturn[Int(days[j - 1])])
            }
            let level = logVolumeLevel(bars.volume, 0..<min(20, realCount))
            out.appendSynthetic(dates: shortfall, days: days, closes: closes, source: source, volumeLevel: level)
            report.backfilledBars = shortfall.count
        }
        var g = 0
        for i in 0..<realCount {
            out.appendReal(bars, i)
            guard i + 1 < realCount else { break }
            while g < gaps.count && gaps[g] <= bars.dates[i] { g += 1 }   // a gap date equal to a real bar: nothing to fill
            var k = 0
            while g + k < gaps.count && gaps[g + k] < bars.dates[i + 1] { k += 1 }
            guard k > 0 else { continue }
            let dates = Array(gaps[g..<(g + k)])
            g += k
            var rng = SeededRandom(seed: seed ^ key, stream: UInt64(bitPattern: Int64(dates[0])), salt: SeededRandom.syntheticSalt)
            let allowed = ownPrefix && i >= BootstrapSource.minimumBars ? i : source.count
            let days = draw(k + 1, from: allowed, method, min(blockLength, Double(max(i, 1))), &rng)
            // Bridge: S_j = Σ_{l≤j} r(d_l), corrected by −(j/(k+1))·(S_{k+1} − log(C_{i+1}/C_i)).
            let target = log(bars.close[i + 1] / bars.close[i])
            var cumulative = [Double](repeating: 0, count: k + 2)
            for j in 1...(k + 1) { cumulative[j] = cumulative[j - 1] + source.logReturn[Int(days[j - 1])] }
            let excess = cumulative[k + 1] - target
            var closes = [Double](repeating: bars.close[i], count: k + 1)
            for j in 1...k { closes[j] = bars.close[i] * exp(cumulative[j] - Double(j) / Double(k + 1) * excess) }
            let level = logVolumeLevel(bars.volume, max(0, i - 19)..<(i + 1))
            out.appendSynthetic(dates: dates, days: Array(days[0..<k]), closes: closes, source: source, volumeLevel: level)
            report.gapBars += k
        }
        return (out.series(), report)
    }

    /// A fully synthetic series on `dates` from a peer's components, starting at `startPrice`.
    public static func synthesize(dates: [DayNumber], from source: BootstrapSource, startPrice: Double, seed: UInt64,
                                  key: UInt64, method: BootstrapMethod = .stationary) -> OHLCVSeries {
        guard !dates.isEmpty else { return .empty }
        var rng = SeededRandom(seed: seed ^ key, stream: UInt64(bitPattern: Int64(dates[0])), salt: SeededRandom.syntheticSalt)
        let blockLength = SyntheticEngine.automaticBlockLength(source.logReturn, method: method)
        let days = draw(dates.count, from: source.count, method, blockLength, &rng)
        return OHLCVReconstruction.bars(from: source, indices: days, startPrice: startPrice, dates: dates)
    }

    static func draw(_ count: Int, from n: Int, _ method: BootstrapMethod, _ blockLength: Double,
                     _ rng: inout SeededRandom) -> [Int32] {
        var days = [Int32](repeating: 0, count: count)
        days.withUnsafeMutableBufferPointer {
            BlockBootstrap.drawIndices(into: $0, sourceCount: n, method: method, blockLength: blockLength, rng: &rng)
        }
        return days
    }

    /// Mean of log(1 + V) over `range` of `volume`.
    static func logVolumeLevel(_ volume: [Double], _ range: Range<Int>) -> Double {
        guard !range.isEmpty else { return 0 }
        var sum = 0.0
        for i in range { sum += log1p(max(volume[i], 0)) }
        return sum / Double(range.count)
    }
}

/// Accumulates bars in date order (real bars copied, synthetic ones rebuilt from components).
struct SeriesBuilder {
    var dates: [DayNumber] = [], open: [Double] = [], high: [Double] = [], low: [Double] = []
    var close: [Double] = [], volume: [Double] = [], synthetic: [Bool] = []

    init(capacity: Int) {
        dates.reserveCapacity(capacity); open.reserveCapacity(capacity); high.reserveCapacity(capacity)
        low.reserveCapacity(capacity); close.reserveCapacity(capacity); volume.reserveCapacity(capacity)
        synthetic.reserveCapacity(capacity)
    }

    mutating func appendReal(_ bars: OHLCVSeries, _ i: Int) {
        dates.append(bars.dates[i]); open.append(bars.open[i]); high.append(bars.high[i]); low.append(bars.low[i])
        close.append(bars.close[i]); volume.append(bars.volume[i]); synthetic.append(bars.isSynthetic[i])
    }

    /// Appends bars on `dates` (k) made of source days `days` (k) with closes `closes` (k + 1, closes[0] the
    /// previous close): O = prev·e^{gap}, H = max(C·e^{h}, O, C), L = min(C·e^{l}, O, C), V from the level.
    mutating func appendSynthetic(dates newDates: [DayNumber], days: [Int32], closes: [Double], source: BootstrapSource,
                                  volumeLevel: Double) {
        for j in 0..<newDates.count {
            let d = Int(days[j])
            let c = closes[j + 1], o = closes[j] * exp(source.openGap[d])
            dates.append(newDates[j]); open.append(o); close.append(c)
            high.append(max(c * exp(source.highRatio[d]), o, c))
            low.append(min(c * exp(source.lowRatio[d]), o, c))
            volume.append(volumeLevel == 0 ? 0 : max(0, expm1(volumeLevel + source.volumeRatio[d])))
            synthetic.append(true)
        }
    }

    func series() -> OHLCVSeries {
        OHLCVSeries(dates: dates, open: open, high: high, low: low, close: close, volume: volume, isSynthetic: synthetic)
    }
}
