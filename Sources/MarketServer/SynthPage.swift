// Dashboard page of synthetic data: upload form, live progress bar (SSE, polling fallback), download links, job list.
import Foundation
import MarketSupport

enum SynthPage {
    static func render(_ state: ServerState) -> String {
        let body = """
            <div class="card"><p class="muted">Upload a daily OHLCV CSV (Date,Open,High,Low,Close,Volume[,Adj Close]); the server
            keeps <em>count</em> block-bootstrap series whose fidelity reaches the minimum — the same series as
            <code>marketgpt synth</code> with the same seed.</p>
            <form id="synth-form" class="synth" enctype="multipart/form-data">
              <label>CSV file <input type="file" name="file" id="synth-file" accept=".csv,text/csv" required></label>
              <label>count <input type="number" name="count" value="10" min="1" max="1000"></label>
              <label>min fidelity <input type="number" name="min_fidelity" value="90" min="0" max="100" step="0.5"></label>
              <label>seed <input type="number" name="seed" value="42" min="0"></label>
              <label>length (days, empty = source) <input type="number" name="length" min="32"></label>
              <label>method <select name="method"><option>stationary</option><option>circular</option></select></label>
              <button type="submit" id="synth-submit">Start job</button>
            </form></div>
            <div class="card"><h2>Job <span id="job-id" class="muted"></span></h2>
              <progress id="progress" value="0" max="1"></progress>
              <p id="job-status" class="muted">No job started on this page.</p><p id="job-links"></p></div>
            <div class="card"><h2>All jobs</h2><table id="jobs"><thead><tr><th>id</th><th>file</th><th>state</th><th>kept</th>
              <th>tried</th><th>fidelity</th><th>results</th></tr></thead><tbody id="jobs-body"></tbody></table></div>
            """
        return DashboardPage.render(title: "Synthetic data", active: "/synth", body: body, script: "MarketGPT.synth();")
    }
}
