// `marketgpt demo-data`: writes deterministic, realistic demo OHLCV for a universe (see DemoMarketGenerator).
import ArgumentParser
import Foundation
import MarketData
import MarketSynthetic
import MarketPipeline
import MarketSupport

/// Generates `OUT/<category>/<TICKER>.csv` for every asset of a universe, with deliberate gaps, one short history
/// and one missing file, so that the loader and gap filling have real work to do.
struct DemoDataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-data",
        abstract: "Write synthetic but realistic daily OHLCV (GARCH, fat tails, co-movement) for a universe.",
        discussion: """
            Each asset follows a GARCH(1,1) with Student-t shocks mixed from a market factor, a category factor and \
            its own noise, on its category's calendar (weekdays, or every day for crypto). The same seed writes the \
            same bytes. By design a few assets get internal gaps, one a short history and one no file at all \
            (listed in OUT/demo-manifest.json). Without --universe the embedded demo universe is used.
            """)

    @Option(help: "Universe YAML (default: the embedded demo universe, as in universes/demo.yaml).")
    var universe: String?

    @Option(help: "Output folder.")
    var out: String = "demo-data"

    @Option(help: "Seed fixing every random draw.")
    var seed: UInt64 = 42

    @Option(help: "Last date of the series, YYYY-MM-DD.")
    var endDate: String = CivilDate.isoString(DemoMarketGenerator.defaultEndDate)

    @Flag(help: "Write every asset complete (no gaps, short history or missing file).")
    var noDefects = false

    func validate() throws {
        guard CivilDate.parseISO(endDate) != nil else { throw ValidationError("--end-date \(endDate): not a YYYY-MM-DD date") }
        try requireOption("--end-date year", CivilDate.civil(CivilDate.parseISO(endDate)!).year, in: OptionLimits.demoEndYear)
    }

    func run() throws {
        let loaded = try universe.map { try Universe.load(URL(fileURLWithPath: $0)) }
            ?? Universe.parse(yaml: EmbeddedDemoUniverse.yaml, file: "embedded demo universe")
        let generator = DemoMarketGenerator(universe: loaded, seed: seed, endDate: CivilDate.parseISO(endDate)!,
                                            defects: noDefects ? DemoDefectPlan.empty : nil)
        let started = Date()
        let assets = try generator.write(to: URL(fileURLWithPath: out, isDirectory: true))
        let rows = assets.reduce(0) { $0 + ($1.series?.count ?? 0) }
        for asset in assets where asset.defect != "complete" {
            FileHandle.standardError.write(Data("demo-data: \(asset.ticker) (\(asset.category)): \(asset.defect.replacingOccurrences(of: "_", with: " ")), \(asset.series?.count ?? 0) of \(asset.fullCount) bars\n".utf8))
        }
        print("demo-data: \(assets.count - assets.filter { $0.series == nil }.count) files, \(rows) rows in \(out) "
              + "(seed \(seed), \(String(format: "%.2f", Date().timeIntervalSince(started))) s)")
    }
}
