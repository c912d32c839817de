// The synth job endpoints: create (CSV or multipart), list, state, live events (SSE), results, cancel.
import Foundation
import MarketSupport
import Hummingbird
import MarketData

enum SynthRoutes {
    static func add(to router: Router<ServeRequestContext>, state: ServerState) {
        let jobs = state.jobs
        router.post("/v1/synth/jobs") { request, _ -> Response in
            let limit = state.config.bodyLimitBytes
            if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
                throw APIError(.contentTooLarge, "payload_too_large", "the body is \(length) bytes; the limit is \(limit) (body_limit_bytes)")
            }
            let body = Data(buffer: try await request.body.collect(upTo: limit))
            let contentType = request.headers[.contentType] ?? "text/csv"
            var fields: [String: String] = [:]
            for (key, value) in request.uri.queryParameters { fields[String(key)] = String(value) }
            var csv = body
            var name = "upload.csv"
            if contentType.lowercased().hasPrefix("multipart/form-data") {
                let form = try MultipartForm(body: body, contentType: contentType)
                guard let file = form.file else { throw APIError.badRequest("the form has no 'file' part") }
                csv = file
                if let fileName = form.fileName, !fileName.isEmpty {
                    name = String((fileName.split(separator: "/").last ?? "upload.csv").prefix(100))
                }
                fields.merge(form.fields.filter { !$0.value.isEmpty }) { query, _ in query }   // an empty form field = the default
            } else if !(contentType.lowercased().hasPrefix("text/csv") || contentType.lowercased().hasPrefix("text/plain")
                        || contentType.lowercased().hasPrefix("application/octet-stream")) {
                throw APIError(.unsupportedMediaType, "unsupported_media_type", "send the CSV as text/csv or as multipart/form-data, not \(contentType.prefix(60))")
            }
            var parameters = try SynthJobParameters(fields: fields)
            parameters.sourceName = name
            let submitted = try await Blocking.run { try jobs.submit(csv: csv, parameters: parameters) }
            var response = try JSONBody.response(submitted.json, status: .accepted)
            response.headers[.location] = "/v1/synth/jobs/\(submitted.id)"
            return response
        }
        router.get("/v1/synth/jobs") { _, _ -> Response in try JSONBody.response(["jobs": jobs.list().map(\.json)]) }
        router.get("/v1/synth/jobs/:id") { _, context -> Response in
            try JSONBody.response(try job(jobs, context).json)
        }
        router.delete("/v1/synth/jobs/:id") { _, context -> Response in
            let id = try job(jobs, context).id
            guard let after = jobs.cancel(id) else { throw APIError.notFound("no synth job '\(id)'") }
            return try JSONBody.response(after.json)
        }
        router.get("/v1/synth/jobs/:id/events") { _, context -> Response in
            let id = try job(jobs, context).id
            return events(jobs, id: id)
        }
        router.get("/v1/synth/jobs/:id/result.zip") { _, context -> Response in try await result(jobs, context, .csvZip) }
        router.get("/v1/synth/jobs/:id/result-xlsx.zip") { _, context -> Response in try await result(jobs, context, .xlsxZip) }
    }

    /// The job named by the `id` path parameter (404 when unknown or malformed).
    static func job(_ jobs: SynthJobQueue, _ context: ServeRequestContext) throws -> SynthJobState {
        let id = try context.parameters.require("id")
        guard ServerPaths.isSafeName(id), let state = jobs.state(id) else { throw APIError.notFound("no synth job '\(id.prefix(60))'") }
        return state
    }

    /// A finished job's ZIP (409 while it is not done), built on the first request and then kept.
    static func result(_ jobs: SynthJobQueue, _ context: ServeRequestContext, _ package: SynthJobDownload) async throws -> Response {
        let state = try job(jobs, context)
        let bytes = try await Blocking.run { try Data(contentsOf: try jobs.download(state.id, package)) }
        var headers = HTTPFields()
        headers[.contentType] = "application/zip"
        headers[.contentDisposition] = "attachment; filename=\"synth-\(state.id.prefix(8))-\(package.rawValue)\""
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// Server-sent events: `event: progress` with the job JSON whenever it changes (checked every 200 ms),
    /// a comment line every 10 s as keep-alive, closed after the final state.
    static func events(_ jobs: SynthJobQueue, id: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            var last = ""
            var quiet = 0
            while true {
                guard let state = jobs.state(id) else { break }
                let text = String(decoding: (try? JSONBody.data(state.json)) ?? Data(), as: UTF8.self)
                if text != last {
                    try await writer.write(ByteBuffer(string: "event: progress\ndata: \(text)\n\n"))
                    last = text
                    quiet = 0
                } else if quiet >= 50 {
                    try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                    quiet = 0
                }
                if state.state.isFinal { break }
                quiet += 1
                try await Task.sleep(nanoseconds: 200_000_000)
            }
            try await writer.finish(nil)
        })
    }
}
