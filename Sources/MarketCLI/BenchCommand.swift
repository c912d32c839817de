// `marketgpt bench`: figures of this machine and build, as a table or one JSON object.
import ArgumentParser
import Foundation

/// One measured figure of `marketgpt bench`.
struct BenchFigure {
    /// Stable machine-readable name, e.g. `sgemm_gflops`.
    let name: String
    /// The measured value.
    let value: Double
    /// Unit shown in the table, e.g. `GFLOP/s`.
    let unit: String
    /// What the figure should reach (shown beside it), e.g. `>= 0.9 x sgemm`.
    let target: String
}

/// A group of benchmarks (one per module) that `marketgpt bench` runs in order.
struct BenchSuite {
    /// Short name used by `--only`.
    let name: String
    /// Runs the benchmarks and returns their figures.
    let run: () throws -> [BenchFigure]
}

/// Runs every benchmark suite and prints the figures.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure this machine and build (run it from a release build: swift run -c release marketgpt bench).")

    @Flag(help: "Print one JSON object of figures instead of a table.")
    var json = false

    @Option(help: "Run only these suites (comma separated).")
    var only: String?

    /// Every suite, in the order they run. Each module adds one line here and one `Bench+<Module>.swift` file.
    static let suites: [BenchSuite] = [
        .tensor,
        .model,
        .linear,
        .csv,
        .features,
        .synthetic,
        .baselines,
        .pretrain,
        .mpi,
        .backtest,
        .signals,
        .signalsHistory,
        .signalsRolling,
        .serve,
        .ops,
    ]

    /// The suites `--only` names, or nil for all of them.
    /// - Throws: `ValidationError` naming the first unknown suite and listing the known ones.
    func wantedSuites() throws -> Set<String>? {
        guard let only else { return nil }
        let names = only.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        let known = Self.suites.map(\.name)
        for name in names where !known.contains(name) {
            throw ValidationError("--only: unknown suite '\(name)'; the suites are \(known.joined(separator: ", "))")
        }
        return Set(names)
    }

    func validate() throws { _ = try wantedSuites() }

    func run() throws {
        let wanted = try wantedSuites()
        var figures: [BenchFigure] = []
        for suite in Self.suites where wanted?.contains(suite.name) ?? true {
            FileHandle.standardError.write(Data("bench: \(suite.name)…\n".utf8))
            figures += try suite.run()
        }
        if json {
            var object: [String: Double] = [:]
            for figure in figures { object[figure.name] = figure.value }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            let nameWidth = max(8, figures.map(\.name.count).max() ?? 0)
            print("figure".padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  value        unit        target")
            for figure in figures {
                let value = String(format: "%12.4g", figure.value)
                print(figure.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  " + value
                      + " " + figure.unit.padding(toLength: 11, withPad: " ", startingAt: 0) + " " + figure.target)
            }
        }
    }
}
