// Joint (block-synchronised) bootstrap of a category: the same source days for every asset, so cross-asset correlations survive.
import Foundation
import MarketData
import MarketSupport

/// The assets of one category on their common calendar, decomposed for a joint stationary bootstrap:
/// one draw of source days is applied to every asset, so a synthetic day of asset i and asset j comes
/// from the same real day and the cross-correlation of their returns is kept (independent per-asset
/// draws give ≈ 0). `stress` draws resample the category's high-volatility days only.
public struct JointBootstrapSource: Sendable {
    /// Tickers and asset ids (N), in the order given.
    public let tickers: [String]
    public let assetIDs: [Int]
    /// The common calendar: dates where every asset has a real bar (n + 1 dates → n days of returns).
    public let dates: [DayNumber]
    /// Per asset: its components on the common calendar (each `count` = n).
    public let sources: [BootstrapSource]
    /// The (N, N) Pearson correlation matrix of the real log returns, row-major.
    public let correlation: [Double]
    /// Per asset: the stylized facts of its real returns on the common calendar.
    public let facts: [StylizedFacts]
    /// Expected block length (days): the median over assets of the automatic (Politis–White) length.
    public let blockLength: Double
    /// Source days (ascending) whose centred 21-day volatility of the equal-weight category return is in
    /// the top `stressQuantile`: the days a stress draw is made of (crises are runs of such days).
    public let stressDays: [Int32]
    public let stressQuantile: Double

    /// N and n.
    public var assetCount: Int { sources.count }
    public var dayCount: Int { sources.first?.count ?? 0 }

    /// - Parameters:
    ///   - assets: (ticker, asset id, real series) of each asset; bars flagged synthetic are not used.
    ///   - minimumDays: the common calendar must hold at least this many days.
    ///   - blockLength: nil = automatic.
    ///   - stressQuantile: share of days (by the category's trailing volatility) that start stress blocks.
    /// Throws `SyntheticError.invalidArgument` for fewer than 2 assets or a too short common calendar.
    public init(assets: [(ticker: String, assetID: Int, series: OHLCVSeries)], minimumDays: Int = 250,
                blockLength: Double? = nil, stressQuantile: Double = 0.1) throws {
        guard assets.count >= 2 else { throw SyntheticError.invalidArgument("a joint bootstrap needs at least 2 assets, got \(assets.count)") }
        guard stressQuantile > 0 && stressQuantile <= 1 else { throw SyntheticError.invalidArgument("stress quantile must be in (0, 1], got \(stressQuantile)") }
        // Common calendar: dates every asset has a real bar on.
        var common = Set(assets[0].series.dates.indices.filter { !assets[0].series.isSynthetic[$0] }.map { assets[0].series.dates[$0] })
        for asset in assets.dropFirst() {
            let own = Set(asset.series.dates.indices.filter { !asset.series.isSynthetic[$0] }.map { asset.series.dates[$0] })
            common.formIntersection(own)
        }
        let dates = common.sorted()
        guard dates.count >= max(minimumDays, BootstrapSource.minimumBars) else {
            let latest = assets.max { ($0.series.dates.first ?? 0) < ($1.series.dates.first ?? 0) }!
            throw SyntheticError.invalidArgument("the \(assets.count) assets share \(dates.count) days, fewer than \(minimumDays) "
                + "(the latest to start is \(latest.ticker), from \(latest.series.dates.first.map(CivilDate.isoString) ?? "-"))")
        }
        var sources: [BootstrapSource] = []
        for asset in assets {
            let s = asset.series
            var index: [DayNumber: Int] = [:]
            for i in s.dates.indices where !s.isSynthetic[i] { index[s.dates[i]] = i }
            let rows = dates.map { index[$0]! }
            let source = try BootstrapSource(open: rows.map { s.open[$0] }, high: rows.map { s.high[$0] }, low: rows.map { s.low[$0] },
                                             close: rows.map { s.close[$0] }, volume: rows.map { s.volume[$0] })
            guard source.count == dates.count - 1 else {
                throw SyntheticError.invalidArgument("\(asset.ticker): unusable bars on the common calendar")
            }
            sources.append(source)
        }
        self.tickers = assets.map(\.ticker)
        self.assetIDs = assets.map(\.assetID)
        self.dates = dates
        self.sources = sources
        correlation = Self.correlationMatrix(sources.map(\.logReturn))
        facts = sources.map { StylizedFacts(returns: $0.logReturn) }
        let lengths = sources.map { SyntheticEngine.automaticBlockLength($0.logReturn, method: .stationary) }.sorted()
        self.blockLength = blockLength ?? lengths[lengths.count / 2]
        self.stressQuantile = stressQuantile
        stressDays = Self.stressDays(sources, quantile: stressQuantile)
    }

