// The one range check of a command-line option: checked in `validate()`, before anything is allocated.
// Every numeric option of every command goes through `requireOption` with a bound from `OptionLimits`, so the
// bounds (README "Valid ranges") and the wording of the error (`--x must be in R, found v`) exist once.
import ArgumentParser

/// Throws a usage error (exit 64) `--name must be in lo...hi, found v` unless `value` lies in `range`.
func requireOption<T: Comparable>(_ name: String, _ value: T, in range: ClosedRange<T>) throws {
    guard range.contains(value) else {
        throw ValidationError("\(name) must be in \(range.lowerBound)...\(range.upperBound), found \(value)")
    }
}

/// Throws a usage error (exit 64) `--name must be in (lo, hi], found v` unless `value` lies in `interval`
/// (NaN lies in no interval).
func requireOption(_ name: String, _ value: Double, in interval: OptionInterval) throws {
    guard interval.contains(value) else { throw ValidationError("\(name) must be in \(interval), found \(value)") }
}

/// A real interval whose ends may be open: the bound of a fraction, a rate or a factor.
struct OptionInterval: CustomStringConvertible {
    let lower: Double, upper: Double
    let lowerOpen: Bool, upperOpen: Bool

    /// (lower, upper)
    static func open(_ lower: Double, _ upper: Double) -> OptionInterval { .init(lower: lower, upper: upper, lowerOpen: true, upperOpen: true) }
    /// (lower, upper]
    static func openClosed(_ lower: Double, _ upper: Double) -> OptionInterval { .init(lower: lower, upper: upper, lowerOpen: true, upperOpen: false) }
    /// [lower, upper)
    static func closedOpen(_ lower: Double, _ upper: Double) -> OptionInterval { .init(lower: lower, upper: upper, lowerOpen: false, upperOpen: true) }

    func contains(_ value: Double) -> Bool {
        (lowerOpen ? value > lower : value >= lower) && (upperOpen ? value < upper : value <= upper)
    }

    var description: String { "\(lowerOpen ? "(" : "[")\(lower), \(upper)\(upperOpen ? ")" : "]")" }
}

/// The bounds of the options that size work or memory, or that a model or backtest can make sense of
/// (README "Valid ranges").
enum OptionLimits {
    /// Series a `synth` run may write (`--count`).
    static let synthCount = 1...100_000
    /// Days of one synthetic series (`--length`): 32 days to 400 years.
    static let synthLength = 32...146_100
    /// Candidates per accepted series (`--max-attempts`).
    static let synthAttempts = 1...100_000
    /// Worker threads (`--threads`).
    static let threads = 1...256
    /// Mean block length of the bootstrap in days (`--block-length`).
    static let blockLength = 1.0...10_000.0
    /// `synth --min-fidelity` (the 0–100 fidelity score).
    static let fidelity = 0.0...100.0
    /// `synth --stress-quantile`.
    static let stressQuantile = OptionInterval.openClosed(0, 1)
    /// `demo-data --end-date` years.
    static let demoEndYear = 1950...2200
    /// `finetune` month and year counts and steps; `evaluate --oos-years`.
    static let windowMonths = 1...120
    static let years = 1...50
    static let trainMonths = 0...600
    static let epochs = 0...1_000
    static let stepsPerWindow = 0...1_000_000
    /// `finetune --guard-bars` (as `finetune.guard_bars`).
    static let guardBars = 1...2520
    /// `finetune --fall-back-significance` (as `finetune.fall_back_significance`, `WalkForwardOptions.isValidSignificance`).
    static let significance = OptionInterval.open(0, 1)
    /// `quickstart --oos-years` (the embedded demo holds five years after pre-training's start).
    static let quickstartYears = 1...4
    /// Optimizer steps of a pre-training (`--steps`, `--max-steps`).
    static let steps = 1...100_000_000
    /// Members of a deep ensemble (`pretrain --ensemble`).
    static let ensembleMembers = 1...64
    /// Steps between replica checksum checks under mpirun.
    static let replicaCheckEvery = 1...1_000_000
    /// Seconds one collective may wait under mpirun.
    static let collectiveTimeout = OptionInterval.openClosed(0, 86_400)
    /// MC-dropout passes per forecast (`--samples`).
    static let samples = 1...10_000
    /// Forecast steps ahead a rule trades on (`signals --horizon`; the model's own H is checked when it is loaded).
    static let horizon = 1...1_000
    /// Probability-like thresholds (`--confidence-threshold`).
    static let probability = 0.0...1.0
    /// Minimum expected log return of a trade (`--min-return`), a fraction.
    static let minReturn = 0.0...1.0
    /// Days (`--max-stale-days`, `--history-days`).
    static let days = 0...36_525
    static let historyDays = 1...36_525
    /// Rows listed (`runs --limit`) and writes of `runs write-load`.
    static let listLimit = 1...1_000_000
    static let writes = 1...100_000
    /// Drift window in bars and test level.
    static let driftWindow = 2...5_000
    static let driftLevel = OptionInterval.open(0, 1)
    /// TCP port (0 = any free port).
    static let port = 0...65_535
    /// Backtest: fraction of capital per position, label threshold, commission, stop/take-profit fractions,
    /// rates and slippage, the price-jump gate, the target trade rate.
    static let positionFraction = OptionInterval.openClosed(0, 1)
    static let labelThreshold = OptionInterval.closedOpen(0, 1)
    static let labelHorizon = 1...1_000
    static let commission = OptionInterval.closedOpen(0, 0.5)
    static let exitFraction = OptionInterval.open(0, 10)
    static let rate = 0.0...10.0
    static let slippageBps = 0.0...10_000.0
    static let capital = OptionInterval.openClosed(0, 1e15)
    static let trials = 1...100_000_000
    static let maxJump = OptionInterval.openClosed(1, 1e6)
    static let targetRate = OptionInterval.openClosed(0, 1)
}
