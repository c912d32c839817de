// Derivative-free minimisation by the Nelder–Mead simplex method (Lagarias et al. 1998 coefficients).

/// The outcome of a `NelderMead.minimize` run.
public struct NelderMeadResult: Sendable {
    /// The best point found.
    public var point: [Double]
    /// The objective there.
    public var value: Double
    /// Objective evaluations used.
    public var evaluations: Int
    /// `true` when the tolerances were met before `maxEvaluations`.
    public var converged: Bool
}

/// Nelder–Mead with reflection 1, expansion 2, contraction ½, shrink ½. A non-finite objective
/// counts as +∞, so a region where the objective is undefined is simply avoided.
public enum NelderMead {
    /// Minimises `objective` from `start`, with an initial simplex of `start` and `start + stepᵢ eᵢ`.
    /// Stops when the spread of simplex values ≤ `valueTolerance`·(1 + |best|) and every vertex is within
    /// `pointTolerance` of the best in every coordinate, or after `maxEvaluations`.
    public static func minimize(_ objective: ([Double]) -> Double, start: [Double], step: [Double],
                                valueTolerance: Double = 1e-10, pointTolerance: Double = 1e-7,
                                maxEvaluations: Int = 4000) -> NelderMeadResult {
        let n = start.count
        precondition(n > 0 && step.count == n, "start and step must have the same non-zero length")
        var evaluations = 0
        func f(_ x: [Double]) -> Double {
            evaluations += 1
            let value = objective(x)
            return value.isFinite ? value : .infinity
        }
        var simplex = [start]
        for i in 0..<n {
            var vertex = start
            vertex[i] += step[i]
            simplex.append(vertex)
        }
        var values = simplex.map(f)
        var converged = false
        while evaluations < maxEvaluations {
            let order = values.indices.sorted { values[$0] < values[$1] }
            simplex = order.map { simplex[$0] }
            values = order.map { values[$0] }
            let spread = values[n] - values[0]
            let size = simplex.dropFirst().map { v in zip(v, simplex[0]).map { abs($0 - $1) }.max()! }.max()!
            if spread.isFinite, spread <= valueTolerance * (1 + abs(values[0])), size <= pointTolerance {
                converged = true
                break
            }
            var centroid = [Double](repeating: 0, count: n)
            for vertex in simplex.dropLast() { for i in 0..<n { centroid[i] += vertex[i] / Double(n) } }
            func along(_ t: Double) -> [Double] { (0..<n).map { centroid[$0] + t * (simplex[n][$0] - centroid[$0]) } }
            let reflected = along(-1), fr = f(reflected)
            if fr < values[0] {
                let expanded = along(-2), fe = f(expanded)
                (simplex[n], values[n]) = fe < fr ? (expanded, fe) : (reflected, fr)
            } else if fr < values[n - 1] {
                (simplex[n], values[n]) = (reflected, fr)
            } else {
                let outside = fr < values[n]
                let contracted = along(outside ? -0.5 : 0.5), fc = f(contracted)
                if fc < (outside ? fr : values[n]) {
                    (simplex[n], values[n]) = (contracted, fc)
                } else {
                    for k in 1...n {
                        simplex[k] = (0..<n).map { simplex[0][$0] + 0.5 * (simplex[k][$0] - simplex[0][$0]) }
                        values[k] = f(simplex[k])
                    }
                }
            }
        }
        let best = values.indices.min { values[$0] < values[$1] }!
        return NelderMeadResult(point: simplex[best], value: values[best], evaluations: evaluations, converged: converged)
    }
}
