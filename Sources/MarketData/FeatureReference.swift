// The drift gate's reference: per category and feature, a sorted sample (evenly spaced quantiles) of the training range.
import Foundation

/// A compact picture of each input feature's distribution per category, fitted on the training range
/// only (real bars; synthetic bars and the `synthetic` flag left out). Stored in every pre-training
/// checkpoint under `drift_reference`; `marketgpt drift` tests today's last N days against it.
///
/// Per (category, feature): `quantileCount` (Q, default 512) evenly spaced order statistics of the
/// training values — the values at ranks ⌊(k + ½)·n / Q⌋, k = 0…Q−1, ascending — plus n, the number of
/// training values. JSON: `{"version":1,"quantiles":Q,"features":[…],"categories":[{"name","count":[n per
/// feature],"values":"<base64 of Float32 little-endian, (F_ref, Q) row-major>"}]}`.
public struct FeatureReference: Codable, Equatable, Sendable {
    /// The checkpoint metadata key.
    public static let metadataKey = "drift_reference"
    /// Q by default.
    public static let defaultQuantiles = 512

    public struct Category: Codable, Equatable, Sendable {
        /// Category name (universe order).
        public var name: String
        /// n: training values behind each feature's sample (0: the category had no training bars).
        public var count: [Int]
        /// (F_ref, Q) row-major sorted samples; empty rows when `count` is 0.
        public var samples: [[Float]]

        enum CodingKeys: String, CodingKey { case name, count, values }

        public init(name: String, count: [Int], samples: [[Float]]) {
            self.name = name
            self.count = count
            self.samples = samples
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            count = try c.decode([Int].self, forKey: .count)
            let text = try c.decode(String.self, forKey: .values)
            guard let data = Data(base64Encoded: text), data.count % 4 == 0 else {
                throw DecodingError.dataCorruptedError(forKey: .values, in: c, debugDescription: "values is not base64 Float32")
            }
            var flat = [Float](repeating: 0, count: data.count / 4)
            _ = flat.withUnsafeMutableBytes { data.copyBytes(to: $0) }
            let rows = count.count
            let perRow = rows > 0 ? flat.count / rows : 0
            guard rows * perRow == flat.count else {
                throw DecodingError.dataCorruptedError(forKey: .values, in: c, debugDescription: "values do not split into \(rows) rows")
            }
            let counts = count
            samples = (0..<rows).map { r in counts[r] == 0 ? [] : Array(flat[r * perRow..<(r + 1) * perRow]) }
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(count, forKey: .count)
            let width = samples.map(\.count).max() ?? 0
            var flat: [Float] = []
            flat.reserveCapacity(width * samples.count)
            for row in samples { flat += row.isEmpty ? [Float](repeating: 0, count: width) : row }
            try c.encode(flat.withUnsafeBytes { Data($0) }.base64EncodedString(), forKey: .values)
        }
    }

    public var version = 1
    /// Q.
    public var quantiles: Int
    /// Feature names (MarketFeatures order, without `synthetic`).
    public var features: [String]
    public var categories: [Category]

    enum CodingKeys: String, CodingKey { case version, quantiles, features, categories }

    /// Features tested: every `MarketFeatures` feature but the synthetic flag.
    public static var testedFeatures: [Int] { (0..<MarketFeatures.count).filter { $0 != MarketFeatures.syntheticIndex } }

    /// Fits the reference on `ranges[i]` (bar ranges of `store.assets[i]`, e.g. the training ranges) of
    /// every store asset, real bars only; `categoryNames` in category-id order.
    public static func fitted(_ store: FeatureStore, ranges: [Range<Int>], categoryNames: [String],
                              quantiles: Int = defaultQuantiles) -> FeatureReference {
        precondition(ranges.count == store.assets.count, "FeatureReference: one range per store asset")
        let tested = testedFeatures
        var pooled = [[[Float]]](repeating: [[Float]](repeating: [], count: tested.count), count: categoryNames.count)
        for (asset, range) in zip(store.assets, ranges) where asset.categoryID < categoryNames.count {
            for t in range where !asset.isSynthetic[t] {
                let row = t * MarketFeatures.count
                for (k, f) in tested.enumerated() { pooled[asset.categoryID][k].append(asset.features[row + f]) }
            }
        }
        let categories = categoryNames.enumerated().map { id, name in
            Category(name: name, count: pooled[id].map(\.count), samples: pooled[id].map { sortedSample($0, quantiles: quantiles) })
        }
        return FeatureReference(quantiles: quantiles, features: tested.map { MarketFeatures.names[$0] }, categories: categories)
    }

    public init(quantiles: Int, features: [String], categories: [Category]) {
        self.quantiles = quantiles
        self.features = features
        self.categories = categories
    }

    /// Q evenly spaced order statistics of `values` (all of them, sorted, when there are at most Q).
    public static func sortedSample(_ values: [Float], quantiles: Int) -> [Float] {
        let finite = values.filter { $0.isFinite }.sorted()
        guard finite.count > quantiles else { return finite }
        let n = finite.count
        return (0..<quantiles).map { k in finite[min(n - 1, Int((Double(k) + 0.5) * Double(n) / Double(quantiles)))] }
    }

    /// The reference as one JSON string (the checkpoint metadata value).
    public func jsonString() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Reads `jsonString()`'s output.
    public init(jsonString: String) throws {
        self = try JSONDecoder().decode(FeatureReference.self, from: Data(jsonString.utf8))
    }
}
