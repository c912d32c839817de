// Per-asset feature normaliser fitted on the training range only; Codable for checkpoint metadata.
import Foundation

/// Per-asset, per-feature mean and standard deviation, fitted on each asset's training bars only
/// (per asset because volatility levels differ by orders of magnitude between, say, a utility and a
/// coin; the model still sees the level through `realized_vol_20` relative to the asset's history).
/// Real bars only are used when the training range has any; the synthetic flag is not normalised.
/// Masked (NaN) indicator values are left out of the fit and normalised to 0 (the training mean).
/// The normaliser carries the `FeatureSet` it was fitted on, so a checkpoint names its features.
public struct FeatureNormalizer: Codable, Sendable, Equatable {
    /// The features, in buffer order (F = `features.count`).
    public var features: FeatureSet
    /// F.
    public var featureCount: Int { features.count }
    /// Asset id → mean (F); assets not fitted are absent.
    public var mean: [Int: [Float]]
    /// Asset id → standard deviation (F), never below `minimumStd`.
    public var std: [Int: [Float]]

    /// The floor of a fitted standard deviation (flat features such as forex volume).
    public static let minimumStd: Float = 1e-6

    public init(features: FeatureSet = .standard, mean: [Int: [Float]] = [:], std: [Int: [Float]] = [:]) {
        self.features = features
        self.mean = mean
        self.std = std
    }

    /// Fits asset `features` on bars `range` (the training range: nothing after it is read).
    public mutating func fit(_ features: AssetFeatures, range: Range<Int>) {
        precondition(features.featureSet == self.features, "FeatureNormalizer.fit: asset features \(features.featureSet) vs \(self.features)")
        let f = featureCount
        let bars = range.clamped(to: 0..<features.count)
        let useReal = bars.contains { !features.isSynthetic[$0] }
        var sum = [Double](repeating: 0, count: f), sumSquares = [Double](repeating: 0, count: f)
        var n = [Int](repeating: 0, count: f)   // finite values per feature (masked warm-up bars left out)
        features.features.withUnsafeBufferPointer { x in
            for t in bars where !(useReal && features.isSynthetic[t]) {
                let row = t &* f
                for k in 0..<f {
                    let v = Double(x[row &+ k])
                    guard v.isFinite else { continue }
                    sum[k] += v
                    sumSquares[k] += v * v
                    n[k] &+= 1
                }
            }
        }
        var m = [Float](repeating: 0, count: f), s = [Float](repeating: 1, count: f)
        let unscaled = self.features.unscaledIndices
        for k in 0..<f where n[k] > 0 && !unscaled.contains(k) {
            let mu = sum[k] / Double(n[k])
            m[k] = Float(mu)
            s[k] = max(Float(sqrt(max(sumSquares[k] / Double(n[k]) - mu * mu, 0))), Self.minimumStd)
        }
        mean[features.assetID] = m
        std[features.assetID] = s
    }

    /// Fits every asset of `store` on its range `ranges[i]` (same order as `store.assets`).
    public static func fitted(_ store: FeatureStore, ranges: [Range<Int>]) -> FeatureNormalizer {
        precondition(ranges.count == store.assets.count, "FeatureNormalizer.fitted: one range per asset")
        var normalizer = FeatureNormalizer(features: store.featureSet)
        for (asset, range) in zip(store.assets, ranges) { normalizer.fit(asset, range: range) }
        return normalizer
    }

    /// Writes the normalised features of bars `bars` of `asset` into `out` (bars.count × F); a masked
    /// (NaN) value becomes 0, the training mean.
    /// An asset the normaliser has not seen is copied unnormalised (precondition in debug builds).
    @inlinable
    public func normalize(_ asset: AssetFeatures, bars: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        let f = featureCount
        guard let m = mean[asset.assetID], let s = std[asset.assetID] else {
            assertionFailure("FeatureNormalizer: asset \(asset.assetID) not fitted")
            asset.features.withUnsafeBufferPointer { x in
                out.update(from: x.baseAddress! + bars.lowerBound &* f, count: bars.count &* f)
            }
            return
        }
        let inverse = s.map { 1 / $0 }
        asset.features.withUnsafeBufferPointer { x in
            var o = 0
            for t in bars {
                let row = t &* f
                for k in 0..<f {
                    let value = x[row &+ k]
                    out[o &+ k] = value.isNaN ? 0 : (value - m[k]) * inverse[k]
                }
                o &+= f
            }
        }
    }

    /// Encoded as `{"feature_count": F, "assets": [{"id", "mean": [F], "std": [F]}]}` sorted by asset id,
    /// so the same statistics always give the same bytes (checkpoint hashes are reproducible), plus
    /// `"features": [{"name", "parameters"}]` when the set is not the standard seven (absent = standard).
    private struct AssetStatistics: Codable {
        var id: Int
        var mean: [Float]
        var std: [Float]
    }

    private enum CodingKeys: String, CodingKey {
        case featureCount = "feature_count", assets, features
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(featureCount, forKey: .featureCount)
        if !features.isStandard { try container.encode(features, forKey: .features) }
        let assets = mean.keys.sorted().map { AssetStatistics(id: $0, mean: mean[$0]!, std: std[$0] ?? []) }
        try container.encode(assets, forKey: .assets)
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let featureCount = try container.decode(Int.self, forKey: .featureCount)
        features = try container.decodeIfPresent(FeatureSet.self, forKey: .features) ?? .standard
        guard features.count == featureCount else {
            throw DecodingError.dataCorruptedError(forKey: .features, in: container,
                                                   debugDescription: "feature_count \(featureCount) but \(features.count) features named (\(features))")
        }
        mean = [:]
        std = [:]
        for asset in try container.decode([AssetStatistics].self, forKey: .assets) {
            guard asset.mean.count == featureCount, asset.std.count == featureCount, asset.std.allSatisfy({ $0 > 0 }) else {
                throw DecodingError.dataCorruptedError(forKey: .assets, in: container,
                                                       debugDescription: "asset \(asset.id): expected \(featureCount) means and positive stds")
            }
            mean[asset.id] = asset.mean
            std[asset.id] = asset.std
        }
    }

    /// JSON text for checkpoint metadata (keys sorted, assets by id: stable bytes).
    public func jsonString() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Reads `jsonString()` output; every mean and std must hold `featureCount` finite values (std > 0).
    public init(jsonString: String) throws {
        self = try JSONDecoder().decode(FeatureNormalizer.self, from: Data(jsonString.utf8))
        guard (1...256).contains(featureCount) else { throw NormalizerError(reason: "feature count \(featureCount) is not in 1...256") }
        for (asset, values) in mean.sorted(by: { $0.key < $1.key }) {
            guard let spread = std[asset], values.count == featureCount, spread.count == featureCount,
                  values.allSatisfy(\.isFinite), spread.allSatisfy({ $0.isFinite && $0 > 0 }) else {
                throw NormalizerError(reason: "asset \(asset): mean/std must be \(featureCount) finite values each (std > 0)")
            }
        }
        guard Set(mean.keys) == Set(std.keys) else { throw NormalizerError(reason: "mean and std cover different assets") }
    }
}

/// A stored normaliser that disagrees with itself (wrong lengths, non-finite values).
public struct NormalizerError: Error, CustomStringConvertible, Sendable {
    public let reason: String
    public var description: String { reason }
}
