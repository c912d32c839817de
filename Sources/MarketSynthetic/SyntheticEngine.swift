// One source series prepared for synthesis: components, block length, source metrics, candidate scoring.
import Foundation
import MarketSupport
import MarketData

/// A source series ready for block-bootstrap synthesis. Immutable after `init`, so one engine can be
/// shared by every worker thread.
public final class SyntheticEngine: @unchecked Sendable {
    /// The source's per-day components.
    public let source: BootstrapSource
    /// How blocks are drawn.
    public let method: BootstrapMethod
    /// The expected (stationary) or fixed (circular) block length in days.
    public let blockLength: Double
    /// The stylized facts of the source's log returns.
    public let sourceFacts: StylizedFacts

    /// Prepares `series`. `blockLength` nil = automatic: the larger Politis–White estimate (for
    /// `method`) of the log returns r and of |r|, so blocks keep volatility clustering as well as
    /// return autocorrelation; at least 1 day.
    public convenience init(series: OHLCVSeries, method: BootstrapMethod = .stationary, blockLength: Double? = nil) throws {
        try self.init(source: BootstrapSource(series: series), method: method, blockLength: blockLength)
    }

    /// Prepares already decomposed components (see `init(series:method:blockLength:)`).
    public init(source: BootstrapSource, method: BootstrapMethod = .stationary, blockLength: Double? = nil) throws {
        if let blockLength, !(blockLength >= 1 && blockLength.isFinite) {
            throw SyntheticError.invalidArgument("block length must be at least 1 day, got \(blockLength)")
        }
        self.source = source
        self.method = method
        self.blockLength = blockLength ?? Self.automaticBlockLength(source.logReturn, method: method)
        sourceFacts = StylizedFacts(returns: source.logReturn)
    }

    /// The automatic block length of `returns` (see `init`).
    public static func automaticBlockLength(_ returns: [Double], method: BootstrapMethod) -> Double {
        let onReturns = OptimalBlockLength(returns), onAbsolute = OptimalBlockLength(returns.map(abs))
        let pick: (OptimalBlockLength) -> Double = { method == .stationary ? $0.stationary : $0.circular }
        return max(1, pick(onReturns), pick(onAbsolute))
    }

    /// The random stream of candidate `index` of a run seeded with `seed`.
    @inlinable
    public static func stream(seed: UInt64, candidate index: Int) -> SeededRandom {
        SeededRandom(seed: seed, stream: UInt64(truncatingIfNeeded: index), salt: SeededRandom.syntheticSalt)
    }

    /// The source days candidate `index` is made of (L = `length`).
    public func indices(seed: UInt64, candidate index: Int, length: Int) -> [Int32] {
        var rng = Self.stream(seed: seed, candidate: index)
        var result = [Int32](repeating: 0, count: length)
        result.withUnsafeMutableBufferPointer {
            BlockBootstrap.drawIndices(into: $0, sourceCount: source.count, method: method,
                                       blockLength: blockLength, rng: &rng)
        }
        return result
    }

    /// Generates candidate `index` into `workspace` and returns its fidelity and stylized facts.
    /// Only the returns are gathered: the metrics depend on nothing else, and the full bars of an
    /// accepted candidate are rebuilt from its indices.
    public func evaluate(seed: UInt64, candidate index: Int, workspace: CandidateWorkspace) -> (fidelity: Double, facts: StylizedFacts) {
        var rng = Self.stream(seed: seed, candidate: index)
        BlockBootstrap.drawIndices(into: workspace.indices, sourceCount: source.count, method: method,
                                   blockLength: blockLength, rng: &rng)
        source.logReturn.withUnsafeBufferPointer { returns in
            BlockBootstrap.gather(workspace.returns, from: returns, indices: UnsafeBufferPointer(workspace.indices))
        }
        let facts = workspace.facts.compute(UnsafeBufferPointer(workspace.returns))
        return (FidelityScore.score(facts, to: sourceFacts), facts)
    }

    /// The bars of candidate `index`: starts after `startDate` at a previous close of `startPrice`
    /// (defaults: the source's first close), dated Monday–Friday or every day like the source.
    public func series(seed: UInt64, candidate index: Int, length: Int, startPrice: Double? = nil,
                       startDate: DayNumber = 0) -> OHLCVSeries {
        let days = indices(seed: seed, candidate: index, length: length)
        let dates = OHLCVReconstruction.dates(after: startDate, count: length, weekends: source.tradesWeekends)
        return OHLCVReconstruction.bars(from: source, indices: days, startPrice: startPrice ?? source.firstClose, dates: dates)
    }
}

/// Per-thread scratch space for evaluating candidates of one length.
public final class CandidateWorkspace {
    /// Source day of each synthetic day (L).
    public let indices: UnsafeMutableBufferPointer<Int32>
    /// Gathered log returns (L).
    public let returns: UnsafeMutableBufferPointer<Double>
    let facts: StylizedFactsWorkspace

    /// Scratch space for candidates of `length` days.
    public init(length: Int) {
        precondition(length >= 32, "candidates need at least 32 days")
        indices = .allocate(capacity: length)
        returns = .allocate(capacity: length)
        facts = StylizedFactsWorkspace(capacity: length)
    }

    deinit { indices.deallocate(); returns.deallocate() }
}
