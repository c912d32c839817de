// `marketgpt features`: lists every feature name, or writes the named features of one CSV file.
import ArgumentParser
import Foundation
import MarketData
import MarketSupport

/// `--list` prints the catalog; `--input F.csv --out F.features.csv [--features a,b]` writes a `Date`
/// column then one column per feature (warm-up and masked cells empty).
struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "List the input features and indicators by name, or compute them for one CSV file.",
        discussion: """
        Names go into a config's model.features list, e.g. [log_return, rsi_14, macd_hist, synthetic]. \
        Every value of bar t uses bars up to t only; bars before an indicator's warm-up, and volume features \
        on zero-volume bars (forex), are masked: empty cells here, 0 (the training mean) for the model.
        """)

    @Flag(help: "Print every feature name with its warm-up, scale and definition.")
    var list = false

    @Option(help: "Source CSV (Date,Open,High,Low,Close,Volume[,Adj Close]).")
    var input: String?

    @Option(help: "Comma-separated feature names (default: every feature).")
    var features: String?

    @Option(help: "Output CSV (Date, then one column per feature).")
    var out: String?

    @Flag(help: "Replace --out when it exists.")
    var overwrite = false

    @OptionGroup var layout: CSVLayoutOptions

    func validate() throws {
        if list { return }
        guard input != nil else { throw ValidationError("--input is required (or --list)") }
        guard out != nil else { throw ValidationError("--out is required") }
        if let features { _ = try Self.featureSet(features) }
    }

    static func featureSet(_ text: String) throws -> FeatureSet {
        do { return try FeatureSet(names: text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) } catch let error as FeatureSetError {
            throw ValidationError("--features: \(error.reason)")
        }
    }

    func run() throws {
        if list { print(FeatureTable.catalogText(), terminator: ""); return }
        guard let input, let out else { return }
        let set = try features.map(Self.featureSet) ?? .everything
        let outURL = URL(fileURLWithPath: out)
        if FileManager.default.fileExists(atPath: outURL.path), !overwrite {
            throw DataCommandFailure("\(out): already exists (pass --overwrite to replace it)")
        }
        do {
            let loaded = try OHLCVCSV.load(URL(fileURLWithPath: input), options: layout.csvOptions())
            let started = Date()
            try AtomicFile.write(FeatureTable.csv(series: loaded.series, features: set), to: outURL)
            FileHandle.standardError.write(Data("features: \(set.count) features × \(loaded.series.count) bars of \(input) → \(out) (\(String(format: "%.2f", Date().timeIntervalSince(started))) s)\n".utf8))
        } catch let error as DataError {
            throw DataCommandFailure(error.description)
        }
    }
}
