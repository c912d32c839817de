// The dashboard's routes: HTML pages rendered on the server from the same files and calls as the API.
import Foundation
import MarketSupport
import Hummingbird

enum DashboardRoutes {
    static func add(to router: Router<ServeRequestContext>, state: ServerState) {
        router.get("/static/style.css") { _, _ -> Response in
            JSONBody.raw(Data(DashboardAssets.css.utf8), contentType: "text/css; charset=utf-8")
        }
        router.get("/static/app.js") { _, _ -> Response in
            JSONBody.raw(Data(DashboardAssets.javascript.utf8), contentType: "text/javascript; charset=utf-8")
        }
        router.get("/favicon.ico") { _, _ -> Response in Response(status: .noContent) }
        router.get("/") { _, _ -> Response in try await page { OverviewPage.render(state) } }
        router.get("/runs") { _, _ -> Response in try await page { RunPages.list(state) } }
        router.get("/runs/:run") { _, context -> Response in
            let run = try context.parameters.require("run")
            return try await page { try RunPages.run(state, name: run) }
        }
        router.get("/evaluation/:run") { _, context -> Response in
            let run = try context.parameters.require("run")
            return try await page { try EvaluationPage.render(state, name: run) }
        }
        router.get("/signals") { request, _ -> Response in
            let date = request.uri.queryParameters.get("date")
            return try await page { try SignalPages.table(state, date: date) }
        }
        router.get("/signals/:ticker") { request, context -> Response in
            let ticker = try context.parameters.require("ticker")
            let date = request.uri.queryParameters.get("date")
            return try await page { try SignalPages.fan(state, ticker: ticker, date: date) }
        }
        router.get("/backtest") { request, _ -> Response in
            let run = request.uri.queryParameters.get("run") ?? state.config.run
            return try await page { try BacktestPage.render(state, name: run) }
        }
        router.get("/synth") { _, _ -> Response in DashboardPage.html(SynthPage.render(state)) }
    }

    /// Renders a page off the event loop; an `APIError` becomes an HTML page with its status and a way back.
    static func page(_ render: @escaping () throws -> String) async throws -> Response {
        do {
            return DashboardPage.html(try await Blocking.run(render))
        } catch let error as APIError {
            let body = "<div class=\"card\"><p class=\"error\">\(DashboardPage.escape(error.detail))</p><p><a href=\"/\">Back to the overview</a></p></div>"
            return DashboardPage.html(DashboardPage.render(title: error.status == .notFound ? "Not found" : "Error", active: "", body: body),
                                      status: error.status)
        }
    }
}
