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

/// The one batch type: B sequences as flat row-major buffers with explicit shapes. The dataset fills it for
/// training and evaluation (with targets and mask); the nightly run and the server build inputs-only batches
/// (`horizon == 0`); `MarketGPT` reads it directly (`forward`, `loss`, `predictive`).
public struct Batch: Sendable {
    /// B, T, H, F. `horizon` is 0 for an inputs-only batch (no targets, no mask).
    public private(set) var batchSize: Int, contextLength: Int, horizon: Int, featureCount: Int
    /// (B, T, F) normalised features.
    public var inputs: [Float]
    /// (B, T, H): targets[b, t, h] = log return of bar start+t+1+h (raw, not normalised); empty when H = 0.
    public var targets: [Float]
    /// (B, T, H) loss weights: 1 for a known real target, `syntheticTargetWeight` for a synthetic one, 0 when
    /// unknown (beyond the dataset's range, so never past a split's end); empty when H = 0.
    public var mask: [Float]
    /// (B) asset ids (rows of the model's asset embedding; −1 = an asset the model has not seen) and
    /// category ids.
    public var assetIDs: [Int32]
    public var categoryIDs: [Int32]
    /// (B) the windows this batch holds (empty when the batch was not cut from a dataset).
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

    /// A batch over existing buffers: `inputs` (B, T, F) with T = inputs.count / (B·F); optional `targets`
    /// (B, T, H) with H = targets.count / (B·T) and loss weights `mask` of the same shape (nil: all 1).
    /// Without targets the batch is inputs-only (H = 0).
    public init(batchSize: Int, featureCount: Int, inputs: [Float], assetIDs: [Int32], categoryIDs: [Int32],
                targets: [Float]? = nil, mask: [Float]? = nil) {
        precondition(batchSize > 0 && featureCount > 0 && !inputs.isEmpty && inputs.count % (batchSize * featureCount) == 0,
                     "Batch: \(inputs.count) inputs for B=\(batchSize), F=\(featureCount)")
        precondition(assetIDs.count == batchSize && categoryIDs.count == batchSize, "Batch: need B=\(batchSize) asset and category ids")
        let t = inputs.count / (batchSize * featureCount)
        self.batchSize = batchSize
        self.contextLength = t
        self.featureCount = featureCount
        self.inputs = inputs
        self.assetIDs = assetIDs
        self.categoryIDs = categoryIDs
        self.windows = []
        if let targets {
            precondition(!targets.isEmpty && targets.count % (batchSize * t) == 0, "Batch: \(targets.count) targets for B=\(batchSize), T=\(t)")
            precondition(mask == nil || mask!.count == targets.count, "Batch: \(mask!.count) mask values for \(targets.count) targets")
            self.horizon = targets.count / (batchSize * t)
            self.targets = targets
            self.mask = mask ?? [Float](repeating: 1, count: targets.count)
        } else {
            precondition(mask == nil, "Batch: a mask without targets")
            self.horizon = 0
            self.targets = []
            self.mask = []
        }
    }

    /// Whether the batch carries targets (H > 0).
    public var hasTargets: Bool { horizon > 0 }

    /// The sequences in `range` (inputs, ids, windows, targets and mask cut alike); `inputsOnly` drops the
    /// targets (for inference passes over a slice).
    public func slice(_ range: Range<Int>, inputsOnly: Bool = false) -> Batch {
        precondition(range.lowerBound >= 0 && range.upperBound <= batchSize, "Batch.slice: \(range) outside 0..<\(batchSize)")
        var part = Batch(batchSize: range.count, contextLength: contextLength, horizon: 0, featureCount: featureCount)
        let perInput = contextLength * featureCount, perTarget = contextLength * horizon
        part.inputs = Array(inputs[(range.lowerBound * perInput)..<(range.upperBound * perInput)])
        part.assetIDs = Array(assetIDs[range])
        part.categoryIDs = Array(categoryIDs[range])
        if !windows.isEmpty { part.windows = Array(windows[range]) }
        if hasTargets && !inputsOnly {
            part.horizon = horizon
            part.targets = Array(targets[(range.lowerBound * perTarget)..<(range.upperBound * perTarget)])
            part.mask = Array(mask[(range.lowerBound * perTarget)..<(range.upperBound * perTarget)])
        }
        return part
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
