// `marketgpt universe`: load + validate a universe's CSV files, then print the per-asset coverage report.
import ArgumentParser
import Foundation
import MarketData
import MarketSynthetic
import MarketPipeline
import MarketSupport

/// Loads a universe and prints, per asset, status, rows, dates, dropped rows by reason, gaps, filled bars and shortfall.
struct UniverseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "universe",
        abstract: "Load and validate a universe's CSV files and print the coverage report (status ok|filled|missing per asset).")

    @Option(help: "The universe YAML file.")
    var universe: String

    @Option(help: "The data folder (files at DATA/<category>/<TICKER>.csv or DATA/<TICKER>.csv).")
    var data: String

    @Option(help: "Ignore rows after this date (YYYY-MM-DD), as a nightly run on that date would.")
    var asOf: String?

    @Flag(help: "Fail when any asset's file exists but cannot be loaded (default: report it as missing).")
    var strict = false

    @Flag(help: "Print one JSON object (the contract's layout) instead of a table.")
    var json = false

    @OptionGroup var layout: CSVLayoutOptions

    func run() throws {
        let started = Date()
        var asOfDay: DayNumber?
        if let asOf {
            guard let day = CivilDate.parseISO(asOf), asOf.count == 10 else { throw ValidationError("--as-of \(asOf): expected YYYY-MM-DD") }
            asOfDay = day
        }
        let session: UniverseSession
        do {
            session = try UniverseSession.open(universe: URL(fileURLWithPath: universe), data: URL(fileURLWithPath: data),
                                               readUpTo: asOfDay, csv: try layout.csvOptions())
        } catch let error as PipelineError {
            throw DataCommandFailure(error.description)
        }
        // Between loading and reporting, the synthetic engine's `GapFiller` fills gaps, back-fills shortfalls and
        // missing assets (every filled bar flagged synthetic); a missing asset's label (its peer) goes to stderr.
        let (loaded, fills) = session.filled()
        for report in fills where report.synthesizedBars > 0 {
            FileHandle.standardError.write(Data("universe: \(report.ticker): no data, \(report.synthesizedBars) bars synthesised from peer \(report.peer ?? "?")\n".utf8))
        }
        for asset in loaded.assets {
            if let error = asset.error { FileHandle.standardError.write(Data("universe: \(error.description)\n".utf8)) }
        }
        if strict, let failed = loaded.assets.first(where: { $0.error != nil }) {
            throw DataCommandFailure(failed.error!.description)
        }
        let seconds = Date().timeIntervalSince(started)
        if json {
            print(try CoverageJSON.line(CoverageJSON.universe(loaded, seconds: seconds)))
        } else {
            print(CoverageTable.render(loaded, seconds: seconds))
        }
    }
}
