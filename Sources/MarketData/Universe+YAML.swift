// Reading a universe from YAML (universes/*.yaml) with Yams: unknown keys and wrong types name their key path.
import Foundation
import Yams

extension Universe {
    /// Loads a universe file. Throws `DataError` naming the file, the line and the key path
    /// (e.g. `categories[2].assets[5].ticker`) for unknown keys, missing keys and wrong types.
    public static func load(_ url: URL) throws -> Universe {
        if let size = YAMLLimits.oversize(url) {
            throw DataError(file: url.path, reason: "\(size) bytes, above the \(YAMLLimits.maximumBytes)-byte limit for a universe file")
        }
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
        let root: Node?
        if let (line, reason) = YAMLLimits.nestingProblem(in: yaml) { throw DataError(file: file, line: line, reason: reason) }
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw DataError(file: file, reason: "invalid YAML (\(String(describing: error).split(separator: "\n").first ?? ""))")
        }
        guard let root else { throw DataError(file: file, reason: "empty universe file") }
        if let duplicate = YAMLLimits.duplicateKey(in: root) {
            throw DataError(file: file, line: duplicate.line, reason: "\(duplicate.path): duplicate key")
        }
        let reader = YAMLReader(file: file)
        let top = try reader.mapping(root, path: "", allowed: ["name", "bar", "categories"])
        let name = try top["name"].map { try reader.string($0, path: "name") } ?? ""
        let bar = try top["bar"].map { try reader.string($0, path: "bar") } ?? "1d"
        guard bar == "1d" else { throw reader.error(top["bar"]!, path: "bar", "only daily bars (1d) are supported, found '\(bar)'") }
        guard let categoriesNode = top["categories"] else { throw reader.error(root, path: "categories", "missing key") }
        var categories: [UniverseCategory] = []
        var tickers: Set<String> = []
        for (index, node) in try reader.sequence(categoriesNode, path: "categories").enumerated() {
            let path = "categories[\(index)]"
            let fields = try reader.mapping(node, path: path, allowed: ["name", "batch_weight", "trading_days_per_year", "history_years", "assets"])
            func required(_ key: String) throws -> Node {
                guard let value = fields[key] else { throw reader.error(node, path: "\(path).\(key)", "missing key") }
                return value
            }
            let categoryName = try reader.string(required("name"), path: "\(path).name")
            if let problem = PathName.problem(categoryName) {
                throw reader.error(fields["name"]!, path: "\(path).name", "invalid category name \(PathName.quoted(categoryName)): \(problem) (it names a data folder)")
            }
            guard !categories.contains(where: { $0.name == categoryName }) else {
                throw reader.error(node, path: "\(path).name", "category '\(categoryName)' appears twice")
            }
            let weight = try reader.double(required("batch_weight"), path: "\(path).batch_weight")
            let days = try reader.int(required("trading_days_per_year"), path: "\(path).trading_days_per_year")
            let years = try reader.double(required("history_years"), path: "\(path).history_years")
            guard weight >= 0 else { throw reader.error(fields["batch_weight"]!, path: "\(path).batch_weight", "must be ≥ 0, found \(weight)") }
            guard (1...366).contains(days) else { throw reader.error(fields["trading_days_per_year"]!, path: "\(path).trading_days_per_year", "must be in 1...366, found \(days)") }
            guard years > 0 && years <= 100 else {
                throw reader.error(fields["history_years"]!, path: "\(path).history_years",
                                   "must be a number of years in (0, 100], found \(years)\(years >= 1900 && years <= 2200 ? " (a calendar year? give a count of years)" : "")")
            }
            var assets: [UniverseAsset] = []
            for (assetIndex, assetNode) in try reader.sequence(required("assets"), path: "\(path).assets").enumerated() {
                let assetPath = "\(path).assets[\(assetIndex)]"
                let assetFields = try reader.mapping(assetNode, path: assetPath, allowed: ["ticker", "name", "group"])
                guard let tickerNode = assetFields["ticker"] else { throw reader.error(assetNode, path: "\(assetPath).ticker", "missing key") }
                let ticker = try reader.string(tickerNode, path: "\(assetPath).ticker")
                if let problem = PathName.problem(ticker) {
                    throw reader.error(tickerNode, path: "\(assetPath).ticker", "invalid ticker \(PathName.quoted(ticker)): \(problem) (it names a CSV file)")
                }
                guard tickers.insert(ticker).inserted else { throw reader.error(tickerNode, path: "\(assetPath).ticker", "ticker '\(ticker)' appears twice") }
                let assetName = try assetFields["name"].map { try reader.string($0, path: "\(assetPath).name") } ?? ticker
                let group = try assetFields["group"].map { try reader.string($0, path: "\(assetPath).group") } ?? categoryName
                assets.append(UniverseAsset(ticker: ticker, name: assetName, group: group))
            }
            categories.append(UniverseCategory(name: categoryName, batchWeight: weight, tradingDaysPerYear: days,
                                               historyYears: years, assets: assets))
        }
        guard !categories.isEmpty else { throw reader.error(categoriesNode, path: "categories", "no categories") }
        let total = categories.reduce(0) { $0 + $1.batchWeight }
        guard abs(total - 1) <= 1e-3 else {
            throw reader.error(categoriesNode, path: "categories", "batch_weight values sum to \(total), expected 1")
        }
        return Universe(name: name, bar: bar, categories: categories)
    }
}

/// Typed access to Yams nodes with errors that name the key path and line.
private struct YAMLReader {
    let file: String

    func error(_ node: Node, path: String, _ reason: String) -> DataError {
        DataError(file: file, line: node.mark?.line, reason: "\(path): \(reason)")
    }

    func kind(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): return "'\(scalar.string)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        }
    }

    func mapping(_ node: Node, path: String, allowed: Set<String>) throws -> [String: Node] {
        guard case .mapping(let mapping) = node else { throw error(node, path: path.isEmpty ? "(top level)" : path, "expected a mapping, found \(kind(node))") }
        var result: [String: Node] = [:]
        for (keyNode, value) in mapping {
            guard case .scalar(let key) = keyNode else { throw error(keyNode, path: path, "keys must be strings") }
            let keyPath = path.isEmpty ? key.string : "\(path).\(key.string)"
            guard allowed.contains(key.string) else {
                throw error(keyNode, path: keyPath, "unknown key (allowed: \(allowed.sorted().joined(separator: ", ")))")
            }
            guard result[key.string] == nil else { throw error(keyNode, path: keyPath, "duplicate key") }
            result[key.string] = value
        }
        return result
    }

    func sequence(_ node: Node, path: String) throws -> [Node] {
        guard case .sequence(let sequence) = node else { throw error(node, path: path, "expected a list, found \(kind(node))") }
        return Array(sequence)
    }

    func string(_ node: Node, path: String) throws -> String {
        guard case .scalar(let scalar) = node else { throw error(node, path: path, "expected a string, found \(kind(node))") }
        return scalar.string
    }

    func double(_ node: Node, path: String) throws -> Double {
        guard case .scalar(let scalar) = node, let value = Double(scalar.string), value.isFinite else {
            throw error(node, path: path, "expected a number, found \(kind(node))")
        }
        return value
    }

    func int(_ node: Node, path: String) throws -> Int {
        guard case .scalar(let scalar) = node, let value = Int(scalar.string) else {
            throw error(node, path: path, "expected an integer, found \(kind(node))")
        }
        return value
    }
}
