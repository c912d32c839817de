// A seeded sampler drawing windows by the universe's category weights: a pure function of (seed, epoch, index).
import MarketSupport

/// Draws training windows: a category by its batch weight, an asset uniformly inside it, a window
/// start uniformly inside the asset's range. Each draw is a pure function of (seed, epoch, index)
/// (a counter-based hash, no generator state), so a run resumes exactly from `SamplerState` and
/// every epoch is a fresh shuffle. Draws are with replacement; an epoch is `samplesPerEpoch` draws.
/// Categories without windows get no draws (the other weights are renormalised).
public struct CategoryBalancedSampler: Sendable {
    public let seed: UInt64
    /// Draws per epoch (default: the dataset's window count).
    public let samplesPerEpoch: Int
    /// Per category with windows: its id, cumulative probability and store asset indices.
    public let categories: [(categoryID: Int, cumulative: Double, assets: [Int])]
    /// Per store asset: its window starts.
    let starts: [Range<Int>]
    /// Per store asset: its entry in `categories` (-1 when it has no windows).
    let categoryEntry: [Int]

    public init(dataset: WindowedDataset, seed: UInt64, samplesPerEpoch: Int? = nil) {
        self.seed = seed
        starts = dataset.store.assets.indices.map { dataset.windowStarts(asset: $0) }
        var byCategory: [Int: [Int]] = [:]
        for (index, asset) in dataset.store.assets.enumerated() where !starts[index].isEmpty {
            byCategory[asset.categoryID, default: []].append(index)
        }
        let weights = dataset.store.categoryWeights
        let used = byCategory.keys.sorted().filter { weights.indices.contains($0) && weights[$0] > 0 }
        let total = used.reduce(0) { $0 + weights[$1] }
        var cumulative = 0.0
        var table: [(categoryID: Int, cumulative: Double, assets: [Int])] = []
        for id in used {
            cumulative += weights[id] / total
            table.append((id, cumulative, byCategory[id]!))
        }
        if !table.isEmpty { table[table.count - 1].cumulative = 1 }
        categories = table
        var entry = [Int](repeating: -1, count: starts.count)
        for (index, category) in table.enumerated() { for asset in category.assets { entry[asset] = index } }
        categoryEntry = entry
        self.samplesPerEpoch = max(1, samplesPerEpoch ?? dataset.windowCount)
    }

    /// The `index`-th window of `epoch`.
    public func window(epoch: Int, index: Int) -> WindowRef {
        precondition(!categories.isEmpty, "CategoryBalancedSampler: the dataset has no windows")
        let u = Self.unit(Self.hash(seed, UInt64(truncatingIfNeeded: epoch), UInt64(truncatingIfNeeded: index), 0))
        var c = 0
        while c < categories.count - 1 && u >= categories[c].cumulative { c += 1 }
        let assets = categories[c].assets
        let asset = assets[Int(Self.hash(seed, UInt64(truncatingIfNeeded: epoch), UInt64(truncatingIfNeeded: index), 1) % UInt64(assets.count))]
        let range = starts[asset]
        let offset = Int(Self.hash(seed, UInt64(truncatingIfNeeded: epoch), UInt64(truncatingIfNeeded: index), 2) % UInt64(range.count))
        return WindowRef(asset: asset, start: range.lowerBound + offset)
    }

    /// A window of another asset of the same category as `window` (the same asset when it is alone in its
    /// category), chosen by the two random words `assetBits` and `startBits` (mixup partners).
    public func window(sameCategoryAs window: WindowRef, assetBits: UInt64, startBits: UInt64) -> WindowRef {
        let entry = categoryEntry[window.asset]
        precondition(entry >= 0, "CategoryBalancedSampler: asset \(window.asset) has no windows")
        let assets = categories[entry].assets
        var asset = window.asset
        if assets.count > 1 {
            let others = assets.filter { $0 != window.asset }
            asset = others[Int(assetBits % UInt64(others.count))]
        }
        let range = starts[asset]
        return WindowRef(asset: asset, start: range.lowerBound + Int(startBits % UInt64(range.count)))
    }

    /// Windows `batchIndex·B ..< (batchIndex+1)·B` of `epoch`.
    public func batch(epoch: Int, batchIndex: Int, batchSize: Int) -> [WindowRef] {
        (0..<batchSize).map { window(epoch: epoch, index: batchIndex * batchSize + $0) }
    }

    /// The next batch at `state`, advancing it (to the next epoch after `samplesPerEpoch` draws).
    public func next(_ state: inout SamplerState, batchSize: Int) -> [WindowRef] {
        if state.index + batchSize > samplesPerEpoch && state.index > 0 {
            state.epoch += 1
            state.index = 0
        }
        let windows = (0..<batchSize).map { window(epoch: state.epoch, index: state.index + $0) }
        state.index += batchSize
        return windows
    }

    /// SplitMix64-style mixing of the four inputs: statistically independent 64-bit values per input.
    @inline(__always)
    static func hash(_ seed: UInt64, _ epoch: UInt64, _ index: UInt64, _ lane: UInt64) -> UInt64 {
        @inline(__always) func mix(_ z: UInt64, _ value: UInt64) -> UInt64 {
            var z = z ^ (value &* 0xD1B5_4A32_D192_ED03)
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        return mix(mix(mix(seed &+ 0x9E37_79B9_7F4A_7C15, epoch), index &+ 0x632B_E59B_D9B4_E019), lane &+ 0x8CB9_2BA7_2F3D_8DD7)
    }

    /// A uniform value in [0, 1) from the top 53 bits.
    @inline(__always)
    static func unit(_ bits: UInt64) -> Double { Double(bits >> 11) * (1.0 / 9_007_199_254_740_992.0) }
}

/// Where a sampler is: save it with the checkpoint, restore it to resume the exact batch sequence.
public struct SamplerState: Sendable, Equatable, Codable {
    public var epoch: Int
    /// Draws already taken in `epoch`.
    public var index: Int

    public init(epoch: Int = 0, index: Int = 0) {
        self.epoch = epoch
        self.index = index
    }
}
