// `marketgpt fetch`: incremental download of a universe's daily bars, validated and merged atomically.
import ArgumentParser
import Foundation
import MarketData
import MarketOps
import MarketTraining
import MarketSupport

/// Downloads the days after each file's last date from Yahoo or Stooq and appends them (see README
/// "Data refresh"); prints the per-asset status table (or `--json`).
struct FetchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Incremental download of daily OHLCV for every asset of a universe (Yahoo chart JSON or Stooq CSV).",
        discussion: """
            Only the days after each file's last date are requested (plus overlap_days to check that the provider's \
            past still matches the file). Each answer is checked (ascending unique days, prices > 0, loads with the \
            CSV loader), merged and written with a temp file + rename; a fault leaves the file as it was and marks \
            the asset failed or history_changed (a split re-adjusted the past: re-download with --replace). \
            Settings come from the `fetch:` section of --config (configs/nightly.yaml), overridden by the options. \
            Exit 0 when every asset is current, 3 when some assets failed (the others are updated), 1 on bad input, \
            64 on bad usage.
            """)

    @Option(help: "The universe YAML file.")
    var universe: String

    @Option(help: "The data folder (DATA/<category>/<TICKER>.csv; new files are created there).")
    var data: String

    @Option(help: "yahoo or stooq (default: the config's, else yahoo).")
    var provider: String?

    @Option(help: "First day for new files (and with --replace), YYYY-MM-DD (default: history_years before --to).")
    var from: String?

    @Option(help: "Last day requested, YYYY-MM-DD (default: today, UTC).")
    var to: String?

    @Option(help: "Replace the provider's scheme and host, e.g. http://127.0.0.1:8080 (paths stay the provider's).")
    var baseURL: String?

    @Option(help: "A YAML file with a `fetch:` section (e.g. configs/nightly.yaml).")
    var config: String?

    @Option(help: "Requests in flight at once (default 4).")
    var concurrency: Int?

    @Option(help: "Largest request rate, per second (default 5).")
    var rate: Double?

    @Option(help: "Retries on 429/5xx/time-outs (default 4).")
    var retries: Int?

    @Option(help: "Per-request time-out in seconds, connecting included (default 20).")
    var timeout: Double?

    @Flag(help: "Download from --from and replace each file instead of appending (after a history change).")
    var replace = false

    @Flag(help: "Print one JSON object instead of the table.")
    var json = false

    func validate() throws {
        if let provider, PriceProvider(rawValue: provider) == nil { throw ValidationError("--provider must be yahoo or stooq, not '\(provider)'") }
        for (name, text) in [("--from", from), ("--to", to)] {
            if let text, text.count != 10 || CivilDate.parseISO(text) == nil { throw ValidationError("\(name) \(text): expected YYYY-MM-DD") }
        }
    }

    func run() throws {
        var settings = try Self.settings(config: config)
        if let provider { settings.provider = PriceProvider(rawValue: provider)! }
        if let baseURL { settings.baseURL = baseURL }
        if let concurrency { settings.concurrency = concurrency }
        if let rate { settings.ratePerSecond = rate }
        if let retries { settings.retries = retries }
        if let timeout { settings.timeoutSeconds = timeout }
        do { try settings.validate() } catch let error as ConfigValueError {
            throw ValidationError("\(error.keyPath.joined(separator: ".")): \(error.reason)")
        }
        let definition: Universe
        do { definition = try Universe.load(URL(fileURLWithPath: universe)) } catch let error as DataError {
            throw DataCommandFailure(error.description)
        }
        let today = to.flatMap(CivilDate.parseISO) ?? DayNumber(Int(Date().timeIntervalSince1970) / 86_400)
        let dataURL = URL(fileURLWithPath: data)
        let targets = FetchTarget.targets(of: definition, dataDirectory: dataURL, from: from.flatMap(CivilDate.parseISO), today: today)
        let report = try Self.fetch(targets, settings: settings, today: today, replace: replace)
        if json { print(try report.jsonString()) } else { print(report.table(), terminator: "") }
        if !report.ok { throw ExitCode(3) }
    }

    /// The `fetch:` section of `config` (defaults when nil).
    static func settings(config: String?) throws -> FetchSettings {
        guard let config else { return FetchSettings() }
        do { return try NightlyConfig.load(URL(fileURLWithPath: config)).fetch } catch let error as CustomStringConvertible & Error {
            throw DataCommandFailure(error.description)
        }
    }

    /// Runs the fetch (progress on stderr) and returns its report.
    static func fetch(_ targets: [FetchTarget], settings: FetchSettings, today: DayNumber, replace: Bool) throws -> FetchReport {
        let fetcher = PriceFetcher(settings: settings, log: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
        return try AsyncBridge.wait {
            let report = await fetcher.run(targets, today: today, replace: replace)
            await fetcher.shutdown()
            return report
        }
    }
}
