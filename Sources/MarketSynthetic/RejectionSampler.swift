// Rejection sampling: candidates in index order until N reach the target fidelity, on several threads.
import Dispatch
import Foundation

/// One accepted synthetic sample.
public struct AcceptedCandidate: Sendable, Equatable {
    /// Position among the accepted samples (0-based).
    public var sample: Int
    /// The candidate index (its random stream) it was generated from.
    public var candidate: Int
    /// Candidates tried for this sample, this one included.
    public var attempts: Int
    /// Its fidelity, 0–100.
    public var fidelity: Double
    /// Its stylized facts.
    public var facts: StylizedFacts
}

/// Generates candidates 0, 1, 2, … of a seed and keeps, in index order, those whose fidelity reaches
/// the target. Candidates are evaluated in batches on `threads` threads, each candidate from its own
/// random stream, and accepted by scanning each batch in index order: the result depends only on the
/// seed, never on the thread count.
public enum RejectionSampler {
    /// Returns `count` accepted candidates of `length` days.
    /// - Throws: `SyntheticError.fidelityNotReached` when `maxAttempts` candidates in a row miss
    ///   `minFidelity` (with the best fidelity seen among them), `.invalidArgument` for bad arguments,
    ///   `CancellationError` when `onBatch` (called after each batch with the candidates tried so far and
    ///   the number accepted) returns false.
    public static func sample(engine: SyntheticEngine, count: Int, minFidelity: Double, length: Int,
                              maxAttempts: Int, seed: UInt64, threads: Int = 2,
                              progress: ((Int, Int) -> Void)? = nil,
                              onBatch: ((_ tried: Int, _ accepted: Int) -> Bool)? = nil) throws -> [AcceptedCandidate] {
        guard count >= 0 else { throw SyntheticError.invalidArgument("count must be ≥ 0, got \(count)") }
        guard length >= 32 else { throw SyntheticError.invalidArgument("length must be ≥ 32 days, got \(length)") }
        guard maxAttempts >= 1 else { throw SyntheticError.invalidArgument("max attempts must be ≥ 1, got \(maxAttempts)") }
        guard (0...100).contains(minFidelity) else {
            throw SyntheticError.invalidArgument("min fidelity must be in 0…100, got \(minFidelity)")
        }
        let workers = max(1, threads)
        let workspaces = (0..<workers).map { _ in CandidateWorkspace(length: length) }
        let batch = max(16, 8 * workers)
        var fidelities = [Double](repeating: 0, count: batch)
        var facts = [StylizedFacts?](repeating: nil, count: batch)
        var accepted: [AcceptedCandidate] = []
        var next = 0, attempts = 0, best = -Double.infinity
        while accepted.count < count {
            let first = next
            fidelities.withUnsafeMutableBufferPointer { fid in
                facts.withUnsafeMutableBufferPointer { fac in
                    let fidelityBase = fid.baseAddress!, factsBase = fac.baseAddress!
                    DispatchQueue.concurrentPerform(iterations: workers) { worker in
                        var slot = worker
                        while slot < batch {
                            let (f, m) = engine.evaluate(seed: seed, candidate: first + slot, workspace: workspaces[worker])
                            fidelityBase[slot] = f
                            factsBase[slot] = m
                            slot += workers
                        }
                    }
                }
            }
            for slot in 0..<batch where accepted.count < count {
                attempts += 1
                best = max(best, fidelities[slot])
                if fidelities[slot] >= minFidelity {
                    accepted.append(AcceptedCandidate(sample: accepted.count, candidate: first + slot, attempts: attempts,
                                                      fidelity: fidelities[slot], facts: facts[slot]!))
                    progress?(accepted.count, count)
                    attempts = 0
                    best = -Double.infinity
                } else if attempts >= maxAttempts {
                    throw SyntheticError.fidelityNotReached(sample: accepted.count, attempts: attempts, best: best,
                                                            target: minFidelity)
                }
            }
            next += batch
            if let onBatch, !onBatch(next, accepted.count), accepted.count < count { throw CancellationError() }
        }
        return accepted
    }
}
