// One asset as a nightly run sees it at a date: ticker, category and its (gap-filled) series up to the date.
import MarketData

/// The input of one asset to `NightlySignals`: what the universe says about it and the series the CLI
/// loaded (and gap-filled) as of the decision date. Only bars dated on or before the date are read.
public struct SignalAsset: Sendable {
    /// Ticker with its exchange suffix; it finds the asset's row in the checkpoint's id table.
    public var ticker: String
    /// Category name from the universe (picks `model_finetuned_<category>`).
    public var category: String
    /// The series (synthetic bars flagged), nil when the asset has no data at all.
    public var series: OHLCVSeries?

    public init(ticker: String, category: String, series: OHLCVSeries?) {
        self.ticker = ticker
        self.category = category
        self.series = series
    }

    /// The assets of a loaded (and possibly gap-filled) universe, in asset-id order.
    public static func assets(of loaded: LoadedUniverse) -> [SignalAsset] {
        loaded.assets.map { asset in
            SignalAsset(ticker: asset.asset.ticker, category: loaded.universe.categories[asset.categoryID].name,
                        series: asset.series.flatMap { $0.count > 0 ? $0 : nil })
        }
    }
}
