// The dashboard's stylesheet and script, served from memory at /static/ (vanilla JS, no build step, no CDN).
import Foundation
import MarketSupport

enum DashboardAssets {
    static let css = """
        :root { --fg: #1d2330; --muted: #5b6475; --line: #d9dee7; --accent: #1f5fbf; --bg: #f6f7f9; --buy: #157a3c; --sell: #b3261e; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
        header { display: flex; align-items: center; gap: 24px; padding: 10px 24px; background: #fff; border-bottom: 1px solid var(--line); }
        header .brand { font-weight: 700; color: var(--fg); text-decoration: none; }
        nav a { margin-right: 14px; color: var(--muted); text-decoration: none; }
        nav a.active, nav a:hover { color: var(--accent); }
        main { max-width: 1200px; margin: 0 auto; padding: 12px 24px 48px; }
        h1 { font-size: 22px; margin: 12px 0 16px; } h2 { font-size: 17px; margin: 24px 0 8px; }
        .card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 14px 16px; margin: 12px 0; overflow-x: auto; }
        .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: 12px; }
        .figure { font-size: 22px; font-weight: 600; } .label { color: var(--muted); font-size: 13px; }
        table { border-collapse: collapse; width: 100%; font-size: 13.5px; }
        th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
        th { background: #fafbfc; position: sticky; top: 0; }
        table.sortable th { cursor: pointer; user-select: none; } table.sortable th:hover { color: var(--accent); }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        .BUY { color: var(--buy); font-weight: 600; } .SELL { color: var(--sell); font-weight: 600; } .HOLD { color: var(--muted); }
        .chart svg { width: 100%; height: auto; display: block; }
        .filters { display: flex; gap: 16px; align-items: center; margin: 8px 0; flex-wrap: wrap; }
        .muted { color: var(--muted); } .error { color: var(--sell); }
        progress { width: 100%; height: 18px; }
        pre { background: #fafbfc; border: 1px solid var(--line); padding: 10px; overflow-x: auto; font-size: 12.5px; }
        form.synth { display: grid; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr)); gap: 10px; align-items: end; }
        form.synth label { display: flex; flex-direction: column; font-size: 13px; color: var(--muted); }
        button { background: var(--accent); color: #fff; border: 0; border-radius: 4px; padding: 7px 14px; cursor: pointer; font-size: 14px; }
        .op { border-left: 3px solid var(--accent); padding: 4px 10px; margin: 8px 0; background: #fff; }
        .method { font-weight: 700; text-transform: uppercase; margin-right: 8px; }
        """

