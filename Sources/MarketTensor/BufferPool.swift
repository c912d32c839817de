// BufferPool: recycles Float32 buffers by size so that a training step reuses last step's memory.
import Foundation

/// A free list of Float32 buffers keyed by element count.
///
/// Tensors created by ops take their storage from the pool of their inputs (a model's parameters carry
/// the model's pool) and give it back when they are released, so after the first step of a fixed shape
/// no memory is allocated or page-faulted any more. Thread-safe (a lock around the free lists).
public final class BufferPool {
    private var free: [Int: [UnsafeMutablePointer<Float>]] = [:]
    private let lock = NSLock()
    /// Bytes currently parked in the free lists (for diagnostics).
    public private(set) var parkedBytes = 0
    /// Bytes this pool has newly allocated so far (free-list hits not counted; for diagnostics and tests).
    public private(set) var allocatedBytes = 0

    public init() {}

    /// A buffer of `count` floats; its contents are undefined.
    func acquire(_ count: Int) -> UnsafeMutablePointer<Float> {
        lock.lock()
        if var list = free[count], let buffer = list.popLast() {
            free[count] = list
            parkedBytes -= count &* 4
            lock.unlock()
            return buffer
        }
        allocatedBytes += count &* 4
        lock.unlock()
        return UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
    }

    /// Gives a buffer obtained from `acquire(count)` back to the pool.
    func release(_ buffer: UnsafeMutablePointer<Float>, count: Int) {
        lock.lock()
        free[count, default: []].append(buffer)
        parkedBytes += count &* 4
        lock.unlock()
    }

    /// Frees every parked buffer.
    public func trim() {
        lock.lock()
        for (_, list) in free { for buffer in list { buffer.deallocate() } }
        free = [:]
        parkedBytes = 0
        lock.unlock()
    }

    deinit { for (_, list) in free { for buffer in list { buffer.deallocate() } } }
}
