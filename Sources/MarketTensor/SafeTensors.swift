// safetensors reader/writer (F32 + `__metadata__`), validating every header field; never crashes on bad files.
import Foundation
import MarketSupport

/// One tensor read from a safetensors file: its shape and row-major values.
public typealias SafeTensorsEntry = (shape: [Int], values: [Float])

/// The contents of a safetensors file.
public struct SafeTensorsFile {
    /// Tensors by name.
    public var tensors: [String: SafeTensorsEntry]
    /// The `__metadata__` string map (empty when absent).
    public var metadata: [String: String]

    public init(tensors: [String: SafeTensorsEntry] = [:], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }
}

/// The safetensors format: 8-byte little-endian header length N, N bytes of JSON header
/// (`{"__metadata__": {…}, "<name>": {"dtype": "F32", "shape": […], "data_offsets": [begin, end]}, …}`,
/// space-padded to 8 bytes), then the raw little-endian data. Only F32 is read and written.
public enum SafeTensors {
    /// Largest header accepted (100 MB, as the reference implementation).
    static let maximumHeaderBytes = 100_000_000

    /// Writes `tensors` (sorted by name, contiguous offsets) and `metadata` atomically to `url`.
    public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], to url: URL) throws {
        try AtomicFile.write(encode(tensors, metadata: metadata), to: url)
    }

    /// The file bytes for `tensors` and `metadata`.
    public static func encode(_ tensors: [String: Tensor], metadata: [String: String] = [:]) -> Data {
        let names = tensors.keys.sorted()
        var header = "{"
        var fields: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            fields.append("\"__metadata__\":{" + pairs.joined(separator: ",") + "}")
        }
        var offset = 0
        for name in names {
            let t = tensors[name]!
            let bytes = t.count * 4
            fields.append("\(jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + bytes)]}")
            offset += bytes
        }
        header += fields.joined(separator: ",") + "}"
        var headerBytes = Array(header.utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
        var out = Data(capacity: 8 + headerBytes.count + offset)
        var length = UInt64(headerBytes.count).littleEndian
        withUnsafeBytes(of: &length) { out.append(contentsOf: $0) }
        out.append(contentsOf: headerBytes)
        for name in names {
            let t = tensors[name]!
            out.append(UnsafeBufferPointer(start: t.data, count: t.count))
        }
        return out
    }

    /// Reads and validates the file at `url`.
    public static func read(_ url: URL) throws -> SafeTensorsFile {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TensorError.malformedFile(file: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        return try decode(data, file: url.path)
    }

    /// Parses and validates safetensors bytes; `file` names the source in errors.
    public static func decode(_ bytes: Data, file: String = "<data>") throws -> SafeTensorsFile {
        func fail(_ reason: String) -> TensorError { .malformedFile(file: file, reason: reason) }
        let data = Data(bytes)  // re-based at index 0
        guard data.count >= 8 else { throw fail("truncated: \(data.count) bytes, shorter than the 8-byte header length") }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | (UInt64($1.element) << (8 * UInt64($1.offset))) }
        guard headerLength <= UInt64(maximumHeaderBytes) else { throw fail("header length \(headerLength) is larger than the 100 MB limit") }
        guard headerLength <= UInt64(data.count - 8) else {
            throw fail("header length \(headerLength) runs past the end of the file (\(data.count) bytes)")
        }
        let dataStart = 8 + Int(headerLength)
        let dataLength = data.count - dataStart
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<dataStart)) } catch {
            throw fail("header is not valid JSON")
        }
        guard let object = json as? [String: Any] else { throw fail("header is not a JSON object") }
        guard headerLength > 0, data[8] == UInt8(ascii: "{") else {
            throw fail("header does not start with '{' (first byte 0x\(String(headerLength > 0 ? data[8] : 0, radix: 16)); a BOM or other bytes before the JSON)")
        }
        var result = SafeTensorsFile()
        var ranges: [(begin: Int, end: Int, name: String)] = []
        var specs: [(name: String, shape: [Int], begin: Int, end: Int)] = []
        for (name, value) in object {
            if name == "__metadata__" {
                guard let map = value as? [String: Any] else { throw fail("__metadata__ is not an object") }
                for (key, item) in map {
                    guard let text = item as? String else { throw fail("__metadata__ value for '\(key)' is not a string") }
                    result.metadata[key] = text
                }
                continue
            }
            guard let entry = value as? [String: Any] else { throw fail("tensor '\(name)': entry is not an object") }
            guard let dtype = entry["dtype"] as? String else { throw fail("tensor '\(name)': missing dtype") }
            guard dtype == "F32" else { throw fail("tensor '\(name)': unsupported dtype \(dtype) (only F32)") }
            guard let shapeList = entry["shape"] as? [Any] else { throw fail("tensor '\(name)': missing shape") }
            var shape: [Int] = []
            var elements = 1
            for dim in shapeList {
                guard let d = integer(dim), d >= 0 else { throw fail("tensor '\(name)': bad shape \(shapeList)") }
                let (product, overflow) = elements.multipliedReportingOverflow(by: d)
                guard !overflow, product <= Int(Int32.max) else { throw fail("tensor '\(name)': shape \(shapeList) too large") }
                elements = product
                shape.append(d)
            }
            guard let offsets = entry["data_offsets"] as? [Any], offsets.count == 2,
                  let begin = integer(offsets[0]), let end = integer(offsets[1]) else {
                throw fail("tensor '\(name)': missing or bad data_offsets")
            }
            guard begin >= 0, begin <= end, end <= dataLength else {
                throw fail("tensor '\(name)': data_offsets [\(begin), \(end)] out of range (data section is \(dataLength) bytes)")
            }
            guard end - begin == elements * 4 else {
                throw fail("tensor '\(name)': data_offsets span \(end - begin) bytes but shape \(shape) needs \(elements * 4)")
            }
            ranges.append((begin, end, name))
            specs.append((name, shape, begin, end))
        }
        // Strict layout: the tensors tile the data section exactly — no overlap, no gap, no trailing bytes.
        ranges.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var covered = 0
        for (i, range) in ranges.enumerated() {
            if range.begin < covered {
                throw fail("tensors '\(ranges[i - 1].name)' and '\(range.name)' have overlapping data_offsets")
            }
            if range.begin > covered {
                throw fail("\(range.begin - covered) unused bytes before tensor '\(range.name)' (data_offsets must leave no gap)")
            }
            covered = range.end
        }
        guard covered == dataLength else {
            throw fail("\(dataLength - covered) trailing bytes after the last tensor (the data section is \(dataLength) bytes, the tensors use \(covered))")
        }
        data.withUnsafeBytes { raw in
            for spec in specs {
                var values = [Float](repeating: 0, count: (spec.end - spec.begin) / 4)
                values.withUnsafeMutableBytes { dst in
                    if !dst.isEmpty {
                        dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[(dataStart + spec.begin)..<(dataStart + spec.end)]))
                    }
                }
                result.tensors[spec.name] = (spec.shape, values)
            }
        }
        return result
    }

    private static func integer(_ value: Any) -> Int? {
        if let n = value as? NSNumber {
            let d = n.doubleValue
            guard d.rounded() == d, abs(d) < 9.0e15 else { return nil }
            return n.intValue
        }
        return nil
    }

    private static func jsonString(_ s: String) -> String { JSONText.quoted(s) }
}
