// Autograd: the recording switch, op recording and the reverse-mode sweep from a scalar.
import Foundation

/// Switches autograd recording on or off for the current task/thread (no global mutable state).
public enum Autograd {
    /// Whether ops record backward closures (true unless inside `withoutRecording`).
    @TaskLocal public static var isRecording = true

    /// Runs `body` in inference mode: ops record nothing and no gradient buffers are allocated.
    public static func withoutRecording<R>(_ body: () throws -> R) rethrows -> R {
        try $isRecording.withValue(false) { try body() }
    }
}

extension Tensor {
    /// True when an op on `inputs` must record its backward.
    @inline(__always)
    static func recordsGradient(_ inputs: Tensor...) -> Bool {
        var any = false
        for t in inputs where t.requiresGrad { any = true; break }
        return any && Autograd.isRecording
    }

    /// The pool an op's output should use: the first input's pool that exists.
    @inline(__always)
    static func pool(of inputs: Tensor...) -> BufferPool? {
        for t in inputs { if let p = t.pool { return p } }
        return nil
    }

    /// Marks this (op output) tensor as needing gradients and attaches the backward closure.
    func record(_ parents: [Tensor], _ backward: @escaping (Tensor) -> Void) {
        requiresGrad = true
        self.parents = parents
        self.backwardFunction = backward
    }

    /// Reverse-mode sweep from this scalar: d(self)/d(self) = 1, gradients accumulate into every
    /// tensor that requires them (call `zeroGrad()` on parameters between steps).
    public func backward() {
        precondition(count == 1, "Tensor.backward: loss must be a scalar, shape is \(shape)")
        let g = gradForAccumulation()
        g[0] += 1
        runBackward()
    }

    /// Reverse-mode sweep seeded with `seed` (same shape) as d(loss)/d(self).
    public func backward(seed: Tensor) {
        precondition(seed.count == count, "Tensor.backward(seed:): \(seed.shape) vs \(shape)")
        let (g, accumulate) = gradForWrite()
        if accumulate { for i in 0..<count { g[i] += seed.data[i] } } else { g.update(from: seed.data, count: count) }
        runBackward()
    }

    private func runBackward() {
        // Iterative post-order DFS → topological order (inputs before outputs).
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Int)] = [(self, 0)]
        visited.insert(ObjectIdentifier(self))
        while let (node, next) = stack.popLast() {
            if next < node.parents.count {
                stack.append((node, next + 1))
                let parent = node.parents[next]
                if parent.backwardFunction != nil, visited.insert(ObjectIdentifier(parent)).inserted {
                    stack.append((parent, 0))
                }
            } else {
                order.append(node)
            }
        }
        for node in order.reversed() where node.gradValid {
            node.backwardFunction?(node)
        }
    }
}
