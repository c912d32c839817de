// Downloads and merges every asset of a universe: bounded concurrency, a rate limit, retries with backoff.
import AsyncHTTPClient
import Foundation
import MarketData
import NIOCore
import NIOHTTP1
import MarketSupport

/// One asset to fetch.
public struct FetchTarget: Sendable {
    public var ticker: String
    public var category: String
    /// The asset's CSV (existing, or where a new one is created: `DATA/<category>/<ticker with = → _>.csv`).
    public var file: URL
    /// First day requested for a new file (or with `replace`).
    public var from: DayNumber

    public init(ticker: String, category: String, file: URL, from: DayNumber) {
        self.ticker = ticker
        self.category = category
        self.file = file
        self.from = from
    }

    /// The targets of `universe` under `dataDirectory`: existing files where the loader finds them, else
    /// `DATA/<category>/<name>.csv`; new files start at `from`, or `history_years` before `today`.
    public static func targets(of universe: Universe, dataDirectory: URL, from: DayNumber?, today: DayNumber) -> [FetchTarget] {
        universe.assets.map { entry in
            let category = universe.categories[entry.categoryID]
            let existing = UniverseLoader.file(for: entry.asset.ticker, category: category.name, in: dataDirectory)
            let file = existing ?? dataDirectory.appendingPathComponent(category.name)
                .appendingPathComponent(UniverseLoader.fileNames(for: entry.asset.ticker).last! + ".csv")
            let start = from ?? (today - DayNumber((category.historyYears * 365.2425).rounded()))
            return FetchTarget(ticker: entry.asset.ticker, category: category.name, file: file, from: start)
        }
    }
}

/// Spaces request starts at least `1 / rate` seconds apart (all tasks together).
actor RequestPacer {
    private let interval: Double
    private var next = 0.0

    init(ratePerSecond: Double) { interval = 1 / ratePerSecond }

    /// Waits for this request's slot.
    func wait() async {
        let now = monotonicSeconds()
        let slot = max(now, next)
        next = slot + interval
        if slot > now { try? await Task.sleep(nanoseconds: UInt64((slot - now) * 1e9)) }
    }
}

/// Fetches a universe: for each asset, the days after its file's last date (plus `overlap_days` to check
/// the past), merged by `BarMerge` and written atomically (temp file, load check, rename). A fault of
/// one asset never touches its file and never stops the others.
public final class PriceFetcher: @unchecked Sendable {
    public let settings: FetchSettings
    private let client: HTTPClient
    /// Progress lines (stderr by default); never receives the URL's query or any secret.
    private let log: @Sendable (String) -> Void

