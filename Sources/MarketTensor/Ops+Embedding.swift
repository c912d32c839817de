// Differentiable embedding lookup (row gather) with a scatter-add backward.
import Foundation

/// Rows of `table` (V, C) at `ids` → (ids.count, C), or `shape + [C]` when `shape` is given.
/// Every id must be in 0..<V (a precondition: ids are validated where data is loaded).
public func embedding(_ table: Tensor, ids: [Int32], shape: [Int]? = nil) -> Tensor {
    precondition(table.rank == 2, "embedding: table must be (V, C), is \(table.shape)")
    let v = table.shape[0], c = table.shape[1]
    let outShape = (shape ?? [ids.count]) + [c]
    precondition(outShape.dropLast().reduce(1, *) == ids.count, "embedding: \(ids.count) ids for shape \(outShape)")
    let out = Tensor(uninitializedShape: outShape, pool: table.pool)
    let tp = table.data, op = out.data
    for (n, id) in ids.enumerated() {
        precondition(id >= 0 && Int(id) < v, "embedding: id \(id) outside 0..<\(v)")
        (op + n &* c).update(from: tp + Int(id) &* c, count: c)
    }
    if Tensor.recordsGradient(table) {
        out.record([table]) { out in
            let dt = table.gradForAccumulation(), dout = out.gradBuffer!
            for (n, id) in ids.enumerated() {
                let row = dt + Int(id) &* c, d = dout + n &* c
                for k in 0..<c { row[k] += d[k] }
            }
        }
    }
    return out
}
