// The dashboard's page frame: title, navigation back to every page, the shared stylesheet and script (no CDN, offline).
import Foundation
import MarketSupport
import Hummingbird

/// Server-rendered HTML pages of the dashboard.
enum DashboardPage {
    /// The navigation links (path, label).
    static let navigation = [("/", "Overview"), ("/runs", "Runs"), ("/signals", "Signals"), ("/backtest", "Backtest"),
                             ("/synth", "Synth"), ("/docs", "API")]

    /// A full page: `<title>`, header with navigation (the way back from every page), `body`.
    static func render(title: String, active: String, body: String, script: String = "") -> String {
        let nav = navigation.map { path, label in
            "<a href=\"\(path)\"\(path == active ? " class=\"active\"" : "")>\(label)</a>"
        }.joined()
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title)) · MarketGPT</title><link rel="stylesheet" href="/static/style.css"></head>
            <body><header><a class="brand" href="/">MarketGPT</a><nav>\(nav)</nav></header>
            <main><h1>\(escape(title))</h1>
            \(body)
            </main>
            <script src="/static/app.js"></script>\(script.isEmpty ? "" : "<script>\(script)</script>")
            </body></html>
            """
    }

    /// An HTML response.
    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// HTML text escaping.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
