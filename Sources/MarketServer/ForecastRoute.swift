// POST /v1/forecast: strict request parsing, then the nightly signal rows of the date for the asked tickers.
import Foundation
import MarketSupport
import MarketData
import MarketSignals
import Hummingbird

/// `{tickers, date?, samples?, horizon?}` → per asset: mean and σ per horizon step, aleatoric and epistemic
/// σ, the signal with confidence and reason — the numbers of `marketgpt signals --date D --seed S` (the
/// whole universe is scored as that command scores it; see `ForecastService`).
enum ForecastRoute {
    /// The answer to `body`. When the request times out (or the server shuts down) the scoring is stopped
    /// (`Blocking.run` → `StopFlag`) rather than finished for nobody, so later forecasts do not queue behind it.
    static func answer(body: Data, state: ServerState) async throws -> Response {
        let query = try parse(body, maxSamples: state.config.maxSamples)
        let service = state.forecasts
        guard service.modelLoaded else { throw APIError.unavailable(service.modelProblem ?? "no model loaded") }
        for ticker in query.tickers where service.category(of: ticker) == nil {
            throw APIError.notFound("unknown ticker '\(ticker)': not in the served universe (see GET /v1/universe)")
        }
        guard let date = query.date ?? service.latestDate else { throw APIError.unavailable("the data folder holds no bars") }
        let rows: [SignalRecord]
        do {
            let (samples, horizon) = (query.samples, query.horizon)
            rows = try await Blocking.run(on: Blocking.serial) { try service.records(date: date, samples: samples, horizon: horizon) }
        } catch let error as SignalError {
            switch error {
            case .horizon: throw APIError.badRequest(error.description)
            case .noData: throw APIError.notFound(error.description)
            default: throw APIError.unavailable(error.description)
            }
        }
        let byTicker = Dictionary(rows.map { ($0.ticker, $0) }, uniquingKeysWith: { first, _ in first })
        let forecasts: [[String: Any]] = query.tickers.compactMap { byTicker[$0].map(json) }
        return try JSONBody.response([
            "date": CivilDate.isoString(date), "samples": query.samples ?? service.defaults.samples,
            "horizon": query.horizon ?? service.defaults.rule.horizon, "seed": NSNumber(value: service.defaults.seed),
            "forecasts": forecasts,
        ])
    }

    /// One asset's forecast object.
    static func json(_ row: SignalRecord) -> [String: Any] {
        ["ticker": row.ticker, "category": row.category, "signal": row.signal.rawValue,
         "confidence": JSONBody.number(row.confidence), "expected_return": JSONBody.number(row.expectedReturn),
         "mean": JSONBody.numbers(row.predMean), "sigma": JSONBody.numbers(row.predStd),
         "aleatoric_sigma": JSONBody.number(row.aleatoricStd), "epistemic_sigma": JSONBody.number(row.epistemicStd),
         "last_close": JSONBody.number(row.lastClose), "reason": row.reason, "zero_shot": row.zeroShot]
    }

    struct Query {
        var tickers: [String]
        var date: DayNumber?
        var samples: Int?
        var horizon: Int?
    }

    /// Parses the body strictly: a JSON object with known keys and bounded values (400 otherwise).
    static func parse(_ body: Data, maxSamples: Int) throws -> Query {
        guard let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else {
            throw APIError.badRequest("the body must be a JSON object {\"tickers\": [...], \"date\"?, \"samples\"?, \"horizon\"?}")
        }
        if let unknown = object.keys.sorted().first(where: { !["tickers", "date", "samples", "horizon"].contains($0) }) {
            throw APIError.badRequest("unknown key '\(unknown)' (allowed: tickers, date, samples, horizon)")
        }
        guard let tickers = object["tickers"] as? [String], (1...64).contains(tickers.count) else {
            throw APIError.badRequest("'tickers' must be an array of 1 to 64 ticker strings")
        }
        /// The typed view of the body: JSON `true` is no integer, `1.5` no integer, and so on.
        struct Typed: Decodable {
            var date: String?
            var samples: Int?
            var horizon: Int?
        }
        let typed: Typed
        do { typed = try JSONDecoder().decode(Typed.self, from: body) } catch let error as DecodingError {
            let key: String
            switch error {
            case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
                key = context.codingPath.first?.stringValue ?? "body"
            default: key = "body"
            }
            throw APIError.badRequest("'\(key)' has the wrong type (date: YYYY-MM-DD string; samples, horizon: integers)")
        }
        var query = Query(tickers: tickers)
        if let text = typed.date {
            guard text.count == 10, let day = CivilDate.parseISO(text) else { throw APIError.badRequest("'date' must be a YYYY-MM-DD string") }
            query.date = day
        }
        if let samples = typed.samples {
            guard (1...maxSamples).contains(samples) else { throw APIError.badRequest("'samples' must be an integer in 1...\(maxSamples)") }
            query.samples = samples
        }
        if let horizon = typed.horizon {
            guard (1...1000).contains(horizon) else { throw APIError.badRequest("'horizon' must be an integer in 1...1000") }
            query.horizon = horizon
        }
        return query
    }
}
