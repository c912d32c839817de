// UniverseMatch: a universe that differs from a checkpoint's, mapped onto its embedding rows (assets by ticker, categories by name).
import Foundation
import MarketData
import MarketModel

/// A feature store re-labelled with a checkpoint's ids: each asset's `assetID` becomes its row in the
/// checkpoint's asset embedding (matched by ticker) and its `categoryID` the checkpoint's category of the
/// same name. An asset the checkpoint has not seen gets an id ≥ the table's N (`MarketGPT` then uses no asset
/// embedding for it — the path asset-embedding dropout trains) and is listed in `zeroShotTickers`.
/// A category the checkpoint does not know is an error naming it.
public struct UniverseMatch: Sendable {
    /// The re-labelled store (same asset order as the input).
    public var store: FeatureStore
    /// Tickers forecast zero-shot, in store order.
    public var zeroShotTickers: [String]
    /// Store asset index → ticker.
    public var tickers: [String]

    /// Matches `store` (ids of `universe`) onto `checkpoint`.
    public static func match(_ store: FeatureStore, universe: EmbeddingIDTable, checkpoint: EmbeddingIDTable) throws -> UniverseMatch {
        var categoryMap: [Int: Int] = [:]
        for (id, name) in universe.categories.enumerated() {
            guard let mapped = checkpoint.categoryID(of: name) else {
                guard store.assets.contains(where: { $0.categoryID == id }) else { continue }
                throw TrainingError(step: nil, reason: "unknown category '\(name)': the checkpoint knows \(checkpoint.categories.joined(separator: ", "))")
            }
            categoryMap[id] = mapped
        }
        var rows: [String: Int] = [:]
        for (id, asset) in checkpoint.assets.enumerated() where rows[asset.ticker] == nil { rows[asset.ticker] = id }
        var out = store, zeroShot: [String] = [], tickers: [String] = []
        var next = checkpoint.assets.count
        out.categoryWeights = checkpoint.categories.indices.map { k in
            universe.categories.indices.first { categoryMap[$0] == k }.map { store.categoryWeights.indices.contains($0) ? store.categoryWeights[$0] : 0 } ?? 0
        }
        for i in out.assets.indices {
            let ticker = universe.assets[store.assets[i].assetID].ticker
            tickers.append(ticker)
            out.assets[i].categoryID = categoryMap[store.assets[i].categoryID]!
            if let row = rows[ticker] {
                out.assets[i].assetID = row
            } else {
                out.assets[i].assetID = next
                next += 1
                zeroShot.append(ticker)
            }
        }
        return UniverseMatch(store: out, zeroShotTickers: zeroShot, tickers: tickers)
    }
}
