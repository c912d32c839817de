// The features of one series as a CSV table (`marketgpt features --out`) and the catalog as text (`--list`).
import Foundation
import MarketSupport

/// CSV and text renderings of features, for inspection.
public enum FeatureTable {
    /// `Date,<name>,…` then one row per bar: values as the shortest decimal that reads back to the
    /// same Float32; masked values (warm-up, zero volume) as empty cells.
    public static func csv(series: OHLCVSeries, features: FeatureSet) -> String {
        let values = features.compute(series)   // (bars, F)
        let f = features.count
        var text = "Date," + features.names.joined(separator: ",") + "\n"
        text.reserveCapacity(series.count * (11 + 12 * f))
        for t in 0..<series.count {
            text += CivilDate.isoString(series.dates[t])
            for k in 0..<f {
                text += ","
                let value = values[t * f + k]
                if !value.isNaN { text += "\(value)" }
            }
            text += "\n"
        }
        return text
    }

    /// One line per feature: name, warm-up bars, scale and definition (aligned columns).
    public static func catalogText() -> String {
        let catalog = FeatureSet.catalog
        let width = catalog.map(\.name.count).max() ?? 0
        var text = "name".padding(toLength: width, withPad: " ", startingAt: 0) + "  warm-up  scale / definition\n"
        for item in catalog {
            let parameters = item.parameters.keys.sorted().map { "\($0)=\(item.parameters[$0]!)" }.joined(separator: ", ")
            text += item.name.padding(toLength: width, withPad: " ", startingAt: 0)
                + "  " + String(item.warmUpBars).padding(toLength: 7, withPad: " ", startingAt: 0)
                + "  " + item.scale + (item.usesVolume ? " (volume: masked when 0)" : "")
                + "\n" + String(repeating: " ", count: width + 11) + item.definition
                + (parameters.isEmpty ? "" : " [\(parameters)]") + "\n"
        }
        return text
    }
}
