// GET /docs: the OpenAPI document rendered as a readable page by a little script (no CDN: works offline).
import Foundation
import MarketSupport

enum DocsPage {
    static func render() -> String {
        DashboardPage.render(title: "API reference", active: "/docs", body: """
            <p>The JSON API under <code>/v1</code>, described by the OpenAPI 3.1 document at
            <a href="/openapi.json">/openapi.json</a> (load it into any OpenAPI tool). Errors are
            <code>{"error", "detail"}</code>; mutating endpoints need <code>Authorization: Bearer &lt;token&gt;</code>
            when the server is bound to a non-loopback address.</p>
            <div id="operations" class="operations" data-loading="1">Loading /openapi.json…</div>
            """, script: "MarketGPT.docs();")
    }
}
