// Deep-ensemble checkpoint sets: the manifest names finished members by hash; unfinished, replaced or disagreeing members are errors.
import XCTest
import MarketData
import MarketModel
import MarketTensor
import MarketTestSupport

final class TrainedEnsembleTests: XCTestCase {
    private func write(seed: UInt64, to url: URL, width: Int = 16, extra: [String: String] = [:]) throws -> String {
        var config = ModelConfig()
        config.contextLength = 8; config.featureCount = MarketFeatures.count; config.width = width; config.layers = 1
        config.heads = 2; config.horizon = 2; config.assetCount = 2; config.categoryCount = 1
        let table = EmbeddingIDTable(assets: [.init(ticker: "A", category: 0), .init(ticker: "B", category: 0)], categories: ["c"])
        let normalizer = FeatureNormalizer(mean: [0: [Float](repeating: 0, count: MarketFeatures.count)],
                                           std: [0: [Float](repeating: 1, count: MarketFeatures.count)])
        var metadata = ["train_end.c": "2020-01-01"].merging(extra) { $1 }
        metadata[ModelCheckpoint.Key.idTable] = table.jsonString()
        metadata[ModelCheckpoint.Key.normalizer] = try normalizer.jsonString()
        return try MarketGPT(config: config, seed: seed).writeCheckpoint(to: url, metadata: metadata)
    }

    func testManifestLoadsEveryMemberAndRefusesUnfinishedReplacedOrDisagreeingSets() throws {
        let folder = try temporaryDirectory(self, prefix: "ensemble")
        let manifestURL = folder.appendingPathComponent(EnsembleManifest.fileName)
        var manifest = EnsembleManifest(run: "r", plannedMembers: 3, seed: 10)
        for k in 0..<2 {
            let file = "\(EnsembleManifest.memberDirectoryName(k))/pretrained.safetensors"
            let hash = try write(seed: 10 + UInt64(k), to: folder.appendingPathComponent(file))
            manifest.members.append(.init(index: k, seed: 10 + UInt64(k), file: file, contentHash: hash, step: 5))
        }
        try manifest.write(to: manifestURL)
        XCTAssertEqual(try EnsembleManifest.read(manifestURL), manifest)
        // 2 of 3: unfinished.
        XCTAssertThrowsError(try TrainedEnsemble.load(manifestURL)) { XCTAssertTrue("\($0)".contains("2 of 3") && "\($0)".contains("--resume"), "\($0)") }
        manifest.plannedMembers = 2
        try manifest.write(to: manifestURL)
        let ensemble = try TrainedEnsemble.load(manifestURL)
        XCTAssertEqual(ensemble.count, 2)
        XCTAssertNil(ensemble.calibration)
        XCTAssertNotEqual(ensemble.members[0].model.parameters[0].scalars, ensemble.members[1].model.parameters[0].scalars)
        // A single checkpoint is an ensemble of one.
        XCTAssertEqual(try TrainedEnsemble.load(folder.appendingPathComponent(manifest.members[0].file)).count, 1)
        // A member replaced after the manifest was written.
        _ = try write(seed: 77, to: folder.appendingPathComponent(manifest.members[1].file))
        XCTAssertThrowsError(try TrainedEnsemble.load(manifestURL)) { XCTAssertTrue("\($0)".contains("member_1") && "\($0)".contains("content hash"), "\($0)") }
        // A member with another config.
        manifest.members[1].contentHash = try write(seed: 11, to: folder.appendingPathComponent(manifest.members[1].file), width: 8)
        try manifest.write(to: manifestURL)
        XCTAssertThrowsError(try TrainedEnsemble.load(manifestURL)) { XCTAssertTrue("\($0)".contains("model config"), "\($0)") }
        // A member with other cuts.
        manifest.members[1].contentHash = try write(seed: 11, to: folder.appendingPathComponent(manifest.members[1].file), extra: ["train_end.c": "2021-01-01"])
        try manifest.write(to: manifestURL)
        XCTAssertThrowsError(try TrainedEnsemble.load(manifestURL)) { XCTAssertTrue("\($0)".contains("cuts"), "\($0)") }
        // A member file outside the folder.
        var escaping = manifest
        escaping.members[1].file = "../x/pretrained.safetensors"
        try escaping.write(to: manifestURL)
        XCTAssertThrowsError(try EnsembleManifest.read(manifestURL)) { XCTAssertTrue("\($0)".contains("members[1]"), "\($0)") }
        try Data("{".utf8).write(to: manifestURL)
        XCTAssertThrowsError(try TrainedEnsemble.load(manifestURL)) { XCTAssertTrue("\($0)".contains(manifestURL.path), "\($0)") }
    }

