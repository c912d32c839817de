// Writes demo data as `DATA_DIR/<category>/<TICKER>.csv` (CONTRACT.md layout) plus a manifest, atomically.
import Foundation
import MarketData
import MarketSupport

extension DemoMarketGenerator {
    /// Name of the manifest written beside the category folders.
    public static let manifestName = "demo-manifest.json"

    /// The CSV text of a series: `OHLCVCSV.text` with `.fixed8` prices (the generator's rounding).
    public static func csvText(_ series: OHLCVSeries) -> String {
        OHLCVCSV.text(series, prices: .fixed8)
    }

    /// Generates the universe and writes one CSV per asset to `directory/<category>/<TICKER>.csv` (each file
    /// atomically, temp file + rename), removes a stale file of an asset that is missing on purpose, and writes
    /// `demo-manifest.json` (seed, end date, and per asset: defect, rows, first and last date) last.
    /// - Returns: the generated assets, in id order.
    @discardableResult
    public func write(to directory: URL) throws -> [Asset] {
        let assets = generate()
        let fileManager = FileManager.default
        var manifestAssets: [[String: Any]] = []
        for asset in assets {
            let folder = try PathName.child(directory, asset.category, what: "category")
            try fileManager.createDirectory(at: folder, withIntermediateDirectories: true)
            let file = try PathName.child(folder, asset.ticker + ".csv", what: "ticker file")
            var entry: [String: Any] = ["ticker": asset.ticker, "category": asset.category, "defect": asset.defect,
                                        "full_rows": asset.fullCount]
            if let series = asset.series {
                try AtomicFile.write(Self.csvText(series), to: file)
                entry["rows"] = series.count
                entry["file"] = asset.category + "/" + asset.ticker + ".csv"
                if let first = series.dates.first, let last = series.dates.last {
                    entry["first_date"] = CivilDate.isoString(first)
                    entry["last_date"] = CivilDate.isoString(last)
                }
            } else {
                if fileManager.fileExists(atPath: file.path) { try fileManager.removeItem(at: file) }
                entry["rows"] = 0
            }
            manifestAssets.append(entry)
        }
        let manifest: [String: Any] = [
            "generator": "DemoMarketGenerator (GARCH(1,1), Student-t, market + category factors)",
            "seed": NSNumber(value: seed), "end_date": CivilDate.isoString(endDate), "assets": manifestAssets,
        ]
        let data = try JSONSerialization.data(withJSONObject: manifest, options: [.prettyPrinted, .sortedKeys])
        try AtomicFile.write(data, to: directory.appendingPathComponent(Self.manifestName))
        return assets
    }
}
