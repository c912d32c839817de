// ProcessGroup: the processes that train one model together (data parallel) and the collectives the trainer needs.
import Foundation

/// The processes that train one model together, one replica each (data parallel over processes and machines).
///
/// `Trainer` asks it for the few collectives data-parallel training needs: an in-place sum of one flat
/// gradient buffer, a sum of doubles (per-part losses, validation sums) and a gather of one word per rank
/// (worker counts, parameter checksums). Every rank calls the same collectives in the same order.
/// A collective that fails or waits longer than its implementation allows ends the whole job with a clear
/// message (training cannot go on without it), so the methods do not throw.
/// `SingleProcess` (size 1, no communication) is the default; `MarketDistributed.MPIProcessGroup` runs over MPI.
public protocol ProcessGroup: AnyObject {
    /// This process's index, 0..<size. Rank 0 alone writes checkpoints, metrics and progress.
    var rank: Int { get }
    /// Number of processes training together (≥ 1).
    var size: Int { get }
    /// Element-wise sum over every rank, in place; every rank ends with the same values.
    /// `what` names the collective in messages (e.g. "the gradient all-reduce of step 12").
    func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>, what: String)
    /// Element-wise sum over every rank of doubles, in place.
    func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>, what: String)
    /// Every rank's `value`, indexed by rank.
    func allGather(_ value: UInt64, what: String) -> [UInt64]
    /// Every rank's `bytes` (any length, together < 2 GiB), indexed by rank.
    func allGather(bytes: [UInt8], what: String) -> [[UInt8]]
    /// Wall seconds spent inside collectives so far (communication plus waiting for the slowest rank).
    var collectiveSeconds: Double { get }
}

extension ProcessGroup {
    /// True for rank 0, the one that writes outputs.
    public var isRoot: Bool { rank == 0 }

    /// `values` summed over every rank (a copy; see `allReduceSum(_:what:)`).
    public func allReduceSum(_ values: [Double], what: String) -> [Double] {
        var out = values
        out.withUnsafeMutableBufferPointer { allReduceSum($0, what: what) }
        return out
    }
}

/// The group of one process: no communication, every collective returns its input.
public final class SingleProcess: ProcessGroup {
    /// The one instance (it holds no state).
    public static let shared = SingleProcess()

    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>, what: String) {}
    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>, what: String) {}
    public func allGather(_ value: UInt64, what: String) -> [UInt64] { [value] }
    public func allGather(bytes: [UInt8], what: String) -> [[UInt8]] { [bytes] }
    public var collectiveSeconds: Double { 0 }
}
