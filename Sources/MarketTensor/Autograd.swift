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
    /// leaf that requires them (parameters, inputs; call `zeroGrad()` on parameters between steps).
    ///
    /// The sweep frees the graph as it goes, like PyTorch without `retain_graph`: once an op's backward has
    /// run, its output's gradient buffer goes back to the pool and its links to its inputs (and the values its
    /// backward kept) are dropped, so the next op's gradient reuses memory that is still in cache and the
    /// backward pass touches about half the memory. Consequences: only leaves (tensors no op produced) and
    /// the root keep a gradient; running `backward` twice through the same op is a programming error and stops
    /// with a message (build the graph again instead) unless the earlier sweeps passed `retainingGraph: true`,
    /// which keeps every link and gradient (PyTorch's `retain_graph=True`). Results are bit-identical either way.
    public func backward(retainingGraph: Bool = false) {
        precondition(count == 1, "Tensor.backward: loss must be a scalar, shape is \(shape)")
        let g = gradForAccumulation()
        g[0] += 1
        runBackward(retainingGraph: retainingGraph)
    }

    /// Reverse-mode sweep seeded with `seed` (same shape) as d(loss)/d(self); frees the graph as `backward()` does
    /// unless `retainingGraph`.
    public func backward(seed: Tensor, retainingGraph: Bool = false) {
        precondition(seed.count == count, "Tensor.backward(seed:): \(seed.shape) vs \(shape)")
        let (g, accumulate) = gradForWrite()
        if accumulate { for i in 0..<count { g[i] += seed.data[i] } } else { g.update(from: seed.data, count: count) }
        runBackward(retainingGraph: retainingGraph)
    }

    private func runBackward(retainingGraph: Bool) {
        precondition(!graphFreed, "Tensor.backward: this graph was already swept by an earlier backward (build it again)")
        // Iterative post-order DFS → topological order (inputs before outputs).
        var order: [Tensor?] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Int)] = [(self, 0)]
        visited.insert(ObjectIdentifier(self))
        while let (node, next) = stack.popLast() {
            if next < node.parents.count {
                stack.append((node, next + 1))
                let parent = node.parents[next]
                precondition(!parent.graphFreed,
                             "Tensor.backward: \(parent.name ?? "an op output") \(parent.shape) was already swept by an earlier backward (build the graph again)")
                if parent.backwardFunction != nil, visited.insert(ObjectIdentifier(parent)).inserted {
                    stack.append((parent, 0))
                }
            } else {
                order.append(node)
            }
        }
        // Reverse topological order: when a node runs, every consumer of it has already added its share, so
        // its gradient is final and, once propagated, no longer needed (nor the values its closure kept).
        if retainingGraph {
            for node in order.reversed() where node!.gradValid { node!.backwardFunction?(node!) }
            return
        }
        var index = order.count - 1
        while index >= 0 {
            let node = order[index]!
            order[index] = nil
            if node.gradValid { node.backwardFunction?(node) }
            node.backwardFunction = nil
            node.parents = []
            node.graphFreed = true
            if node !== self { node.releaseGrad() }
            index -= 1
        }
    }
}
