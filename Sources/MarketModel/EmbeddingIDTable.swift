// EmbeddingIDTable: which embedding row is which asset and category (stored in every checkpoint).
import Foundation

/// The universe's id tables as the model saw them: row i of `embed.asset.weight` is `assets[i]`,
/// row k of `embed.category.weight` is `categories[k]` (ids = order in the universe file).
/// Stored as JSON under the checkpoint metadata key `id_table`.
public struct EmbeddingIDTable: Codable, Equatable, Sendable {
    /// One asset row.
    public struct Asset: Codable, Equatable, Sendable {
        /// Ticker with its exchange suffix (`RELIANCE.NS`).
        public var ticker: String
        /// Category id (index into `categories`).
        public var category: Int

        public init(ticker: String, category: Int) {
            self.ticker = ticker
            self.category = category
        }
    }

    /// Asset id → asset (N rows).
    public var assets: [Asset]
    /// Category id → category name (K rows).
    public var categories: [String]

    public init(assets: [Asset], categories: [String]) {
        self.assets = assets
        self.categories = categories
    }

    /// The asset id of `ticker`, or nil when the model never saw it.
    public func assetID(of ticker: String) -> Int? { assets.firstIndex { $0.ticker == ticker } }

    /// The category id of `name`, or nil.
    public func categoryID(of name: String) -> Int? { categories.firstIndex(of: name) }

    /// Compact JSON (keys sorted) for the `id_table` metadata entry.
    public func jsonString() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }
}
