// The signal run behind `marketgpt signals` (and the quickstart): load as of each date, fill, score, write.
import Foundation
import MarketData
import MarketSignals
import MarketSynthetic

/// One configured signal run: the universe, its data folder, the models and the rule. Every date is
/// scored from the universe loaded *as of that date* (rows after it ignored) and gap-filled from that
/// data only, so a date's file never depends on later bars — in a `--from/--to` range as in a nightly run.
struct SignalsJob {
    let definition: Universe
    let dataDirectory: URL
    let models: SignalModelSet
    let options: SignalRunOptions
    /// Fill gaps / back-fill short histories before scoring (`gap_fill`).
    let gapFill: Bool
    /// Which rule file decides which categories (printed on stderr).
    var ruleNotes: [String] = []

    /// The inputs of every asset as of `date`: loaded with `asOf: date`, then gap-filled (seeded by the run's
    /// seed; missing assets are not synthesised — they are listed as `no data`).
    func assets(asOf date: DayNumber) -> [SignalAsset] {
        var loaded = UniverseLoader.load(definition, dataDirectory: dataDirectory, options: UniverseLoadOptions(asOf: date))
        if gapFill {
            loaded = GapFiller.fill(loaded, options: GapFillOptions(seed: options.seed, synthesizeMissing: false)).universe
        }
        return SignalAsset.assets(of: loaded)
    }

    /// The rows of `date`; throws `SignalError.noData` when no asset has a real bar on or before it.
    func records(date: DayNumber) throws -> [SignalRecord] {
        let rows = try NightlySignals.records(date: date, assets: assets(asOf: date), models: models, options: options)
        guard rows.contains(where: { $0.reason != SignalRule.Reason.noData }) else {
            throw SignalError.noData(date: CivilDate.isoString(date))
        }
        return rows
    }

    /// The trading dates in `from...to`: every date on which at least one asset has a real bar.
    func tradingDates(from: DayNumber, to: DayNumber) -> [DayNumber] {
        let loaded = UniverseLoader.load(definition, dataDirectory: dataDirectory, options: UniverseLoadOptions(asOf: to))
        var dates = Set<DayNumber>()
        for asset in loaded.assets {
            guard let real = asset.real else { continue }
            for day in real.dates where day >= from && day <= to { dates.insert(day) }
        }
        return dates.sorted()
    }

    /// Writes `<out>/<date>.csv` and `<out>/<date>.json` atomically; returns the CSV URL.
    @discardableResult
    static func write(_ records: [SignalRecord], date: DayNumber, out: URL) throws -> URL {
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let name = CivilDate.isoString(date)
        let csv = out.appendingPathComponent(name + ".csv")
        try SignalFile.write(records, csv: csv, json: out.appendingPathComponent(name + ".json"))
        return csv
    }
}
