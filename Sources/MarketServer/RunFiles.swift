// Reading what runs left on disk: signal files, metrics logs, evaluation reports, backtests — names validated.
import Foundation
import MarketSupport
import Hummingbird
import MarketData

/// The file-backed answers of `/v1/signals`, `/v1/runs` and `/v1/backtests`, and the data the dashboard draws.
enum RunFiles {
    /// Largest number of metrics rows returned (longer logs are thinned evenly, evaluation rows always kept).
    static let maxMetricRows = 2000

    // MARK: signals

    /// The signal files (`YYYY-MM-DD.csv`) of the served run, oldest first.
    static func signalDates(state: ServerState) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: state.signalsRoot.path)) ?? []
        return names.filter { $0.hasSuffix(".csv") && isDate(String($0.dropLast(4))) }.map { String($0.dropLast(4)) }.sorted()
    }

    /// A strict `YYYY-MM-DD`.
    static func isDate(_ text: String) -> Bool { text.count == 10 && CivilDate.parseISO(text) != nil && !text.contains("/") }

    /// The rows of the signal file of `date` (nil: the latest); 400 for a malformed date, 404 when absent.
    static func signalRecords(state: ServerState, date: String?) throws -> (date: String, file: String, rows: [SignalRecord]) {
        let chosen: String
        if let date {
            guard isDate(date) else { throw APIError.badRequest("date must be YYYY-MM-DD, found '\(date.prefix(40))'") }
            chosen = date
        } else {
            guard let latest = signalDates(state: state).last else {
                throw APIError.notFound("\(state.config.signalsPath): no signal file (run `marketgpt signals` or the quickstart)")
            }
            chosen = latest
        }
        guard let url = ServerPaths.child(state.signalsRoot, chosen + ".csv"), FileManager.default.fileExists(atPath: url.path) else {
            throw APIError.notFound("no signal file for \(chosen) in \(state.config.signalsPath)")
        }
        do {
            return (chosen, "\(state.config.signalsPath)/\(chosen).csv", try SignalFile.readFile(url))
        } catch let error as DataError {
            throw APIError.unprocessable(error.description)
        }
    }

    static func signals(state: ServerState, date: String?) throws -> Response {
        let (day, file, rows) = try signalRecords(state: state, date: date)
        return try JSONBody.response(["date": day, "file": file, "signals": rows.map(signalJSON)])
    }

    static func signalJSON(_ row: SignalRecord) -> [String: Any] {
        ["date": CivilDate.isoString(row.date), "ticker": row.ticker, "category": row.category, "signal": row.signal.rawValue,
         "confidence": JSONBody.number(row.confidence), "expected_return": JSONBody.number(row.expectedReturn),
         "pred_mean": JSONBody.numbers(row.predMean), "pred_std": JSONBody.numbers(row.predStd),
         "epistemic_std": JSONBody.number(row.epistemicStd), "aleatoric_std": JSONBody.number(row.aleatoricStd),
         "last_close": JSONBody.number(row.lastClose), "reason": row.reason]
    }

    // MARK: runs

    /// The run folders (every sub-folder of `runs/` but `serve`), sorted by name.
    static func runNames(state: ServerState) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: state.runsRoot.path)) ?? []
        return names.filter { $0 != "serve" && ServerPaths.isSafeName($0) && ServerPaths.isDirectory(state.runsRoot.appendingPathComponent($0)) }.sorted()
    }

    /// The folder of run `name`: 400 for a malformed name, 404 when absent.
    static func runFolder(state: ServerState, name: String) throws -> URL {
        guard ServerPaths.isSafeName(name), name != "serve" else { throw APIError.badRequest("run must be a plain folder name, found '\(name.prefix(40))'") }
        guard let url = ServerPaths.child(state.runsRoot, name), ServerPaths.isDirectory(url) else {
            throw APIError.notFound("no run '\(name)' in \(state.config.runs)")
        }
        return url
    }

    /// The evaluation report of a run: `report.json`, else the newest `evaluation_*.json`.
    static func evaluationFile(_ folder: URL) -> URL? {
        let report = folder.appendingPathComponent("report.json")
        if FileManager.default.fileExists(atPath: report.path) { return report }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { $0.hasPrefix("evaluation_") && $0.hasSuffix(".json") }.sorted()
        return names.last.map { folder.appendingPathComponent($0) }
    }

    static func runs(state: ServerState) throws -> Response {
        let runs: [[String: Any]] = runNames(state: state).map { name in
            let folder = state.runsRoot.appendingPathComponent(name)
            let modified = (try? FileManager.default.attributesOfItem(atPath: folder.path)[.modificationDate] as? Date).flatMap { $0 }
            return ["name": name,
                    "metrics": FileManager.default.fileExists(atPath: folder.appendingPathComponent("metrics.jsonl").path),
                    "evaluation": evaluationFile(folder) != nil,
                    "backtest": FileManager.default.fileExists(atPath: folder.appendingPathComponent("backtest/metrics.json").path),
                    "signals": ServerPaths.isDirectory(folder.appendingPathComponent("signals")),
                    "modified": modified.map { ISO8601DateFormatter().string(from: $0) } ?? NSNull()]
        }
        return try JSONBody.response(["runs": runs])
    }

    /// The rows of `metrics.jsonl` (at most `maxMetricRows`, evenly thinned; rows with `val_loss` kept).
    static func metrics(_ folder: URL) -> [[String: Any]] {
        guard let text = try? String(contentsOf: folder.appendingPathComponent("metrics.jsonl"), encoding: .utf8) else { return [] }
        let rows = text.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
        guard rows.count > maxMetricRows else { return rows }
        let stride = Double(rows.count) / Double(maxMetricRows)
        var keep = Set((0..<maxMetricRows).map { Int(Double($0) * stride) })
        keep.insert(rows.count - 1)
        return rows.enumerated().filter { keep.contains($0.offset) || $0.element["val_loss"] != nil }.map(\.element)
    }

    static func run(state: ServerState, name: String) throws -> Response {
        let folder = try runFolder(state: state, name: name)
        let config = ["config.yaml", "universe.yaml"].lazy.compactMap { try? String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8) }.first
        return try JSONBody.response([
            "name": name, "metrics": metrics(folder),
            "evaluation": evaluationFile(folder).flatMap(JSONBody.readFile) ?? NSNull(),
            "summary": JSONBody.readFile(folder.appendingPathComponent("summary.json")) ?? NSNull(),
            "config": config ?? NSNull(),
        ])
    }

    // MARK: backtests

    /// A CSV file as objects keyed by its header (numbers parsed where they parse).
    static func csvObjects(_ url: URL, limit: Int = 100_000) -> [[String: Any]] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        var lines = text.split(whereSeparator: \.isNewline).map(String.init)
        guard !lines.isEmpty else { return [] }
        let header = lines.removeFirst().split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        return lines.prefix(limit).map { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            var object: [String: Any] = [:]
            for (index, key) in header.enumerated() {
                let field = index < fields.count ? fields[index] : ""
                if let number = Double(field), number.isFinite, !isDate(field) { object[key] = number } else { object[key] = field }
            }
            return object
        }
    }

    static func backtest(state: ServerState, name: String) throws -> Response {
        let folder = try runFolder(state: state, name: name).appendingPathComponent("backtest")
        guard let metrics = JSONBody.readFile(folder.appendingPathComponent("metrics.json")) as? [String: Any] else {
            throw APIError.notFound("run '\(name)' has no backtest (backtest/metrics.json)")
        }
        return try JSONBody.response(["run": name, "metrics": metrics,
                                      "equity": csvObjects(folder.appendingPathComponent("equity.csv")),
                                      "trades": csvObjects(folder.appendingPathComponent("trades.csv"))])
    }
}
