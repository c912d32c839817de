// A universe loaded from CSV files: per asset its real series, load report, gaps and shortfall on its category calendar.
import Foundation
import MarketSupport

/// Whether an asset has real data, was filled by the synthetic engine, or has nothing.
public enum AssetStatus: String, Sendable, Codable {
    /// Real data only.
    case ok
    /// Some bars are synthetic (gap fill, back-fill or a fully synthetic asset).
    case filled
    /// No data (no file, or the file failed to load) and nothing filled.
    case missing
}

/// One asset of a loaded universe.
public struct LoadedAsset: Sendable {
    /// The asset as the universe lists it.
    public var asset: UniverseAsset
    /// Index of the asset across the universe (file order); the model's asset id.
    public var assetID: Int
    /// Index of its category; the model's category id.
    public var categoryID: Int
    /// The CSV file read, nil when none was found.
    public var file: URL?
    /// The real bars as loaded (adjusted, ascending, none after `asOf`); nil when missing.
    public var real: OHLCVSeries?
    /// The series to use downstream: `real` until a gap filler replaces it (synthetic bars flagged
    /// in `isSynthetic`) with `LoadedUniverse.setFilled(_:assetID:)`.
    public var series: OHLCVSeries?
    /// The CSV load report; nil when there was no file or it failed.
    public var report: CSVLoadReport?
    /// Why loading failed (the file exists but is unusable), nil otherwise.
    public var error: DataError?
    /// Dates of its calendar (`LoadedUniverse.calendar(forAsset:)`) between the first and the last
    /// real bar that have no real bar (rows dropped as defects become gaps here), ascending.
    public var gapDates: [DayNumber] = []
    /// Calendar dates of the history window (`history_years` before the category's end) before the
    /// first real bar; for a missing asset, the whole window. Ascending.
    public var shortfallDates: [DayNumber] = []
    /// Calendar dates after the last real bar up to the category's end (a stale tail; not gaps).
    public var staleDates: [DayNumber] = []
    /// Real bars on dates that are not on the category calendar (kept in the series, counted).
    public var offCalendarBars = 0
    /// Synthetic bars in `series` (0 until a filler runs).
    public var filledBars = 0

    /// `ok`, `filled` or `missing`.
    public var status: AssetStatus {
        if filledBars > 0 { return .filled }
        return real == nil ? .missing : .ok
    }
}

/// A loaded universe: the input of gap filling, features and the windowed dataset.
public struct LoadedUniverse: Sendable {
    /// The universe definition.
    public var universe: Universe
    /// Every asset, indexed by asset id.
    public var assets: [LoadedAsset]
    /// Per category id: its calendar (see `CategoryCalendar`), ascending, ending at `categoryEnd`.
    public var calendars: [[DayNumber]]
    /// Per category id: calendars of its groups that have at least `minimumAssetsForGroupCalendar`
    /// assets with data (and are not the whole category), built by the same rule from the group's
    /// files. An asset in such a group is placed (gaps, shortfall, stale tail) on its group's
    /// calendar, so a market's own holidays inside a mixed category are not gaps.
    public var groupCalendars: [[String: [DayNumber]]]
    /// Per category id: the first day of the `history_years` window.
    public var historyStart: [DayNumber]
    /// Per category id: the last calendar day (the latest real bar of the category, capped by `asOf`).
    public var categoryEnd: [DayNumber]
    /// The as-of day the load used (rows after it were ignored), nil for all rows.
    public var asOf: DayNumber?
    /// Wall-clock seconds the load took.
    public var seconds: Double

    /// Groups with fewer assets with data use their category's calendar.
    public static let minimumAssetsForGroupCalendar = 3

    /// The calendar asset `assetID` is placed on: its group's calendar when it has one, else its category's.
    public func calendar(forAsset assetID: Int) -> [DayNumber] {
        let asset = assets[assetID]
        return groupCalendars[asset.categoryID][asset.asset.group] ?? calendars[asset.categoryID]
    }

    /// Replaces the series of asset `assetID` by a filled one (the real bars kept, synthetic bars
    /// flagged), and records how many bars are synthetic. This is the gap filler's way in.
    public mutating func setFilled(_ series: OHLCVSeries, assetID: Int) {
        precondition(assets.indices.contains(assetID), "setFilled: asset id \(assetID) out of range")
        assets[assetID].series = series
        var synthetic = 0
        for flag in series.isSynthetic where flag { synthetic += 1 }
        assets[assetID].filledBars = synthetic
    }

    /// Counts of assets by status.
    public var statusCounts: [AssetStatus: Int] {
        var counts: [AssetStatus: Int] = [:]
        for asset in assets { counts[asset.status, default: 0] += 1 }
        return counts
    }
}
