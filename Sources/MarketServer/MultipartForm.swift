// A small multipart/form-data reader (RFC 7578): named text fields and one uploaded file, bounds checked.
import Foundation
import MarketSupport

/// The parts of a `multipart/form-data` body: text fields by name and the file part (`file`).
struct MultipartForm {
    var fields: [String: String] = [:]
    var fileName: String?
    var file: Data?

    /// Parses `body` with the boundary of `contentType`; throws `APIError.badRequest` for a malformed body.
    init(body: Data, contentType: String) throws {
        guard let boundaryParameter = contentType.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) })
            .first(where: { $0.lowercased().hasPrefix("boundary=") }) else {
            throw APIError.badRequest("multipart/form-data without a boundary")
        }
        var boundary = String(boundaryParameter.dropFirst("boundary=".count))
        if boundary.hasPrefix("\""), boundary.hasSuffix("\""), boundary.count >= 2 { boundary = String(boundary.dropFirst().dropLast()) }
        guard !boundary.isEmpty, boundary.count <= 200 else { throw APIError.badRequest("multipart boundary is empty or too long") }
        let delimiter = Data("--\(boundary)".utf8)
        let headerEnd = Data("\r\n\r\n".utf8)
        var position = body.startIndex
        guard let first = body.range(of: delimiter, in: position..<body.endIndex) else {
            throw APIError.badRequest("multipart body does not contain its boundary")
        }
        position = first.upperBound
        while true {
            // After a delimiter: "--" ends the body, otherwise CRLF then a part.
            if body[position...].starts(with: Data("--".utf8)) { break }
            guard body[position...].starts(with: Data("\r\n".utf8)) else { throw APIError.badRequest("malformed multipart delimiter line") }
            position += 2
            guard let headersRange = body.range(of: headerEnd, in: position..<body.endIndex) else {
                throw APIError.badRequest("multipart part without a blank line after its headers")
            }
            let headers = String(decoding: body[position..<headersRange.lowerBound], as: UTF8.self)
            let contentStart = headersRange.upperBound
            guard let next = body.range(of: Data("\r\n".utf8) + delimiter, in: contentStart..<body.endIndex) else {
                throw APIError.badRequest("multipart part is not closed by the boundary")
            }
            let content = body[contentStart..<next.lowerBound]
            let (name, filename) = Self.disposition(headers)
            guard let name else { throw APIError.badRequest("multipart part without a Content-Disposition name") }
            if name == "file" || filename != nil {
                file = Data(content)
                fileName = filename
            } else {
                guard content.count <= 1000 else { throw APIError.badRequest("form field '\(name.prefix(40))' is longer than 1000 bytes") }
                fields[name] = String(decoding: content, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            position = next.upperBound
        }
    }

    /// `name` and `filename` of a part's `Content-Disposition: form-data; name="…"; filename="…"`.
    static func disposition(_ headers: String) -> (name: String?, filename: String?) {
        guard let line = headers.split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-disposition:") }) else { return (nil, nil) }
        var name: String?, filename: String?
        for parameter in line.split(separator: ";").dropFirst() {
            let pair = parameter.trimmingCharacters(in: .whitespaces)
            guard let equals = pair.firstIndex(of: "=") else { continue }
            let key = pair[..<equals].lowercased()
            var value = String(pair[pair.index(after: equals)...])
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            if key == "name" { name = value } else if key == "filename" { filename = value }
        }
        return (name, filename)
    }
}
