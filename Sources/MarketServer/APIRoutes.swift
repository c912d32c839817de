// The read-only JSON API: /health, /openapi.json, /docs, universe, forecast, signals, runs, backtests.
import Foundation
import MarketSupport
import Hummingbird
import MarketData

/// Registers the JSON API routes (the synth jobs are in `SynthRoutes`).
enum APIRoutes {
    static func add(to router: Router<ServeRequestContext>, state: ServerState) {
        router.get("/health") { _, _ -> Response in
            try JSONBody.response(["status": "ok", "version": state.version, "model_loaded": state.forecasts.modelLoaded,
                                   "uptime_s": (state.uptime * 1000).rounded() / 1000,
                                   "model_problem": state.forecasts.modelProblem ?? NSNull(),
                                   "models": state.forecasts.served.map(\.json),
                                   "registry": state.forecasts.registryURL == nil ? NSNull() : state.config.registry as Any,
                                   "registry_problems": state.forecasts.registryProblems,
                                   "warming": state.forecasts.warmup.state == "warming", "warmup": state.forecasts.warmup.json])
        }
        let openAPI = Data(OpenAPIDocument.json(version: state.version).utf8)
        router.get("/openapi.json") { _, _ -> Response in JSONBody.raw(openAPI) }
        router.get("/docs") { _, _ -> Response in DashboardPage.html(DocsPage.render()) }
        router.get("/v1/universe") { _, _ -> Response in try universe(state) }
        router.post("/v1/forecast") { request, context -> Response in
            let body = try await request.body.collect(upTo: state.config.bodyLimitBytes)
            return try await ForecastRoute.answer(body: Data(buffer: body), state: state)
        }
        router.get("/v1/signals/latest") { _, _ -> Response in
            try await Blocking.run { try RunFiles.signals(state: state, date: nil) }
        }
        router.get("/v1/signals/:date") { _, context -> Response in
            let date = try context.parameters.require("date")
            return try await Blocking.run { try RunFiles.signals(state: state, date: date) }
        }
        router.get("/v1/runs") { _, _ -> Response in try await Blocking.run { try RunFiles.runs(state: state) } }
        router.get("/v1/runs/:run") { _, context -> Response in
            let run = try context.parameters.require("run")
            return try await Blocking.run { try RunFiles.run(state: state, name: run) }
        }
        router.get("/v1/backtests/:run") { _, context -> Response in
            let run = try context.parameters.require("run")
            return try await Blocking.run { try RunFiles.backtest(state: state, name: run) }
        }
    }

    /// `GET /v1/universe`: every asset with category, coverage status, rows and dates (from the load at start).
    static func universe(_ state: ServerState) throws -> Response {
        guard let loaded = state.forecasts.loaded else {
            throw APIError.unavailable(state.forecasts.modelProblem ?? "no universe loaded")
        }
        let assets: [[String: Any]] = loaded.assets.map { asset in
            let real = asset.real
            return ["ticker": asset.asset.ticker, "name": asset.asset.name, "group": asset.asset.group,
                    "category": loaded.universe.categories[asset.categoryID].name, "status": asset.status.rawValue,
                    "rows": real?.count ?? 0,
                    "first_date": real?.dates.first.map(CivilDate.isoString) ?? NSNull(),
                    "last_date": real?.dates.last.map(CivilDate.isoString) ?? NSNull(),
                    "gaps": asset.gapDates.count, "filled_bars": asset.filledBars]
        }
        return try JSONBody.response(["name": loaded.universe.name, "assets": assets])
    }
}
