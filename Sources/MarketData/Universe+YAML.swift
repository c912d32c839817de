// Reading a universe from YAML (universes/*.yaml) through the strict reader (`StrictYAML`): unknown keys,
// duplicate keys and wrong types name their key path and line.
import Foundation
import MarketSupport

extension Universe {
    /// Loads a universe file. Throws `DataError` naming the file, the line and the key path
    /// (e.g. `categories[2].assets[5].ticker`) for unknown keys, missing keys and wrong types.
    public static func load(_ url: URL) throws -> Universe {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw DataError(file: url.path, reason: "cannot read the universe file (\(error.localizedDescription))")
        }
        return try parse(yaml: text, file: url.path)
    }

    /// Parses universe YAML; `file` names the source in errors.
    ///
    /// Layout: optional `name` (string), optional `bar` (`1d`, the only bar supported),
    /// `categories`: a list of `{name, batch_weight, trading_days_per_year, history_years, assets}`,
    /// `assets`: a list of `{ticker, name (default: the ticker), group (default: the category name)}`.
    public static func parse(yaml: String, file: String) throws -> Universe {
        let document: UniverseDocument
        do { document = try StrictYAML.decode(UniverseDocument.self, from: yaml, file: file) } catch let error as ConfigError {
            let reason = error.keyPath.isEmpty ? error.reason : "\(error.keyPath): \(error.reason)"
            throw DataError(file: file, line: error.line, reason: reason)
        }
        return document.universe
    }
}

/// The file layout of a universe (snake_case keys, optional fields as optionals).
private struct UniverseDocument: Codable, ValidatedConfig {
    struct Asset: Codable {
        var ticker: String
        var name: String?
        var group: String?

        enum CodingKeys: String, CodingKey { case ticker, name, group }

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            ticker = try c.strictDecode(String.self, forKey: .ticker)
            name = try c.strictDecodeIfPresent(String.self, forKey: .name)
            group = try c.strictDecodeIfPresent(String.self, forKey: .group)
        }

        func encode(to encoder: Encoder) throws {   // optionals as explicit nulls, so every key is "allowed"
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(ticker, forKey: .ticker)
            try container.encode(name, forKey: .name)
            try container.encode(group, forKey: .group)
        }
    }

    struct Category: Codable {
        var name: String
        var batch_weight: Double
        var trading_days_per_year: Int
        var history_years: Double
        var assets: [Asset]

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.strictDecode(String.self, forKey: .name)
            batch_weight = try c.strictDecode(Double.self, forKey: .batch_weight)
            trading_days_per_year = try c.strictDecode(Int.self, forKey: .trading_days_per_year)
            history_years = try c.strictDecode(Double.self, forKey: .history_years)
            assets = try c.decode([Asset].self, forKey: .assets)
        }
    }

    var name: String?
    var bar: String?
    var categories: [Category]

    enum CodingKeys: String, CodingKey { case name, bar, categories }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.strictDecodeIfPresent(String.self, forKey: .name)
        bar = try c.strictDecodeIfPresent(String.self, forKey: .bar)
        categories = try c.decode([Category].self, forKey: .categories)
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(bar, forKey: .bar)
        try container.encode(categories, forKey: .categories)
    }

    func validate() throws {
        func fail(_ path: [String], _ reason: String) -> ConfigValueError { ConfigValueError(keyPath: path, reason: reason) }
        let bar = self.bar ?? "1d"
        guard bar == "1d" else { throw fail(["bar"], "only daily bars (1d) are supported, found '\(bar)'") }
        guard !categories.isEmpty else { throw fail(["categories"], "no categories") }
        var names: Set<String> = []
        var tickers: Set<String> = []
        for (index, category) in categories.enumerated() {
            let path = ["categories", "[\(index)]"]
            if let problem = PathName.problem(category.name) {
                throw fail(path + ["name"], "invalid category name \(PathName.quoted(category.name)): \(problem) (it names a data folder)")
            }
            guard names.insert(category.name).inserted else { throw fail(path + ["name"], "category '\(category.name)' appears twice") }
            guard category.batch_weight >= 0, category.batch_weight.isFinite else {
                throw fail(path + ["batch_weight"], "must be ≥ 0, found \(category.batch_weight)")
            }
            guard (1...366).contains(category.trading_days_per_year) else {
                throw fail(path + ["trading_days_per_year"], "must be in 1...366, found \(category.trading_days_per_year)")
            }
            guard category.history_years > 0, category.history_years <= 100 else {
                let years = category.history_years
                throw fail(path + ["history_years"], "must be a number of years in (0, 100], found \(years)"
                           + (years >= 1900 && years <= 2200 ? " (a calendar year? give a count of years)" : ""))
            }
            for (assetIndex, asset) in category.assets.enumerated() {
                let tickerPath = path + ["assets", "[\(assetIndex)]", "ticker"]
                if let problem = PathName.problem(asset.ticker) {
                    throw fail(tickerPath, "invalid ticker \(PathName.quoted(asset.ticker)): \(problem) (it names a CSV file)")
                }
                guard tickers.insert(asset.ticker).inserted else { throw fail(tickerPath, "ticker '\(asset.ticker)' appears twice") }
            }
        }
        let total = categories.reduce(0) { $0 + $1.batch_weight }
        guard abs(total - 1) <= 1e-3 else { throw fail(["categories"], "batch_weight values sum to \(total), expected 1") }
    }

    var universe: Universe {
        Universe(name: name ?? "", bar: bar ?? "1d", categories: categories.map { category in
            UniverseCategory(name: category.name, batchWeight: category.batch_weight,
                             tradingDaysPerYear: category.trading_days_per_year, historyYears: category.history_years,
                             assets: category.assets.map {
                                 UniverseAsset(ticker: $0.ticker, name: $0.name ?? $0.ticker, group: $0.group ?? category.name)
                             })
        })
    }
}
