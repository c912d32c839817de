// ADAPTER (demo helper): a minimal universe YAML reader until MarketData's own universe loader lands on main.
import ArgumentParser
import Foundation
import MarketData
import Yams

/// Reads the CONTRACT.md universe layout into `Universe`. Temporary: replace its callers with MarketData's
/// loader (which validates key paths) when that lands, then delete this file.
enum UniverseYAMLAdapter {
    private struct File: Decodable {
        var name: String?
        var bar: String?
        var categories: [Category]
    }

    private struct Category: Decodable {
        var name: String
        var batch_weight: Double
        var trading_days_per_year: Int
        var history_years: Double
        var assets: [Asset]
    }

    private struct Asset: Decodable {
        var ticker: String
        var name: String?
        var group: String?
    }

    /// Parses universe YAML text; `source` names the file in errors.
    static func parse(_ text: String, source: String) throws -> Universe {
        let file: File
        do {
            file = try YAMLDecoder().decode(File.self, from: text)
        } catch {
            throw ValidationError("\(source): not a universe file (\(error))")
        }
        return Universe(categories: file.categories.map { category in
            UniverseCategory(name: category.name, batchWeight: category.batch_weight,
                             tradingDaysPerYear: category.trading_days_per_year, historyYears: category.history_years,
                             assets: category.assets.map {
                                 UniverseAsset(ticker: $0.ticker, name: $0.name ?? $0.ticker, group: $0.group ?? category.name)
                             })
        })
    }

    /// Reads and parses a universe file.
    static func load(_ url: URL) throws -> Universe {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw ValidationError("\(url.path): cannot read the universe file")
        }
        return try parse(text, source: url.path)
    }
}
