// Windows of T bars as flat batches: inputs (B,T,F), targets (B,T,H), mask (B,T,H), asset and category ids.

/// One window: an asset (index into `FeatureStore.assets`) and its first bar.
public struct WindowRef: Sendable, Equatable, Hashable, Codable {
    public var asset: Int
    public var start: Int

    public init(asset: Int, start: Int) {
        self.asset = asset
        self.start = start
    }
}

/// A batch as flat row-major buffers with explicit shapes (the trainer turns them into tensors).
public struct Batch: Sendable {
    /// B, T, H, F.
    public private(set) var batchSize: Int, contextLength: Int, horizon: Int, featureCount: Int
    /// (B, T, F) normalised features.
    public var inputs: [Float]
    /// (B, T, H): targets[b, t, h] = log return of bar start+t+1+h (raw, not normalised).
    public var targets: [Float]
    /// (B, T, H): 1 for a known real target, `syntheticTargetWeight` for a synthetic one, 0 when unknown
    /// (beyond the dataset's range, so never past a split's end).
    public var mask: [Float]
    /// (B) asset ids (universe order) and category ids.
    public var assetIDs: [Int32]
    public var categoryIDs: [Int32]
    /// (B) the windows this batch holds.
    public var windows: [WindowRef]

    /// An empty batch with buffers for B × T bars.
    public init(batchSize: Int, contextLength: Int, horizon: Int, featureCount: Int = MarketFeatures.count) {
        self.batchSize = batchSize
        self.contextLength = contextLength
        self.horizon = horizon
        self.featureCount = featureCount
        inputs = [Float](repeating: 0, count: batchSize * contextLength * featureCount)
        targets = [Float](repeating: 0, count: batchSize * contextLength * horizon)
        mask = [Float](repeating: 0, count: batchSize * contextLength * horizon)
        assetIDs = [Int32](repeating: 0, count: batchSize)
        categoryIDs = [Int32](repeating: 0, count: batchSize)
        windows = []
    }
}

/// Windows of `contextLength` (T) bars over per-asset bar ranges (a split), normalised by a fitted
/// normaliser; every position t of a window predicts the next `horizon` (H) log returns.
/// Windows and targets never leave `ranges[i]`, so a training dataset never sees a later split.
public struct WindowedDataset: Sendable {
    public let store: FeatureStore
    public let normalizer: FeatureNormalizer
    /// Per store asset: the bars windows (inputs and targets) may use.
    public let ranges: [Range<Int>]
    /// T and H.
    public let contextLength: Int, horizon: Int
    /// Mask value of synthetic targets (0 = masked; e.g. 0.25 = down-weighted). Default 0.
    public var syntheticTargetWeight: Float = 0

    public init(store: FeatureStore, normalizer: FeatureNormalizer, ranges: [Range<Int>], contextLength: Int, horizon: Int) {
        precondition(ranges.count == store.assets.count, "WindowedDataset: one range per asset")
        precondition(store.featureSet == normalizer.features, "WindowedDataset: features \(store.featureSet) but the normaliser's are \(normalizer.features)")
        precondition(contextLength >= 1 && horizon >= 1, "WindowedDataset: T and H must be ≥ 1")
        self.store = store
        self.normalizer = normalizer
        self.ranges = zip(ranges, store.assets).map { $0.clamped(to: 0..<$1.count) }
        self.contextLength = contextLength
        self.horizon = horizon
    }

    /// The window starts of asset `i`: a window [s, s+T) fits inside its range.
    public func windowStarts(asset i: Int) -> Range<Int> {
        let range = ranges[i]
        return range.count >= contextLength ? range.lowerBound..<(range.upperBound - contextLength + 1) : range.lowerBound..<range.lowerBound
    }

    /// Windows in total.
    public var windowCount: Int { store.assets.indices.reduce(0) { $0 + windowStarts(asset: $1).count } }

    /// Every window with starts `stride` bars apart, asset by asset (for evaluation passes).
    public func allWindows(stride: Int) -> [WindowRef] {
        precondition(stride >= 1, "allWindows: stride must be ≥ 1")
        return store.assets.indices.flatMap { i in Swift.stride(from: windowStarts(asset: i).lowerBound, to: windowStarts(asset: i).upperBound, by: stride).map { WindowRef(asset: i, start: $0) } }
    }

    /// A new batch holding `windows`.
    public func batch(_ windows: [WindowRef]) -> Batch {
        var batch = Batch(batchSize: windows.count, contextLength: contextLength, horizon: horizon, featureCount: normalizer.featureCount)
        fill(&batch, windows: windows)
        return batch
    }

    /// Fills `batch` (allocated once for B = windows.count) with `windows`.
    public func fill(_ batch: inout Batch, windows: [WindowRef]) {
        precondition(batch.batchSize == windows.count && batch.contextLength == contextLength && batch.horizon == horizon,
                     "WindowedDataset.fill: batch shape (\(batch.batchSize), \(batch.contextLength), \(batch.horizon)) vs \(windows.count) windows, T \(contextLength), H \(horizon)")
        precondition(batch.featureCount == normalizer.featureCount, "WindowedDataset.fill: batch F \(batch.featureCount) vs \(normalizer.featureCount)")
        let t = contextLength, h = horizon, f = normalizer.featureCount
        let syntheticWeight = syntheticTargetWeight
        batch.windows = windows
        for (b, window) in windows.enumerated() {
            precondition(windowStarts(asset: window.asset).contains(window.start), "WindowedDataset: window \(window) outside its range")
            let asset = store.assets[window.asset]
            let end = ranges[window.asset].upperBound
            batch.assetIDs[b] = Int32(asset.assetID)
            batch.categoryIDs[b] = Int32(asset.categoryID)
            batch.inputs.withUnsafeMutableBufferPointer { inputs in
                normalizer.normalize(asset, bars: window.start..<(window.start + t), into: inputs.baseAddress! + b &* t &* f)
            }
            batch.targets.withUnsafeMutableBufferPointer { targets in
            batch.mask.withUnsafeMutableBufferPointer { mask in
            asset.logReturns.withUnsafeBufferPointer { returns in
            asset.isSynthetic.withUnsafeBufferPointer { synthetic in
                var o = b &* t &* h
                for position in 0..<t {
                    let bar = window.start &+ position
                    for step in 0..<h {
                        let target = bar &+ 1 &+ step   // (B, T, H)
                        if target < end {
                            targets[o] = returns[target]
                            mask[o] = synthetic[target] ? syntheticWeight : 1
                        } else {
                            targets[o] = 0
                            mask[o] = 0
                        }
                        o &+= 1
                    }
                }
            }}}}
        }
    }
}