    /// The rolling recalibration stored in `ensemble.json` is bounds-checked on read with the checkpoint metadata's bounds:
    /// an absurd or malformed field is a one-line error naming the file, the key path and the reason; a valid one round-trips.
    func testTheManifestsRollingFieldsAreBoundsCheckedOnRead() throws {
        let folder = try temporaryDirectory(self, prefix: "ensemble-rolling")
        let url = folder.appendingPathComponent(EnsembleManifest.fileName)
        var manifest = EnsembleManifest(run: "r", plannedMembers: 1, seed: 1)
        var calibration = PredictiveCalibration(fittedOn: "v", factors: ["c": [1.2, 1.1]], targets: ["c": 300])
        calibration.rolling = ["c": RollingCalibration(windowDays: 182, quantileMap: true, minimumTargets: 50)]
        manifest.calibration = calibration
        try manifest.write(to: url)
        XCTAssertEqual(try EnsembleManifest.read(url).calibration?.rolling?["c"], RollingCalibration(windowDays: 182, quantileMap: true, minimumTargets: 50))
        let written = try Data(contentsOf: url)
        /// The manifest with `calibration.rolling.c.<key>` set to `value` (nil: removed).
        func edited(_ key: String, _ value: Any?) throws -> Data {
            var json = try XCTUnwrap(try JSONSerialization.jsonObject(with: written) as? [String: Any])
            var calibration = try XCTUnwrap(json["calibration"] as? [String: Any])
            var rolling = try XCTUnwrap(calibration["rolling"] as? [String: Any])
            var entry = try XCTUnwrap(rolling["c"] as? [String: Any])
            XCTAssertNotNil(entry[key], "fixture: \(key)")
            entry[key] = value
            rolling["c"] = entry; calibration["rolling"] = rolling; json["calibration"] = calibration
            return try JSONSerialization.data(withJSONObject: json)
        }
        let cases: [(String, Any?, String)] = [
            ("window_days", 0, "calibration.rolling.c.window_days: must be in 1...36525, found 0"),
            ("window_days", 99_999_999, "calibration.rolling.c.window_days: must be in 1...36525, found 99999999"),
            ("minimum_targets", -3, "calibration.rolling.c.minimum_targets: must be in 1...10000000, found -3"),
            ("quantile_map", "yes", "calibration.rolling.c.quantile_map: "),
            ("window_days", 1.5, "calibration.rolling.c.window_days: must be a whole number, found 1.5"),
            ("minimum_targets", 1e30, "calibration.rolling.c.minimum_targets: must be a whole number, found 1e+30"),
            ("window_days", nil, "missing key 'calibration.rolling.c.window_days'"),
        ]
        /// `bytes` written to the manifest are refused with one line naming the file and containing `expected`.
        func assertRefused(_ bytes: Data, _ label: String, _ expected: String) throws {
            try bytes.write(to: url)
            XCTAssertThrowsError(try EnsembleManifest.read(url), label) { error in
                let message = "\(error)"
                XCTAssertTrue(message.hasPrefix(url.path + ": ") && message.contains(expected), "\(label): \(message)")
                XCTAssertFalse(message.contains("\n"), message)
            }
        }
        for (key, value, expected) in cases {
            try assertRefused(try edited(key, value), "\(key) = \(String(describing: value))", expected)
        }
        // The static part of the calibration too: factors inside the fit's bounds, known method names, counts ≥ 0.
        func editedStatic(_ key: String, _ value: Any) throws -> Data {
            var json = try XCTUnwrap(try JSONSerialization.jsonObject(with: written) as? [String: Any])
            var calibration = try XCTUnwrap(json["calibration"] as? [String: Any])
            XCTAssertNotNil(calibration[key] ?? (key == "methods" ? "optional" : nil), "fixture: \(key)")
            calibration[key] = value; json["calibration"] = calibration
            return try JSONSerialization.data(withJSONObject: json)
        }
        let staticCases: [(String, Any, String)] = [
            ("factors", ["c": [1.2, 0]], "calibration.factors: c step 2 must be in 0.25...4.0, found 0.0"),
            ("factors", ["c": [-1.0, 1.1]], "calibration.factors: c step 1 must be in 0.25...4.0, found -1.0"),
            ("factors", ["c": [1.2, 1e300]], "calibration.factors: c step 2 must be in 0.25...4.0, found 1e+300"),
            ("method", "bogus", "calibration.method: must be one of [\"quantile_map\", \"selected\", \"variance_scale\"], found 'bogus'"),
            ("methods", ["c": "median"], "calibration.methods: c must be 'variance_scale' or 'quantile_map', found 'median'"),
            ("targets", ["c": -5], "calibration.targets: c must be ≥ 0, found -5"),
        ]
        for (key, value, expected) in staticCases {
            try assertRefused(try editedStatic(key, value), "\(key) = \(value)", expected)
        }
        // The file's own bytes still read (the edits above are what is refused).
        try written.write(to: url)
        XCTAssertNoThrow(try EnsembleManifest.read(url))
    }
}
