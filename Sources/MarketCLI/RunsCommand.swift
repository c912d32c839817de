// `marketgpt runs`: the run registry (runs/registry.sqlite) — list, show, compare, promote, archive.
import ArgumentParser
import Foundation
import MarketOps

/// The run registry's subcommands. Every one takes `--registry FILE` and `--json`.
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "The run registry (runs/registry.sqlite): list, show, compare, promote and archive runs.",
        discussion: """
            Every pretrain, finetune, experiment, signals, backtest and nightly run registers itself (id, kind, status, \
            times, config and universe hashes, seed, code version, metrics, artefacts, checkpoint hash). A run whose \
            process died shows as failed the next time the registry is opened. `promote RUN --category K --stage \
            production` makes the run's checkpoint the model of K for the nightly run and the server.
            """,
        subcommands: [List.self, Show.self, Compare.self, Promote.self, Archive.self, WriteLoad.self])

    struct RegistryOptions: ParsableArguments {
        @Option(help: "The registry database (default runs/registry.sqlite).")
        var registry: String = RunRegistry.defaultPath

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        func open() throws -> RunRegistry {
            do { return try RunRegistry(url: URL(fileURLWithPath: registry)) } catch {
                throw DataCommandFailure("\(error)")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Runs, newest first, and the current promotions.")
        @OptionGroup var options: RegistryOptions
        @Option(help: "Only runs of this kind (pretrain, finetune, experiment, signals, backtest, nightly).")
        var kind: String?
        @Option(help: "Only runs with this status (running, finished, failed).")
        var status: String?
        @Flag(help: "Include archived runs.")
        var all = false
        @Option(help: "At most this many runs (default 50).")
        var limit = 50

        func validate() throws {
            if let kind, RunKind(rawValue: kind) == nil { throw ValidationError("--kind must be one of \(RunKind.allCases.map(\.rawValue).joined(separator: ", "))") }
            if let status, RunStatus(rawValue: status) == nil { throw ValidationError("--status must be running, finished or failed") }
            try requireOption("--limit", limit, in: OptionLimits.listLimit)
        }

        func run() throws {
            let registry = try options.open()
            let runs: [RunRecord], promotions: [Promotion]
            do {
                runs = try registry.runs(kind: kind.flatMap(RunKind.init), status: status.flatMap(RunStatus.init), includeArchived: all, limit: limit)
                promotions = try registry.promotions()
            } catch { throw DataCommandFailure("\(error)") }
            if options.json {
                print(try RunsFormat.json(RunsFormat.Listing(runs: runs, promotions: promotions)))
                return
            }
            print("id                                 kind        status    started                   seconds  metrics")
            for run in runs {
                let metrics = run.metrics.keys.sorted().prefix(4).map { "\($0)=\(RunsFormat.number(run.metrics[$0]!))" }.joined(separator: " ")
                print(run.id.padding(toLength: 35, withPad: " ", startingAt: 0) + run.kind.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)
                      + run.status.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0) + run.startedAt.prefix(19).padding(toLength: 26, withPad: " ", startingAt: 0)
                      + RunsFormat.duration(run).padding(toLength: 9, withPad: " ", startingAt: 0) + metrics)
            }
            if !promotions.isEmpty {
                print("\npromotions:")
                for p in promotions { print("  \(p.category) \(p.stage.rawValue): \(p.checkpointPath) (run \(p.runID), hash \(p.checkpointHash ?? "-"), \(p.promotedAt))") }
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One run in full.")
        @OptionGroup var options: RegistryOptions
        @Argument(help: "Run id (or a unique prefix).")
        var id: String

        func run() throws {
            let record: RunRecord
            do { record = try options.open().run(id) } catch { throw DataCommandFailure("\(error)") }
            if options.json { print(try RunsFormat.json(record)); return }
            print(try RunsFormat.json(record, pretty: true))
        }
    }

    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Metrics and settings of several runs side by side.")
        @OptionGroup var options: RegistryOptions
        @Argument(help: "Two or more run ids (or unique prefixes).")
        var ids: [String]

        func validate() throws { if ids.count < 2 { throw ValidationError("give at least two run ids") } }

        func run() throws {
            let registry = try options.open()
            let records: [RunRecord]
            do { records = try ids.map { try registry.run($0) } } catch { throw DataCommandFailure("\(error)") }
            let names = Array(Set(records.flatMap { $0.metrics.keys })).sorted()
            if options.json {
                var rows: [[String: String]] = []
                for name in names {
                    var row = ["metric": name]
                    for r in records { row[r.id] = r.metrics[name].map(RunsFormat.number) ?? "" }
                    rows.append(row)
                }
                print(try RunsFormat.json(RunsFormat.Comparison(runs: records, metrics: rows)))
                return
            }
            let width = 24
            print("".padding(toLength: 22, withPad: " ", startingAt: 0) + records.map { $0.id.suffix(width - 1).padding(toLength: width, withPad: " ", startingAt: 0) }.joined())
            func line(_ label: String, _ values: [String]) {
                print(label.padding(toLength: 22, withPad: " ", startingAt: 0) + values.map { $0.prefix(width - 1).padding(toLength: width, withPad: " ", startingAt: 0) }.joined())
            }
            line("kind", records.map(\.kind.rawValue))
            line("status", records.map(\.status.rawValue))
            line("config_hash", records.map { $0.configHash ?? "-" })
            line("universe_hash", records.map { $0.universeHash ?? "-" })
            line("seed", records.map { $0.seed.map(String.init) ?? "-" })
            line("code_version", records.map(\.codeVersion))
            line("checkpoint_hash", records.map { $0.checkpointHash ?? "-" })
            for name in names { line(name, records.map { $0.metrics[name].map(RunsFormat.number) ?? "-" }) }
        }
    }

    struct Promote: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a finished run's checkpoint the model of a category at a stage.")
        @OptionGroup var options: RegistryOptions
        @Argument(help: "Run id (or a unique prefix).")
        var id: String
        @Option(help: "The category it serves (e.g. us_stocks).")
        var category: String
        @Option(help: "production or staging.")
        var stage: String = "production"

        func validate() throws {
            if PromotionStage(rawValue: stage) == nil { throw ValidationError("--stage must be production or staging") }
            if category.isEmpty { throw ValidationError("--category must name a category") }
        }

        func run() throws {
            let promotion: Promotion
            do {
                promotion = try options.open().promote(id, category: category, stage: PromotionStage(rawValue: stage)!,
                                                       contentHash: { try ContentDigest.checkpointHash($0) })
            } catch { throw DataCommandFailure("\(error)") }
            if options.json { print(try RunsFormat.json(promotion)); return }
            print("promoted: \(promotion.checkpointPath) (run \(promotion.runID)) is the \(promotion.stage.rawValue) model of \(promotion.category)")
        }
    }

    struct Archive: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Hide a run from `runs list` (the row is kept; --all shows it).")
        @OptionGroup var options: RegistryOptions
        @Argument(help: "Run id (or a unique prefix).")
        var id: String

        func run() throws {
            let registry = try options.open()
            let record: RunRecord
            do { record = try registry.run(id); try registry.archive(record.id) } catch { throw DataCommandFailure("\(error)") }
            if options.json { print(#"{"archived":"\#(record.id)"}"#); return }
            print("archived: \(record.id)")
        }
    }
}

/// Formatting shared by the `runs` subcommands.
enum RunsFormat {
    /// `runs list --json`.
    struct Listing: Encodable { var runs: [RunRecord]; var promotions: [Promotion] }
    /// `runs compare --json`: the runs and one row per metric (`metric` + run id → value).
    struct Comparison: Encodable { var runs: [RunRecord]; var metrics: [[String: String]] }

    static func json<T: Encodable>(_ value: T, pretty: Bool = false) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e12 ? String(Int64(value)) : String(format: "%.6g", value)
    }

    /// Seconds between start and end ("-" while running).
    static func duration(_ run: RunRecord) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard let end = run.endedAt.flatMap(formatter.date), let start = formatter.date(from: run.startedAt) else { return "-" }
        return String(format: "%.1f", end.timeIntervalSince(start))
    }
}

