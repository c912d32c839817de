// The universe: categories of assets with batch weights, calendars and history targets (universes/*.yaml).

/// One asset of a universe.
public struct UniverseAsset: Sendable, Equatable, Codable {
    /// Ticker with its exchange suffix, e.g. `RELIANCE.NS`, `BTC-USD`, `GC=F`, `EURUSD=X`.
    public var ticker: String
    /// Human-readable name.
    public var name: String
    /// Sub-category inside the category, e.g. `Technology`, `UK`, `precious_metals`.
    public var group: String

    public init(ticker: String, name: String, group: String) {
        self.ticker = ticker
        self.name = name
        self.group = group
    }
}

/// One category of a universe (e.g. `us_stocks`).
public struct UniverseCategory: Sendable, Equatable {
    /// Category name, e.g. `us_stocks`, `crypto`.
    public var name: String
    /// Share of training batches drawn from this category (the weights of a universe sum to 1).
    public var batchWeight: Double
    /// Trading days per year (252 for US stocks, 365 for crypto, …); also annualises backtests.
    public var tradingDaysPerYear: Int
    /// Years of history each asset should have; less is a shortfall the synthetic engine back-fills.
    public var historyYears: Double
    /// The assets, in file order (their ids are this order across the universe).
    public var assets: [UniverseAsset]

    public init(name: String, batchWeight: Double, tradingDaysPerYear: Int, historyYears: Double,
                assets: [UniverseAsset]) {
        self.name = name
        self.batchWeight = batchWeight
        self.tradingDaysPerYear = tradingDaysPerYear
        self.historyYears = historyYears
        self.assets = assets
    }
}

/// A universe of assets in categories. Asset ids and category ids are the order in the file.
public struct Universe: Sendable, Equatable {
    /// The universe's name (`name:` in the file; empty when absent).
    public var name: String
    /// Bar size (`bar:` in the file); only `1d` is supported.
    public var bar: String
    /// Categories in file order; a category's id is its index here.
    public var categories: [UniverseCategory]

    public init(name: String = "", bar: String = "1d", categories: [UniverseCategory]) {
        self.name = name
        self.bar = bar
        self.categories = categories
    }

    /// Every asset with its category id, in id order.
    public var assets: [(asset: UniverseAsset, categoryID: Int)] {
        categories.enumerated().flatMap { id, category in category.assets.map { ($0, id) } }
    }

    /// Number of assets.
    public var assetCount: Int { categories.reduce(0) { $0 + $1.assets.count } }
}
