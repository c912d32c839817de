// safetensors: bit-exact round trip, Python cross-read, and clear errors for malformed files.
import XCTest
@testable import MarketTensor
import MarketSupport

final class SafeTensorsTests: XCTestCase {
    func temporaryURL(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("marketgpt-st-\(ProcessInfo.processInfo.processIdentifier)-\(name)")
    }

    func sampleTensors() -> [String: Tensor] {
        var rng = RandomGenerator(seed: 1)
        let special = Tensor([0, -0.0, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 1.5, -3],
                             shape: [2, 4])
        return ["blocks.0.attn.qkv.weight": Tensor.normal([6, 2], rng: &rng), "head.mean.bias": Tensor.normal([5], rng: &rng),
                "special": special, "scalar": Tensor([7], shape: []), "empty": Tensor.zeros([0, 3])]
    }

    func testRoundTripIsBitExact() throws {
        let url = temporaryURL("roundtrip.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let tensors = sampleTensors()
        let metadata = ["config": "{\"width\": 128}", "step": "12", "quote\"and\\slash": "ünïcode\n"]
        try SafeTensors.write(tensors, metadata: metadata, to: url)
        let file = try SafeTensors.read(url)
        XCTAssertEqual(file.metadata, metadata)
        XCTAssertEqual(Set(file.tensors.keys), Set(tensors.keys))
        for (name, t) in tensors {
            XCTAssertEqual(file.tensors[name]!.shape, t.shape)
            XCTAssertEqual(file.tensors[name]!.values.map(\.bitPattern), t.scalars.map(\.bitPattern), name)
        }
        let bytes = try Data(contentsOf: url)
        let headerLength = Int(bytes.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        XCTAssertEqual(headerLength % 8, 0)
    }

    func testPythonSafetensorsReadsOurFile() throws {
        guard let python = ProcessInfo.processInfo.environment["MARKETGPT_PYTHON"], !python.isEmpty else {
            throw XCTSkip("MARKETGPT_PYTHON not set")
        }
        let url = temporaryURL("python.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let tensors = sampleTensors().filter { $0.key != "special" }
        try SafeTensors.write(tensors, metadata: ["step": "3"], to: url)
        let script = """
        import sys, json
        try:
            from safetensors.numpy import load_file
            from safetensors import safe_open
        except Exception:
            sys.exit(77)
        d = load_file(sys.argv[1])
        with safe_open(sys.argv[1], framework="np") as f:
            meta = f.metadata()
        print(json.dumps({"meta": meta, "t": {k: {"shape": list(v.shape), "v": [float(x) for x in v.reshape(-1)]} for k, v in d.items()}}))
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script, url.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus == 77 { throw XCTSkip("python safetensors not importable") }
        XCTAssertEqual(process.terminationStatus, 0)
        let json = try JSONSerialization.jsonObject(with: output) as! [String: Any]
        XCTAssertEqual(json["meta"] as? [String: String], ["step": "3"])
        let read = json["t"] as! [String: [String: Any]]
        for (name, t) in tensors {
            XCTAssertEqual(read[name]?["shape"] as? [Int], t.shape, name)
            let values = (read[name]?["v"] as? [Double] ?? []).map(Float.init)
            XCTAssertEqual(values, t.scalars, name)
        }
    }

    func header(_ json: String, data: Int, declaredLength: Int? = nil) -> Data {
        var out = Data()
        var length = UInt64(declaredLength ?? json.utf8.count).littleEndian
        withUnsafeBytes(of: &length) { out.append(contentsOf: $0) }
        out.append(contentsOf: Array(json.utf8))
        out.append(Data(count: data))
        return out
    }

    func assertMalformed(_ bytes: Data, _ fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try SafeTensors.decode(bytes, file: "x.safetensors"), file: file, line: line) { error in
            let text = "\(error)"
            XCTAssert(text.hasPrefix("x.safetensors: ") && text.contains(fragment), "got: \(text)", file: file, line: line)
        }
    }

    func testMalformedFilesGiveClearErrors() {
        let good = SafeTensors.encode(sampleTensors(), metadata: ["a": "b"])
        assertMalformed(Data([1, 2, 3]), "truncated")
        assertMalformed(good.prefix(20), "runs past the end")
        for cut in stride(from: 8, to: good.count, by: 7) {  // every truncation is an error, never a crash
            XCTAssertThrowsError(try SafeTensors.decode(good.prefix(cut)))
        }
        assertMalformed(header("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", data: 8, declaredLength: 1 << 40), "larger than")
        assertMalformed(header("{nope", data: 0), "not valid JSON")
        assertMalformed(header("[1,2]", data: 0), "not a JSON object")
        assertMalformed(header("{\"a\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]}}", data: 4), "unsupported dtype BF16")
        assertMalformed(header("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", data: 4), "out of range")
        assertMalformed(header("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", data: 8), "needs 12")
        assertMalformed(header("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", data: 12), "overlapping")
        assertMalformed(header("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}}", data: 0), "bad shape")
        assertMalformed(header("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", data: 8), "out of range")
        assertMalformed(header("{\"__metadata__\":{\"k\":3}}", data: 0), "not a string")
        assertMalformed(header("{\"a\":{\"dtype\":\"F32\",\"shape\":[99999999999,99999999999],\"data_offsets\":[0,0]}}", data: 0), "too large")
        XCTAssertThrowsError(try SafeTensors.read(URL(fileURLWithPath: "/nonexistent/file.safetensors")))
        // Strict layout: no BOM before the header, no gap between tensors, no trailing bytes.
        let tensor = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}"
        XCTAssertNoThrow(try SafeTensors.decode(header(tensor, data: 8)))
        assertMalformed(header("\u{FEFF}" + tensor, data: 8), "does not start with '{'")
        assertMalformed(header(tensor, data: 9), "1 trailing bytes")
        assertMalformed(header("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", data: 12), "4 unused bytes before tensor 'b'")
        var appended = good
        appended.append(0)
        assertMalformed(appended, "trailing bytes")
    }
}
