// Writes a signal run's target weights as `<out>/<date>.csv`, each night sized against the previous night's weights.
import Foundation
import MarketData
import MarketSignals
import MarketSupport

/// The weights side of a signal run: `TargetWeights` of each date's rows, the no-trade band measured against the
/// latest earlier weight file in `out` (or the previous date of the same run), written atomically.
public struct WeightsWriter {
    public let out: URL
    public let options: SizingOptions
    /// The weights of the last date written (nil until the first; then looked up in `out`).
    var previous: (date: DayNumber, weights: [String: Double])?

    public init(out: URL, options: SizingOptions) {
        self.out = out
        self.options = options
    }

    /// Sizes and writes the weights of `date`; returns the file.
    @discardableResult
    public mutating func write(_ records: [SignalRecord], date: DayNumber) throws -> URL {
        let before = try previousWeights(before: date)
        let rows = TargetWeights.weights(records, options: options, previous: before)
        let url = out.appendingPathComponent(CivilDate.isoString(date) + ".csv")
        try WeightFile.write(rows, to: url)
        var held = before
        for row in rows { held[row.ticker] = row.weight }
        previous = (date, held)
        return url
    }

    /// The weights in force before `date`: this run's last date, else the latest `<d>.csv` in `out` with d < date.
    func previousWeights(before date: DayNumber) throws -> [String: Double] {
        if let previous, previous.date < date { return previous.weights }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? [])
            .filter { $0.hasSuffix(".csv") && $0.count == 14 }
            .compactMap { name -> (DayNumber, String)? in CivilDate.parseISO(String(name.prefix(10))).map { ($0, name) } }
            .filter { $0.0 < date }.sorted { $0.0 < $1.0 }
        guard let latest = names.last else { return [:] }
        var weights: [String: Double] = [:]
        for row in try WeightFile.readFile(out.appendingPathComponent(latest.1)) { weights[row.ticker] = row.weight }
        return weights
    }
}
