// The universe's gap filler: one entry point that fills gaps, shortfalls and missing assets, flagged.
import Dispatch
import Foundation
import MarketData
import MarketSupport

/// Options of `GapFiller.fill(_:options:)`.
public struct GapFillOptions: Sendable {
    /// Seed of every fill (default 0x5EED). The same seed and data give the same bars.
    public var seed: UInt64 = 0x5EED
    /// Bootstrap method (default stationary).
    public var method: BootstrapMethod = .stationary
    /// Back-fill the history shortfall before each asset's first real bar (default true).
    public var backfill = true
    /// Synthesise assets with no data from a peer (default true).
    public var synthesizeMissing = true
    /// Assets filled at the same time (default 2).
    public var concurrency = 2

    public init(seed: UInt64 = 0x5EED, method: BootstrapMethod = .stationary, backfill: Bool = true,
                synthesizeMissing: Bool = true, concurrency: Int = 2) {
        self.seed = seed
        self.method = method
        self.backfill = backfill
        self.synthesizeMissing = synthesizeMissing
        self.concurrency = concurrency
    }
}

/// Fills a loaded universe with synthetic bars (see `fill(_:options:)`).
public enum GapFiller {
    /// Fills every asset of `loaded` and records the result with `LoadedUniverse.setFilled`:
    /// - internal gaps (calendar days without a real bar between the first and last real bar) are
    ///   bridged with blocks of the asset's own earlier history;
    /// - the shortfall before the first real bar (down to the category's `history_years` window) is
    ///   back-filled, ending at the first real price;
    /// - an asset with no data is synthesised on its whole window from its category
    ///   (`synthesizeFromCategory`): a real donor peer of the same category and group (same category when the
    ///   group has none), picked by a hash of its ticker, lends its loading on the other real peers' same-day
    ///   moves and its bootstrapped residuals and candles, so the asset co-moves with its category; with no other
    ///   peer to fit on, the donor's plain bootstrap. Its report names the donor and the peers of the factor.
    /// Every filled bar has `isSynthetic = true`; real bars are unchanged. Nothing after
    /// `loaded.asOf` is read. The result depends only on the data up to `asOf` and `options.seed`.
    /// - Returns: the filled universe and one report per asset (asset id order).
    public static func fill(_ loaded: LoadedUniverse, options: GapFillOptions = GapFillOptions())
        -> (universe: LoadedUniverse, reports: [GapFillReport]) {
        var result = loaded
        let count = loaded.assets.count
        var filled = [OHLCVSeries?](repeating: nil, count: count)
        var reports = loaded.assets.map { GapFillReport(ticker: $0.asset.ticker) }
        let workers = max(1, min(options.concurrency, count))
        filled.withUnsafeMutableBufferPointer { seriesSlots in
            reports.withUnsafeMutableBufferPointer { reportSlots in
                let seriesBase = seriesSlots.baseAddress!, reportBase = reportSlots.baseAddress!
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    var id = worker
                    while id < count {
                        if let (series, report) = fillAsset(id, in: loaded, options: options) {
                            seriesBase[id] = series
                            reportBase[id] = report
                        }
                        id += workers
                    }
                }
            }
        }
        for id in 0..<count {
            if let series = filled[id], reports[id].filledBars > 0 { result.setFilled(series, assetID: id) }
        }
        return (result, reports)
    }

    /// A stable 64-bit key of a ticker (FNV-1a), so an asset's fills do not depend on its position.
    public static func key(_ ticker: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in ticker.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash
    }

    /// The peer a missing (or too short) asset is synthesised from: a real asset of the same category
    /// and group with more than 32 bars up to `asOf` (same category when the group has none), chosen by
    /// the asset's ticker hash among them in id order; nil when the category has no such asset.
    public static func peer(for id: Int, in loaded: LoadedUniverse) -> Int? {
        let asset = loaded.assets[id]
        func usable(_ other: LoadedAsset) -> Bool {
            other.assetID != id && other.categoryID == asset.categoryID
                && (other.real.map { series in
                    (loaded.asOf.map { series.lastIndex(onOrBefore: $0).map { $0 + 1 } ?? 0 } ?? series.count)
                        > BootstrapSource.minimumBars } ?? false)
        }
        let sameGroup = loaded.assets.filter { usable($0) && $0.asset.group == asset.asset.group }.map(\.assetID)
        let candidates = sameGroup.isEmpty ? loaded.assets.filter(usable).map(\.assetID) : sameGroup
        guard !candidates.isEmpty else { return nil }
        return candidates[Int(key(asset.asset.ticker) % UInt64(candidates.count))]
    }

    private static func peerSource(_ peerID: Int, in loaded: LoadedUniverse) -> (BootstrapSource, OHLCVSeries)? {
        guard var series = loaded.assets[peerID].real else { return nil }
        if let asOf = loaded.asOf, let last = series.lastIndex(onOrBefore: asOf) { series = series.slice(0..<(last + 1)) }
        guard let source = try? BootstrapSource(series: series) else { return nil }
        return (source, series)
    }

    /// `series` up to `asOf` (nil when there is none or no bar on or before it).
    private static func cut(_ series: OHLCVSeries?, asOf: DayNumber?) -> OHLCVSeries? {
        guard let series, !series.dates.isEmpty else { return nil }
        guard let asOf else { return series }
        return series.lastIndex(onOrBefore: asOf).map { series.slice(0..<($0 + 1)) }
    }

    private static func fillAsset(_ id: Int, in loaded: LoadedUniverse, options: GapFillOptions) -> (OHLCVSeries, GapFillReport)? {
        let asset = loaded.assets[id]
        let key = Self.key(asset.asset.ticker)
        var report = GapFillReport(ticker: asset.asset.ticker)
        let shortfall = options.backfill ? asset.shortfallDates : []
        guard let real = asset.real, !real.dates.isEmpty else {
            // No data: the whole window from a peer.
            guard options.synthesizeMissing, !shortfall.isEmpty, let peerID = peer(for: id, in: loaded),
                  let (source, peerSeries) = peerSource(peerID, in: loaded) else { return nil }
            let dates = loaded.asOf.map { asOf in shortfall.filter { $0 <= asOf } } ?? shortfall
            let start = peerSeries.lastIndex(onOrBefore: dates.first ?? 0).map { peerSeries.close[$0] } ?? peerSeries.close[0]
            // The category draw (`synthesizeFromCategory`): the donor's factor loading on the other real peers' same-day
            // moves plus its bootstrapped residuals; the plain peer bootstrap when the category has no other peer to fit on.
            let others = loaded.assets.filter { $0.assetID != id && $0.assetID != peerID && $0.categoryID == asset.categoryID }
                .compactMap { other in cut(other.real, asOf: loaded.asOf) }
            let series: OHLCVSeries
            if let category = synthesizeFromCategory(dates: dates, donor: peerSeries, peers: others, startPrice: start, seed: options.seed,
                                                     key: key, method: options.method) {
                series = category.series
                report.categoryPeers = others.count
            } else {
                series = synthesize(dates: dates, from: source, startPrice: start, seed: options.seed, key: key, method: options.method)
            }
            report.synthesizedBars = series.count
            report.peer = loaded.assets[peerID].asset.ticker
            return (series, report)
        }
        var donor: BootstrapSource? = nil
        let realUpToAsOf = loaded.asOf.map { real.lastIndex(onOrBefore: $0).map { $0 + 1 } ?? 0 } ?? real.count
        if realUpToAsOf <= BootstrapSource.minimumBars, let peerID = peer(for: id, in: loaded) {
            donor = peerSource(peerID, in: loaded)?.0
            report.peer = donor == nil ? nil : loaded.assets[peerID].asset.ticker
        }
        let (series, assetReport) = fill(real: real, gapDates: asset.gapDates, shortfallDates: shortfall, asOf: loaded.asOf,
                                         donor: donor, seed: options.seed, key: key, method: options.method)
        report.gapBars = assetReport.gapBars
        report.backfilledBars = assetReport.backfilledBars
        if report.filledBars == 0 { report.peer = nil }
        return (series, report)
    }
}