    static let javascript = #"""
        "use strict";
        // MarketGPT dashboard: sortable tables, filters, the synth upload with live progress, the API page.
        const MarketGPT = {
          text(value) { return value === null || value === undefined ? "" : String(value); },
          el(tag, attrs, children) {
            const node = document.createElement(tag);
            for (const [key, value] of Object.entries(attrs || {})) {
              if (key === "text") node.textContent = value; else node.setAttribute(key, value);
            }
            for (const child of children || []) node.appendChild(child);
            return node;
          },
          sortable() {
            document.querySelectorAll("table.sortable").forEach(table => {
              table.querySelectorAll("th").forEach((th, column) => {
                th.addEventListener("click", () => {
                  const body = table.tBodies[0];
                  const ascending = th.dataset.order !== "asc";
                  table.querySelectorAll("th").forEach(other => delete other.dataset.order);
                  th.dataset.order = ascending ? "asc" : "desc";
                  const rows = Array.from(body.rows);
                  const key = row => {
                    const cell = row.cells[column];
                    const raw = cell.dataset.value !== undefined ? cell.dataset.value : cell.textContent;
                    const number = parseFloat(raw);
                    return isNaN(number) ? raw.toLowerCase() : number;
                  };
                  rows.sort((a, b) => { const x = key(a), y = key(b); return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1); });
                  rows.forEach(row => body.appendChild(row));
                });
              });
            });
          },
          filters() {
            const selects = document.querySelectorAll("select[data-filter]");
            if (!selects.length) return;
            const apply = () => {
              const wanted = {};
              selects.forEach(select => { wanted[select.dataset.filter] = select.value; });
              let shown = 0;
              document.querySelectorAll("tr[data-category]").forEach(row => {
                const visible = Object.entries(wanted).every(([key, value]) => !value || row.dataset[key] === value);
                row.style.display = visible ? "" : "none";
                if (visible) shown += 1;
              });
              const count = document.getElementById("shown");
              if (count) count.textContent = shown;
            };
            selects.forEach(select => select.addEventListener("change", apply));
            apply();
          },
          async docs() {
            const target = document.getElementById("operations");
            const response = await fetch("/openapi.json");
            const doc = await response.json();
            target.textContent = "";
            for (const [path, item] of Object.entries(doc.paths)) {
              for (const [method, op] of Object.entries(item)) {
                const params = (op.parameters || []).map(p => p.$ref ? p.$ref.split("/").pop() : p.name).join(", ");
                target.appendChild(MarketGPT.el("div", {class: "op"}, [
                  MarketGPT.el("span", {class: "method", text: method}),
                  MarketGPT.el("code", {text: path}),
                  MarketGPT.el("div", {class: "muted", text: op.summary + (params ? " — parameters: " + params : "")}),
                ]));
              }
            }
            target.dataset.loading = "0";
            target.dataset.count = String(target.children.length);
          },
          jobRow(job) {
            const links = job.state === "done"
              ? [MarketGPT.el("a", {href: job.results.zip, text: "CSV zip"}), document.createTextNode(" · "),
                 MarketGPT.el("a", {href: job.results.xlsx_zip, text: "Excel zip"})]
              : [document.createTextNode(MarketGPT.text(job.error))];
            const fidelity = job.fidelity.length ? Math.min(...job.fidelity).toFixed(1) + "–" + Math.max(...job.fidelity).toFixed(1) : "";
            return MarketGPT.el("tr", {"data-job": job.id}, [
              MarketGPT.el("td", {text: job.id.slice(0, 8)}), MarketGPT.el("td", {text: job.parameters.source_name}),
              MarketGPT.el("td", {class: job.state, text: job.state}),
              MarketGPT.el("td", {class: "num", text: job.progress.accepted + " / " + job.progress.count}),
              MarketGPT.el("td", {class: "num", text: String(job.progress.candidates_tried)}),
              MarketGPT.el("td", {text: fidelity}), MarketGPT.el("td", {}, links),
            ]);
          },
          async refreshJobs() {
            const body = document.getElementById("jobs-body");
            if (!body) return;
            const response = await fetch("/v1/synth/jobs");
            const data = await response.json();
            body.textContent = "";
            data.jobs.forEach(job => body.appendChild(MarketGPT.jobRow(job)));
            document.getElementById("jobs").dataset.loaded = "1";
          },
          showJob(job) {
            const bar = document.getElementById("progress");
            const status = document.getElementById("job-status");
            bar.value = job.progress.fraction;
            const eta = job.progress.eta_s === null ? "" : " · ETA " + job.progress.eta_s.toFixed(1) + " s";
            status.textContent = job.state + " · " + job.progress.accepted + "/" + job.progress.count + " series kept · "
              + job.progress.candidates_tried + " candidates tried" + eta + (job.error ? " · " + job.error : "");
            status.dataset.state = job.state;
            const links = document.getElementById("job-links");
            links.textContent = "";
            if (job.state === "done") {
              links.appendChild(MarketGPT.el("a", {href: job.results.zip, id: "download-zip", text: "Download CSV + report (zip)"}));
              links.appendChild(document.createTextNode(" · "));
              links.appendChild(MarketGPT.el("a", {href: job.results.xlsx_zip, id: "download-xlsx", text: "Download Excel (zip)"}));
            }
          },
          follow(id) {
            const source = new EventSource("/v1/synth/jobs/" + id + "/events");
            source.addEventListener("progress", event => {
              const job = JSON.parse(event.data);
              MarketGPT.showJob(job);
              if (["done", "failed", "cancelled"].includes(job.state)) { source.close(); MarketGPT.refreshJobs(); }
            });
            source.onerror = () => { source.close(); MarketGPT.poll(id); };
          },
          async poll(id) {
            const response = await fetch("/v1/synth/jobs/" + id);
            if (!response.ok) return;
            const job = await response.json();
            MarketGPT.showJob(job);
            if (!["done", "failed", "cancelled"].includes(job.state)) setTimeout(() => MarketGPT.poll(id), 1000);
            else MarketGPT.refreshJobs();
          },
          synth() {
            const form = document.getElementById("synth-form");
            const status = document.getElementById("job-status");
            form.addEventListener("submit", async event => {
              event.preventDefault();
              const data = new FormData(form);
              status.textContent = "uploading…";
              status.classList.remove("error");
              const response = await fetch("/v1/synth/jobs", {method: "POST", body: data});
              const answer = await response.json();
              if (!response.ok) {
                status.textContent = answer.error + ": " + answer.detail;
                status.classList.add("error");
                status.dataset.state = "rejected";
                return;
              }
              document.getElementById("job-id").textContent = answer.id;
              MarketGPT.showJob(answer);
              MarketGPT.follow(answer.id);
              MarketGPT.refreshJobs();
            });
            MarketGPT.refreshJobs();
          },
        };
        document.addEventListener("DOMContentLoaded", () => { MarketGPT.sortable(); MarketGPT.filters(); });
        """#
}
