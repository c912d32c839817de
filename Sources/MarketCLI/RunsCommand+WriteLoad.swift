// `marketgpt runs write-load`: N registrations from one process, for measuring the registry under concurrent writers.
import ArgumentParser
import Foundation
import MarketOps

extension RunsCommand {
    /// Registers `--writes` runs (each `start` + `finish` = 2 write transactions, then archived: 3) as fast as it
    /// can and prints `{"runs", "transactions", "seconds", "transactions_per_s", "pid"}`. Start two or more at
    /// once on one registry to measure concurrent writers (WAL; each waits up to the busy time-out for the
    /// other): the two-process figure of the README. The rows are `backtest` runs named `write-load`, archived.
    struct WriteLoad: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "write-load",
            abstract: "Measure: register N archived `write-load` runs as fast as possible (run several at once on one registry).")
        @OptionGroup var options: RegistryOptions
        @Option(help: "Runs to register (1…100000).")
        var writes = 100

        func validate() throws {
            try requireOption("--writes", writes, in: OptionLimits.writes)
        }

        func run() throws {
            let registry = try options.open()
            let started = Date()
            do {
                for _ in 0..<writes {
                    let id = try registry.start(kind: .backtest, name: "write-load", codeVersion: MarketGPTVersion.string)
                    try registry.finish(id, status: .finished, metrics: ["write_load": 1])
                    try registry.archive(id)
                }
            } catch { throw DataCommandFailure("\(error)") }
            let seconds = Date().timeIntervalSince(started), transactions = 3 * writes
            print(String(format: #"{"runs":%d,"transactions":%d,"seconds":%.4f,"transactions_per_s":%.1f,"pid":%d}"#,
                         writes, transactions, seconds, Double(transactions) / seconds, getpid()))
        }
    }
}
