// DriftCheck, the library call behind `marketgpt drift`: the stored reference is used as is; a checkpoint
// without one gets a reference recomputed from the data before its validation start, and nothing after that
// day can change it (canary: the future is poisoned, the reference is byte-identical).
import Foundation
import MarketData
import MarketModel
@testable import MarketOps
import MarketPipeline
import MarketSupport
import MarketSynthetic
import MarketTensor
import MarketTestSupport
import XCTest

final class DriftCheckTests: XCTestCase {
    private func demo() throws -> (session: () throws -> UniverseSession, folder: URL, end: DayNumber) {
        let folder = try temporaryDirectory(self, prefix: "driftcheck")
        let universe = try Universe.parse(yaml: EmbeddedDemoUniverse.yaml, file: "demo")
        let generator = DemoMarketGenerator(universe: universe, seed: 5)
        try generator.write(to: folder)
        return ({ UniverseSession(definition: universe, dataDirectory: folder) }, folder, generator.endDate)
    }

    private func checkpoint(_ metadata: [String: String], in folder: URL, name: String = "c") throws -> URL {
        let url = folder.appendingPathComponent("\(name).safetensors")
        _ = try ModelCheckpoint.write(["w": Tensor([1, 2], shape: [2])], metadata: metadata, to: url)
        return url
    }

    /// Multiplies every price of every row dated after `day` by 50 (valid OHLC, absurd level).
    private func poison(_ folder: URL, after day: DayNumber) throws -> Int {
        var changed = 0
        let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)!.compactMap { $0 as? URL }
        for file in files where file.pathExtension == "csv" {
            let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            let out = lines.map { line -> String in
                let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                guard fields.count >= 5, let date = CivilDate.parseISO(fields[0]), date > day else { return String(line) }
                changed += 1
                return ([fields[0]] + fields[1...4].map { Double($0).map { String($0 * 50) } ?? $0 } + fields.dropFirst(5)).joined(separator: ",")
            }
            try out.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        }
        return changed
    }

    func testRecomputedReferenceReadsNothingOnOrAfterTheValidationStart() throws {
        let (session, folder, end) = try demo()
        let cut = end - 200
        let url = try checkpoint([CheckpointMetadata.Key.validationStart: CivilDate.isoString(cut)], in: folder)
        let file = try ModelCheckpoint.read(url)
        let before = try DriftCheck.reference(of: file, file: url.path, session: try session())
        XCTAssertTrue(before.source.hasPrefix("recomputed from the data before \(CivilDate.isoString(cut))"), before.source)
        XCTAssertGreaterThan(try poison(folder, after: cut - 1), 100)
        let after = try DriftCheck.reference(of: file, file: url.path, session: try session())
        XCTAssertEqual(try after.reference.jsonString(), try before.reference.jsonString())
        // The gate itself sees the poisoned recent window: the check can fail.
        let report = try DriftCheck.run(checkpointURL: url, session: try session(), date: end, options: DriftOptions())
        XCTAssertTrue(report.drift, report.table())
    }

    func testStoredReferenceWinsAndAMissingOneNamesTheFile() throws {
        let (session, folder, end) = try demo()
        let recomputedURL = try checkpoint([CheckpointMetadata.Key.validationStart: CivilDate.isoString(end - 300)], in: folder)
        let reference = try DriftCheck.reference(of: try ModelCheckpoint.read(recomputedURL), file: "x", session: try session()).reference
        let storedURL = try checkpoint([FeatureReference.metadataKey: try reference.jsonString()], in: folder, name: "stored")
        let stored = try DriftCheck.reference(of: try ModelCheckpoint.read(storedURL), file: storedURL.path, session: try session())
        XCTAssertEqual(stored.source, "checkpoint")
        XCTAssertEqual(stored.reference, reference)
        let bareURL = try checkpoint(["run": "r"], in: folder, name: "bare")
        XCTAssertThrowsError(try DriftCheck.run(checkpointURL: bareURL, session: try session(), date: end, options: DriftOptions())) {
            XCTAssertTrue("\($0)".hasPrefix("\(bareURL.path): no 'drift_reference'"), "\($0)")
        }
        let folderReport = folder.appendingPathComponent("reports")
        let report = try DriftCheck.run(checkpointURL: storedURL, session: try session(), date: end, options: DriftOptions())
        try DriftCheck.write(report, to: folderReport)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folderReport.appendingPathComponent("drift_\(report.date).svg").path))
    }
}