    /// Pearson correlation matrix (N, N), row-major, of equal-length series.
    public static func correlationMatrix(_ series: [[Double]]) -> [Double] {
        let k = series.count
        let standardised: [[Double]] = series.map { x in
            let mean = x.reduce(0, +) / Double(x.count)
            let sd = (x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.count)).squareRoot()
            return x.map { sd > 0 ? ($0 - mean) / sd : 0 }
        }
        var out = [Double](repeating: 0, count: k * k)
        for i in 0..<k {
            out[i * k + i] = 1
            for j in (i + 1)..<max(i + 1, k) {
                var sum = 0.0
                standardised[i].withUnsafeBufferPointer { a in
                    standardised[j].withUnsafeBufferPointer { b in
                        for t in 0..<a.count { sum += a[t] * b[t] }
                    }
                }
                out[i * k + j] = sum / Double(standardised[i].count)
                out[j * k + i] = out[i * k + j]
            }
        }
        return out
    }

    /// The median of the off-diagonal entries of an (N, N) correlation matrix.
    public static func medianPairwise(_ matrix: [Double], count k: Int) -> Double {
        var values: [Double] = []
        for i in 0..<k { for j in (i + 1)..<max(i + 1, k) { values.append(matrix[i * k + j]) } }
        values.sort()
        guard !values.isEmpty else { return .nan }
        return values.count % 2 == 1 ? values[values.count / 2] : (values[values.count / 2 - 1] + values[values.count / 2]) / 2
    }

    /// Mean absolute difference of the off-diagonal entries of two (N, N) matrices.
    public static func meanAbsoluteDifference(_ a: [Double], _ b: [Double], count k: Int) -> Double {
        var total = 0.0, pairs = 0
        for i in 0..<k { for j in (i + 1)..<max(i + 1, k) { total += abs(a[i * k + j] - b[i * k + j]); pairs += 1 } }
        return pairs > 0 ? total / Double(pairs) : 0
    }

    static func stressDays(_ sources: [BootstrapSource], quantile: Double) -> [Int32] {
        let n = sources[0].count, half = 10, window = 2 * half + 1
        var average = [Double](repeating: 0, count: n)
        for source in sources { for t in 0..<n { average[t] += source.logReturn[t] / Double(sources.count) } }
        // Centred 21-day volatility, defined where the whole window exists (the ends are never stress days).
        let eligible = n > window ? Array(half..<(n - half)) : Array(0..<n)
        var volatility = [Double](repeating: 0, count: n)
        for t in eligible {
            let slice = average[max(0, t - half)...min(n - 1, t + half)]
            let mean = slice.reduce(0, +) / Double(slice.count)
            volatility[t] = (slice.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(slice.count)).squareRoot()
        }
        let sorted = eligible.map { volatility[$0] }.sorted()
        let threshold = sorted[min(sorted.count - 1, Int((Double(sorted.count) * (1 - quantile)).rounded(.down)))]
        return eligible.filter { volatility[$0] >= threshold }.map { Int32($0) }
    }

    /// The source days of joint candidate `index` (L = `length`): stationary blocks of mean `blockLength`
    /// over all days, or — `stress` — over the sequence of `stressDays` only (a block runs through
    /// consecutive stress days, i.e. through a crisis). The same (seed, index) always gives the same days.
    public func indices(seed: UInt64, candidate index: Int, length: Int, stress: Bool) -> [Int32] {
        var rng = SyntheticEngine.stream(seed: seed, candidate: index)
        var out = [Int32](repeating: 0, count: length)
        let n = dayCount
        guard stress else {
            out.withUnsafeMutableBufferPointer {
                BlockBootstrap.drawIndices(into: $0, sourceCount: n, method: .stationary, blockLength: blockLength, rng: &rng)
            }
            return out
        }
        var positions = [Int32](repeating: 0, count: length)
        positions.withUnsafeMutableBufferPointer {
            BlockBootstrap.drawIndices(into: $0, sourceCount: stressDays.count, method: .stationary, blockLength: blockLength, rng: &rng)
        }
        for t in 0..<length { out[t] = stressDays[Int(positions[t])] }
        return out
    }

    /// The bars of every asset for source days `days`, each starting at its first common close, dated
    /// after `startDate` like the category (weekdays, or every day when any asset trades weekends).
    public func series(days: [Int32], startDate: DayNumber) -> [OHLCVSeries] {
        let weekends = sources.contains { $0.tradesWeekends } || dates.contains { CivilDate.weekday($0) >= 5 }
        let calendar = OHLCVReconstruction.dates(after: startDate, count: days.count, weekends: weekends)
        return sources.map { OHLCVReconstruction.bars(from: $0, indices: days, startPrice: $0.firstClose, dates: calendar) }
    }
}
