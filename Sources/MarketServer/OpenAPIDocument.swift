// The OpenAPI 3.1 description of the JSON API, served at /openapi.json (a test checks it against the router).
import Foundation
import MarketSupport

/// The API document. `json(version:)` fills in the server version; every `/v1` route and `/health` is in
/// `paths` (checked by `OpenAPIDocumentTests` against the router, and by schemathesis against live answers).
public enum OpenAPIDocument {
    /// The document as JSON text.
    public static func json(version: String) -> String {
        template.replacingOccurrences(of: "__VERSION__", with: version)
    }

    /// The (path, method) pairs the document describes, e.g. `("/v1/runs/{run}", "get")`.
    public static func operations() -> [(path: String, method: String)] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json(version: "0").utf8)) as? [String: Any],
              let paths = object["paths"] as? [String: [String: Any]] else { return [] }
        return paths.flatMap { path, item in item.keys.filter { $0 != "parameters" }.map { (path, $0) } }
            .sorted { ($0.path, $0.method) < ($1.path, $1.method) }
    }

    static let template = #"""
    {
      "openapi": "3.1.0",
      "info": {
        "title": "MarketGPT API",
        "version": "__VERSION__",
        "description": "Forecasts, signals, runs, backtests and synthetic-data jobs of MarketGPT. Errors are JSON {error, detail}. Mutating endpoints (synth jobs, cancel) need 'Authorization: Bearer <token>' when the server is bound to a non-loopback address."
      },
      "servers": [{"url": "/"}],
      "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
          "Error": {
            "type": "object", "required": ["error", "detail"],
            "properties": {"error": {"type": "string"}, "detail": {"type": "string"}}
          },
          "Health": {
            "type": "object", "required": ["status", "version", "model_loaded", "uptime_s"],
            "properties": {
              "status": {"type": "string", "enum": ["ok"]}, "version": {"type": "string"},
              "model_loaded": {"type": "boolean"}, "uptime_s": {"type": "number", "minimum": 0},
              "model_problem": {"type": ["string", "null"]},
              "warming": {"type": "boolean", "description": "True while the forecasts of the latest date are being scored at start (a forecast of that date waits for it, then answers from the cache)."},
              "warmup": {"type": "object", "required": ["state"],
                "properties": {"state": {"type": "string", "enum": ["off", "warming", "warm", "failed"]},
                  "date": {"type": ["string", "null"]}, "seconds": {"type": ["number", "null"]}, "problem": {"type": ["string", "null"]}}},
              "models": {"type": "array", "description": "The checkpoint scoring each category: 'registry' (its production promotion, re-read every registry_poll_s seconds) or 'folder' (the checkpoint folder's file).",
                "items": {"type": "object", "required": ["category", "source", "checkpoint"],
                  "properties": {"category": {"type": "string"}, "source": {"type": "string", "enum": ["registry", "folder"]},
                    "checkpoint": {"type": "string"}, "content_hash": {"type": ["string", "null"]},
                    "run": {"type": ["string", "null"], "description": "The registry run that produced it."},
                    "promoted_at": {"type": ["string", "null"]}}}},
              "registry": {"type": ["string", "null"], "description": "The run registry read for production models (null: models: folder)."},
              "registry_problems": {"type": "array", "items": {"type": "string"}, "description": "Promotions not served (missing or replaced file) or an unreadable registry."}
            }
          },
          "UniverseAsset": {
            "type": "object", "required": ["ticker", "category", "status", "rows", "last_date"],
            "properties": {
              "ticker": {"type": "string"}, "name": {"type": "string"}, "category": {"type": "string"}, "group": {"type": "string"},
              "status": {"type": "string", "enum": ["ok", "filled", "missing"]}, "rows": {"type": "integer", "minimum": 0},
              "first_date": {"type": ["string", "null"]}, "last_date": {"type": ["string", "null"]},
              "gaps": {"type": "integer"}, "filled_bars": {"type": "integer"}
            }
          },
          "ForecastRequest": {
            "type": "object", "required": ["tickers"], "additionalProperties": false,
            "properties": {
              "tickers": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 64},
              "date": {"type": "string", "format": "date", "description": "Decision date YYYY-MM-DD (default: the latest bar in the data)."},
              "samples": {"type": "integer", "minimum": 1, "description": "MC-dropout passes (default: the server's, 20); at most the config's max_samples."},
              "horizon": {"type": "integer", "minimum": 1, "description": "Decision horizon h in days (default: the server's)."}
            }
          },
          "AssetForecast": {
            "type": "object",
            "required": ["ticker", "category", "signal", "confidence", "expected_return", "mean", "sigma", "aleatoric_sigma", "epistemic_sigma", "reason", "zero_shot"],
            "properties": {
              "ticker": {"type": "string"}, "category": {"type": "string"},
              "signal": {"type": "string", "enum": ["BUY", "SELL", "HOLD"]},
              "confidence": {"type": ["number", "null"]}, "expected_return": {"type": ["number", "null"]},
              "mean": {"type": "array", "items": {"type": ["number", "null"]}, "description": "Predictive mean return per horizon step 1..H."},
              "sigma": {"type": "array", "items": {"type": ["number", "null"]}, "description": "Predictive total standard deviation per step."},
              "aleatoric_sigma": {"type": ["number", "null"]}, "epistemic_sigma": {"type": ["number", "null"]},
              "last_close": {"type": ["number", "null"]}, "reason": {"type": "string"},
              "zero_shot": {"type": "boolean", "description": "True when the checkpoint has not seen the asset: forecast zero-shot from its category embedding (no asset embedding) with a normaliser fitted on its own bars up to the date."}
            }
          },
          "ForecastResponse": {
            "type": "object", "required": ["date", "samples", "horizon", "seed", "forecasts"],
            "properties": {
              "date": {"type": "string"}, "samples": {"type": "integer"}, "horizon": {"type": "integer"},
              "seed": {"type": "integer"}, "forecasts": {"type": "array", "items": {"$ref": "#/components/schemas/AssetForecast"}}
            }
          },
          "SignalFile": {
            "type": "object", "required": ["date", "signals"],
            "properties": {
              "date": {"type": "string"}, "file": {"type": "string"},
              "signals": {"type": "array", "items": {"type": "object", "required": ["ticker", "category", "signal"],
                "properties": {"ticker": {"type": "string"}, "category": {"type": "string"}, "signal": {"type": "string", "enum": ["BUY", "SELL", "HOLD"]},
                  "confidence": {"type": ["number", "null"]}, "expected_return": {"type": ["number", "null"]}, "reason": {"type": "string"}}}}
            }
          },
          "RunSummary": {
            "type": "object", "required": ["name", "metrics", "evaluation", "backtest", "signals"],
            "properties": {"name": {"type": "string"}, "metrics": {"type": "boolean"}, "evaluation": {"type": "boolean"},
              "backtest": {"type": "boolean"}, "signals": {"type": "boolean"}, "modified": {"type": ["string", "null"]}}
          },
          "Run": {
            "type": "object", "required": ["name", "metrics"],
            "properties": {"name": {"type": "string"}, "metrics": {"type": "array", "items": {"type": "object"}},
              "evaluation": {"type": ["object", "null"]}, "summary": {"type": ["object", "null"]}, "config": {"type": ["string", "null"]}}
          },
          "Backtest": {
            "type": "object", "required": ["run", "metrics", "equity", "trades"],
            "properties": {"run": {"type": "string"}, "metrics": {"type": "object"},
              "equity": {"type": "array", "items": {"type": "object"}}, "trades": {"type": "array", "items": {"type": "object"}}}
          },
          "SynthJob": {
            "type": "object", "required": ["id", "state", "parameters", "progress", "fidelity", "created"],
            "properties": {
              "id": {"type": "string"}, "state": {"type": "string", "enum": ["queued", "running", "done", "failed", "cancelled"]},
              "parameters": {"type": "object"}, "created": {"type": "string"},
              "started": {"type": ["string", "null"]}, "finished": {"type": ["string", "null"]}, "error": {"type": ["string", "null"]},
              "progress": {"type": "object", "required": ["candidates_tried", "accepted", "count", "fraction"],
                "properties": {"candidates_tried": {"type": "integer"}, "accepted": {"type": "integer"}, "count": {"type": "integer"},
                  "fraction": {"type": "number"}, "eta_s": {"type": ["number", "null"]}}},
              "fidelity": {"type": "array", "items": {"type": ["number", "null"]}},
              "results": {"type": "object"},
              "timings": {"type": "object", "description": "Of a done job: seconds of generation (candidates, CSVs, report.json — the work of marketgpt synth) and of packaging (workbooks, zips — made on the first download of each ZIP; null until then).",
                "properties": {"generation_s": {"type": ["number", "null"]}, "packaging_s": {"type": ["number", "null"]}}}
            }
          }
        },
        "parameters": {
          "run": {"name": "run", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"}},
          "job": {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}
        },
        "responses": {
          "Error": {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        }
      },
      "paths": {
        "/health": {"get": {"summary": "Liveness and model state", "operationId": "health",
          "responses": {"200": {"description": "Server is up", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}},
            "default": {"$ref": "#/components/responses/Error"}}}},
        "/v1/universe": {"get": {"summary": "Assets with category, coverage status and last date", "operationId": "universe",
          "responses": {"200": {"description": "Universe", "content": {"application/json": {"schema": {"type": "object", "required": ["assets"],
            "properties": {"name": {"type": "string"}, "assets": {"type": "array", "items": {"$ref": "#/components/schemas/UniverseAsset"}}}}}}},
            "default": {"$ref": "#/components/responses/Error"}}}},
        "/v1/forecast": {"post": {"summary": "Forecast and signal for tickers at a date (the numbers of `marketgpt signals` for that date and seed)", "operationId": "forecast",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ForecastRequest"}}}},
          "responses": {"200": {"description": "Forecasts", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ForecastResponse"}}}},
            "default": {"$ref": "#/components/responses/Error"}}}},
        "/v1/signals/latest": {"get": {"summary": "The latest signal file", "operationId": "signalsLatest",
          "responses": {"200": {"description": "Signals", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SignalFile"}}}},
            "default": {"$ref": "#/components/responses/Error"}}}},
        "/v1/signals/{date}": {"get": {"summary": "The signal file of a date", "operationId": "signalsByDate",
          "parameters": [{"name": "date", "in": "path", "required": true, "schema": {"type": "string"}}],
          "responses": {"200": {"description": "Signals", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SignalFile"}}}},
            "default": {"$ref": "#/components/responses/Error"}}}},
        "/v1/runs": {"get": {"summary": "Runs under the runs folder", "operationId": "runs",
          "responses": {"200": {"description": "Runs", "content": {"application/json": {"schema": {"type": "object", "required": ["runs"],
            "properties": {"runs": {"type": "array", "items": {"$ref": "#/components/schemas/RunSummary"}}}}}}},
            "default": {"$ref": "#/components/responses/Error"}}}},
        "/v1/runs/{run}": {"get": {"summary": "A run: metrics curve, evaluation report, summary", "operationId": "run",
          "parameters": [{"$ref": "#/components/parameters/run"}],
          "responses": {"200": {"description": "Run", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Run"}}}},
            "default": {"$ref": "#/components/responses/Error"}}}},
        "/v1/backtests/{run}": {"get": {"summary": "A run's backtest: metrics, equity, trades", "operationId": "backtest",
          "parameters": [{"$ref": "#/components/parameters/run"}],
          "responses": {"200": {"description": "Backtest", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Backtest"}}}},
            "default": {"$ref": "#/components/responses/Error"}}}},
        "/v1/synth/jobs": {
          "get": {"summary": "Every synth job, newest first", "operationId": "listJobs",
            "responses": {"200": {"description": "Jobs", "content": {"application/json": {"schema": {"type": "object", "required": ["jobs"],
              "properties": {"jobs": {"type": "array", "items": {"$ref": "#/components/schemas/SynthJob"}}}}}}},
              "default": {"$ref": "#/components/responses/Error"}}},
          "post": {"summary": "Start a synth job from an OHLCV CSV (body text/csv, or multipart/form-data with a 'file' part and the parameters as fields)", "operationId": "createJob",
            "security": [{}, {"bearer": []}],
            "parameters": [
              {"name": "count", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
              {"name": "min_fidelity", "in": "query", "schema": {"type": "number", "minimum": 0, "maximum": 100}},
              {"name": "seed", "in": "query", "schema": {"type": "integer", "minimum": 0}},
              {"name": "length", "in": "query", "schema": {"type": "integer", "minimum": 32, "maximum": 100000}},
              {"name": "method", "in": "query", "schema": {"type": "string", "enum": ["stationary", "circular"]}},
              {"name": "max_attempts", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100000}}
            ],
            "requestBody": {"required": true, "content": {
              "text/csv": {"schema": {"type": "string"}},
              "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {"file": {"type": "string", "format": "binary"},
                "count": {"type": "integer"}, "min_fidelity": {"type": "number"}, "seed": {"type": "integer"}, "length": {"type": "integer"}, "method": {"type": "string"}}}}}},
            "responses": {"202": {"description": "Queued", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SynthJob"}}}},
              "default": {"$ref": "#/components/responses/Error"}}}
        },
        "/v1/synth/jobs/{id}": {
          "get": {"summary": "State and progress of a job", "operationId": "getJob", "parameters": [{"$ref": "#/components/parameters/job"}],
            "responses": {"200": {"description": "Job", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SynthJob"}}}},
              "default": {"$ref": "#/components/responses/Error"}}},
          "delete": {"summary": "Cancel a job", "operationId": "cancelJob", "parameters": [{"$ref": "#/components/parameters/job"}],
            "security": [{}, {"bearer": []}],
            "responses": {"200": {"description": "Job after the cancel request", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SynthJob"}}}},
              "default": {"$ref": "#/components/responses/Error"}}}
        },
        "/v1/synth/jobs/{id}/events": {"get": {"summary": "Live progress as server-sent events (event 'progress', data = the job JSON) until the job ends", "operationId": "jobEvents",
          "parameters": [{"$ref": "#/components/parameters/job"}],
          "responses": {"200": {"description": "Event stream", "content": {"text/event-stream": {"schema": {"type": "object", "required": ["data"],
            "description": "One server-sent event: 'progress' with the job JSON (SynthJob) as data.",
            "properties": {"event": {"type": "string", "enum": ["progress"]}, "data": {"type": "string"}}}}}},
            "default": {"$ref": "#/components/responses/Error"}}}},
        "/v1/synth/jobs/{id}/result.zip": {"get": {"summary": "One CSV per series and report.json, zipped", "operationId": "jobResultZip",
          "parameters": [{"$ref": "#/components/parameters/job"}],
          "responses": {"200": {"description": "ZIP", "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}},
            "default": {"$ref": "#/components/responses/Error"}}}},
        "/v1/synth/jobs/{id}/result-xlsx.zip": {"get": {"summary": "One Excel workbook per series and report.json, zipped", "operationId": "jobResultXlsx",
          "parameters": [{"$ref": "#/components/parameters/job"}],
          "responses": {"200": {"description": "ZIP", "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}},
            "default": {"$ref": "#/components/responses/Error"}}}}
      }
    }
    """#
}
