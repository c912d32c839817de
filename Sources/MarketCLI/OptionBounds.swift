// The one range check of a numeric command-line option: checked in `validate()`, before anything is allocated.
import ArgumentParser

/// Throws a usage error (exit 64) `--name must be in lo...hi, found v` unless `value` lies in `range`.
func requireOption<T: Comparable>(_ name: String, _ value: T, in range: ClosedRange<T>) throws {
    guard range.contains(value) else {
        throw ValidationError("\(name) must be in \(range.lowerBound)...\(range.upperBound), found \(value)")
    }
}

/// The bounds of the options that size work or memory (README "Valid ranges").
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
    /// `demo-data --end-date` years.
    static let demoEndYear = 1950...2200
    /// `finetune` month and year counts and steps.
    static let windowMonths = 1...120
    static let years = 1...50
    static let trainMonths = 0...600
    static let epochs = 0...1_000
    static let stepsPerWindow = 0...1_000_000
}