    public init(settings: FetchSettings, log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.settings = settings
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .milliseconds(Int64(min(settings.timeoutSeconds, 10) * 1000)),
                                      read: .milliseconds(Int64(settings.timeoutSeconds * 1000)))
        configuration.redirectConfiguration = .follow(max: 3, allowCycles: false)
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        self.log = log
    }

    /// Shuts the HTTP client down (call once, after the last `run`).
    public func shutdown() async {
        try? await client.shutdown()
    }

    /// Fetches every target (`replace`: download from `target.from` and replace the file instead of
    /// appending) up to `today`; results in target order.
    public func run(_ targets: [FetchTarget], today: DayNumber, replace: Bool = false) async -> FetchReport {
        let started = monotonicSeconds()
        let pacer = RequestPacer(ratePerSecond: settings.ratePerSecond)
        var results = [AssetFetchResult?](repeating: nil, count: targets.count)
        await withTaskGroup(of: (Int, AssetFetchResult).self) { group in
            var next = 0
            func launch() {
                guard next < targets.count else { return }
                let index = next
                next += 1
                group.addTask { (index, await self.fetch(targets[index], today: today, replace: replace, pacer: pacer)) }
            }
            for _ in 0..<min(settings.concurrency, targets.count) { launch() }
            while let (index, result) = await group.next() {
                results[index] = result
                if !result.status.isSuccess { log("fetch: \(result.ticker): \(result.status.rawValue) — \(result.detail ?? "")") }
                launch()
            }
        }
        return FetchReport(provider: settings.provider, assets: results.map { $0! }, seconds: monotonicSeconds() - started)
    }

    /// One asset: request (with retries), merge, write.
    func fetch(_ target: FetchTarget, today: DayNumber, replace: Bool, pacer: RequestPacer) async -> AssetFetchResult {
        var result = AssetFetchResult(ticker: target.ticker, category: target.category, file: target.file.relativePath,
                                      status: .failed, newRows: 0, nullRows: 0, lastDate: nil, attempts: 0, httpStatus: nil, detail: nil)
        let manager = FileManager.default
        var existing: Data?
        if !replace, manager.fileExists(atPath: target.file.path) {
            do { existing = try Data(contentsOf: target.file) } catch {
                result.detail = "cannot read \(target.file.path) (\(error.localizedDescription))"
                return result
            }
        }
        var from = target.from
        if let existing, let last = try? OHLCVCSV.parse(existing, file: target.file.path).series.dates.last {
            result.lastDate = CivilDate.isoString(last)
            if last >= today {
                result.status = .upToDate
                return result
            }
            from = last - DayNumber(settings.overlapDays)
        }
        let symbol = settings.provider.symbol(for: target.ticker, category: target.category)
        let url = settings.effectiveBaseURL + settings.provider.path(symbol: symbol, from: from, to: today)
        let body: Data
        switch await download(url, pacer: pacer, result: &result) {
        case .success(let data): body = data
        case .failure(let reason):
            result.detail = reason
            return result
        }
        var bars: [ProviderBar]
        do { bars = try settings.provider.parse(body) } catch {
            result.detail = "\(error)"
            return result
        }
        // Stooq sends the whole history: only the requested days count (the overlap and after).
        bars = bars.filter { $0.date <= today && $0.date >= from }
        let merged = BarMerge.merge(existing: existing, file: target.file.path, bars: bars, historyTolerance: settings.historyTolerance)
        result.status = merged.status
        result.newRows = merged.newRows
        result.nullRows = merged.nullRows
        result.detail = merged.detail
        if let last = merged.lastDate { result.lastDate = CivilDate.isoString(last) }
        if let data = merged.data {
            do {
                try AtomicFile.write(data, to: target.file)
            } catch {
                result.status = .failed
                result.detail = "cannot write \(target.file.path) (\(error.localizedDescription))"
            }
        }
        return result
    }

    enum Download { case success(Data), failure(String) }

    /// GETs `url` with retries on 429, 5xx, time-outs and connection errors; other 4xx fail at once.
    func download(_ url: String, pacer: RequestPacer, result: inout AssetFetchResult) async -> Download {
        var lastReason = ""
        var retryAfter: Double?
        for attempt in 0...settings.retries {
            if attempt > 0 {
                try? await Task.sleep(nanoseconds: UInt64(backoffSeconds(attempt: attempt, retryAfter: retryAfter) * 1e9))
            }
            retryAfter = nil
            await pacer.wait()
            result.attempts += 1
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "User-Agent", value: "marketgpt-fetch/1")
            request.headers.add(name: "Accept", value: "application/json, text/csv, */*")
            do {
                let response = try await client.execute(request, timeout: .milliseconds(Int64(settings.timeoutSeconds * 1000)))
                let code = Int(response.status.code)
                result.httpStatus = code
                if code == 429 || code >= 500 {
                    lastReason = "HTTP \(code) after \(result.attempts) attempts"
                    retryAfter = response.headers.first(name: "Retry-After").flatMap { Double($0) }
                    _ = try? await response.body.collect(upTo: 1 << 20)
                    continue
                }
                let buffer = try await response.body.collect(upTo: settings.maxBodyBytes)
                let data = Data(buffer.readableBytesView)
                guard (200..<300).contains(code) else {
                    // Yahoo answers 404 with an error object naming the reason: show it.
                    var described = ""
                    do { _ = try settings.provider.parse(data) } catch { described = " (\(error))" }
                    return .failure("HTTP \(code)\(described)")
                }
                return .success(data)
            } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
                lastReason = "time-out after \(result.attempts) attempts"
            } catch is NIOTooManyBytesError {
                return .failure("answer larger than max_body_bytes (\(settings.maxBodyBytes))")
            } catch {
                lastReason = "\(error) after \(result.attempts) attempts"
            }
        }
        return .failure(lastReason)
    }

    /// Backoff before retry `attempt` (1-based): base × 2^(attempt−1) ± 20 %, or the server's
    /// `Retry-After` when larger, capped at 30 s.
    func backoffSeconds(attempt: Int, retryAfter: Double?) -> Double {
        let base = Double(settings.retryBaseMilliseconds) / 1000 * pow(2, Double(attempt - 1))
        let jitter = 1 + 0.2 * (Double((attempt * 7919) % 11) / 5 - 1)
        return min(30, max(base * jitter, retryAfter ?? 0))
    }
}

