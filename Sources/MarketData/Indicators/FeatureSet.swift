// A model's input features by name (`model.features`): validated, computed per asset, stored in checkpoints.
import Foundation

/// An ordered selection of input features by name: the seven base features of `MarketFeatures`
/// (`log_return`, …, `synthetic`) and any indicator of `IndicatorCatalog` (`rsi_14`, `macd_hist`, …).
///
/// `compute` gives the (bars, F) raw buffer of a series in this order; masked indicator values are
/// NaN (the normaliser turns them into 0, the training mean). The standard set is computed by
/// `MarketFeatures.compute` itself, so its buffers are byte-identical to the seven-feature pipeline.
public struct FeatureSet: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Feature names in buffer order (index f of the (…, F) buffers).
    public let names: [String]

    /// The seven base features (the default of `model.features`).
    public static let standard = FeatureSet(checked: MarketFeatures.names)
    /// Every feature the data layer knows: the base seven, then every indicator.
    public static let everything = FeatureSet(checked: MarketFeatures.names + IndicatorCatalog.all.map(\.name))

    /// The base features and the indicators together, with definitions (for `features --list`).
    public static let catalog: [IndicatorDefinition] = MarketFeatures.definitions + IndicatorCatalog.all

    /// A set from names; throws `FeatureSetError` for an empty list, an unknown or a repeated name.
    public init(names: [String]) throws {
        guard !names.isEmpty else { throw FeatureSetError(reason: "the feature list is empty") }
        var seen = Set<String>()
        for name in names {
            guard Self.definition(of: name) != nil else {
                throw FeatureSetError(reason: "unknown feature '\(name)' (marketgpt features --list shows every name)")
            }
            guard seen.insert(name).inserted else { throw FeatureSetError(reason: "feature '\(name)' is listed twice") }
        }
        self.names = names
    }

    private init(checked names: [String]) { self.names = names }

    /// F.
    public var count: Int { names.count }
    /// True for the seven base features in their usual order.
    public var isStandard: Bool { names == MarketFeatures.names }
    public var description: String { names.joined(separator: ",") }

    /// Definitions in buffer order.
    public var definitions: [IndicatorDefinition] { names.map { Self.definition(of: $0)! } }

    /// Indices of features that are flags and never normalised (`synthetic`).
    public var unscaledIndices: [Int] { names.indices.filter { names[$0] == MarketFeatures.names[MarketFeatures.syntheticIndex] } }

    /// Bars before the first bar where every selected feature is defined (the largest warm-up).
    public var warmUpBars: Int { definitions.map(\.warmUpBars).max() ?? 0 }

    /// The definition of a feature name, nil when unknown.
    public static func definition(of name: String) -> IndicatorDefinition? {
        if let index = MarketFeatures.names.firstIndex(of: name) { return MarketFeatures.definitions[index] }
        return IndicatorCatalog.column(named: name).map { IndicatorCatalog.all[$0] }
    }

    /// The raw features of every bar of `series` in this set's order, row-major (bars, F); NaN where masked.
    public func compute(_ series: OHLCVSeries) -> [Float] {
        if isStandard { return MarketFeatures.compute(series) }
        let n = series.count, f = count
        let baseWidth = MarketFeatures.count, indicatorWidth = IndicatorCatalog.count
        var sources: [(base: Bool, column: Int)] = []
        for name in names {
            if let index = MarketFeatures.names.firstIndex(of: name) { sources.append((true, index)) } else {
                sources.append((false, IndicatorCatalog.column(named: name)!))
            }
        }
        let base = sources.contains { $0.base } ? MarketFeatures.compute(series) : []
        let indicators = sources.contains { !$0.base } ? TechnicalIndicators.compute(series) : []
        var out = [Float](repeating: 0, count: n &* f)
        base.withUnsafeBufferPointer { b in
        indicators.withUnsafeBufferPointer { x in
        out.withUnsafeMutableBufferPointer { o in
            for (k, source) in sources.enumerated() {
                if source.base {
                    for t in 0..<n { o[t &* f &+ k] = b[t &* baseWidth &+ source.column] }
                } else {
                    for t in 0..<n { o[t &* f &+ k] = x[t &* indicatorWidth &+ source.column] }
                }
            }
        }}}
        return out
    }

    /// Encoded as `[{"name": "rsi_14", "parameters": {"period": 14}}, …]` (names with their parameters,
    /// so a checkpoint states exactly what it was trained on); decoding checks the parameters against
    /// this version's definitions.
    private struct Entry: Codable {
        var name: String
        var parameters: [String: Int]
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(definitions.map { Entry(name: $0.name, parameters: $0.parameters) })
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let entries = try container.decode([Entry].self)
        do { try self.init(names: entries.map(\.name)) } catch let error as FeatureSetError {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
        for entry in entries where Self.definition(of: entry.name)!.parameters != entry.parameters {
            throw DecodingError.dataCorruptedError(in: container, debugDescription:
                "feature '\(entry.name)' was stored with parameters \(entry.parameters), this version defines \(Self.definition(of: entry.name)!.parameters)")
        }
    }
}

/// A bad feature list (unknown or repeated name, empty list).
public struct FeatureSetError: Error, CustomStringConvertible, Equatable {
    public let reason: String
    public init(reason: String) { self.reason = reason }
    public var description: String { reason }
}

extension MarketFeatures {
    /// The base features' definitions (names, formulas, scales), in buffer order.
    public static let definitions: [IndicatorDefinition] = [
        IndicatorDefinition(name: "log_return", definition: "log(C[t] / C[t−1]); 0 on the first bar", scale: "log return, ≈ ±0.02", parameters: [:], warmUpBars: 0),
        IndicatorDefinition(name: "overnight_gap", definition: "log(O[t] / C[t−1]); 0 on the first bar", scale: "log return, ≈ ±0.01", parameters: [:], warmUpBars: 0),
        IndicatorDefinition(name: "log_high_close", definition: "log(H[t] / C[t])", scale: "≥ 0, ≈ 0.01", parameters: [:], warmUpBars: 0),
        IndicatorDefinition(name: "log_low_close", definition: "log(L[t] / C[t])", scale: "≤ 0, ≈ −0.01", parameters: [:], warmUpBars: 0),
        IndicatorDefinition(name: "log_volume_change", definition: "log((V[t] + 1) / (V[t−1] + 1)); 0 for forex and on the first bar",
                            scale: "log ratio, ≈ ±0.5", parameters: [:], warmUpBars: 0),
        IndicatorDefinition(name: "realized_vol_20", definition: "sqrt(mean of log_return² over the last ≤ 20 bars)", scale: "daily units, ≈ 0.005–0.05",
                            parameters: ["period": volatilityWindow], warmUpBars: 0),
        IndicatorDefinition(name: "synthetic", definition: "1 when the bar was made by the synthetic engine, else 0 (never normalised)",
                            scale: "{0, 1}", parameters: [:], warmUpBars: 0),
    ]
}
