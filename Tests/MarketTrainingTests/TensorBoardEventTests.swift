// CRC-32C vectors, protobuf/TFRecord framing, and TensorBoard's own reader on our event files.

import Foundation
import XCTest
@testable import MarketTraining
import MarketTestSupport

final class TensorBoardEventTests: XCTestCase {
    func testCRC32CKnownVectors() {
        // RFC 3720 (iSCSI) B.4 and the standard check value.
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
        XCTAssertEqual(CRC32C.checksum((0..<32).map { UInt8($0) }), 0x46DD_794E)
        XCTAssertEqual(CRC32C.checksum([UInt8]()), 0)
        // tensorboard.compat.tensorflow_stub.pywrap_tensorflow.masked_crc32c(b"123456789")
        XCTAssertEqual(CRC32C.maskedChecksum(Array("123456789".utf8)), 0xC78A_B0E5)
    }

    func testProtobufVarintsAndFields() {
        var writer = ProtobufWriter()
        writer.appendVarint(300)
        XCTAssertEqual(writer.bytes, [0xAC, 0x02])
        var negative = ProtobufWriter()
        negative.appendInt64(field: 2, -1)
        XCTAssertEqual(negative.bytes, [0x10] + [UInt8](repeating: 0xFF, count: 9) + [0x01])
        var float = ProtobufWriter()
        float.appendFloat(field: 2, 1.0)
        XCTAssertEqual(float.bytes, [0x15, 0x00, 0x00, 0x80, 0x3F])
    }

    func testTFRecordFramingRoundTrip() {
        let data = TensorBoardEvent.scalars([("loss", 1.5)], step: 7, wallTime: 100)
        let record = TensorBoardEvent.tfRecord(data)
        XCTAssertEqual(record.count, data.count + 16)
        let length = record[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        XCTAssertEqual(Int(length), data.count)
        func u32(_ at: Int) -> UInt32 { (0..<4).reduce(UInt32(0)) { $0 | UInt32(record[at + $1]) << (8 * UInt32($1)) } }
        XCTAssertEqual(u32(8), CRC32C.maskedChecksum(record[0..<8]))
        XCTAssertEqual(Array(record[12..<(12 + data.count)]), data)
        XCTAssertEqual(u32(12 + data.count), CRC32C.maskedChecksum(data))
        // Event{wall_time=100 (field 1, double), step=7 (field 2)} then the summary (field 5).
        XCTAssertEqual(Array(data[0..<9]), [0x09] + Array(withUnsafeBytes(of: Double(100).bitPattern.littleEndian, Array.init)))
        XCTAssertEqual(Array(data[9..<11]), [0x10, 0x07])
        XCTAssertEqual(data[11], 0x2A)
    }

    /// TensorBoard's EventAccumulator reads a fresh run and then a resumed one (new events file with a
    /// SessionLog START): the redone steps appear once, with the resumed session's values.
    func testTensorBoardReadsOurEventFiles() throws {
        let run = try temporaryDirectory(self)
        var now = 0.0
        let options = TrainingMonitor.Options(totalSteps: 20, logEvery: 2, isTerminal: false)
        let first = try TrainingMonitor(runDirectory: run, options: options, clock: { now }, output: { _ in })
        for step in 1...12 {
            now += 0.5
            try first.record(step: step, epoch: 0, loss: Double(step), samples: 4, learningRate: 1e-3,
                             gradNorm: 0.5, valLoss: step == 10 ? 3.25 : nil)
        }
        first.finish()  // "killed" after step 12; the last checkpoint was at step 8
        let resumed = try TrainingMonitor(runDirectory: run, options: options, resumingAfterStep: 8,
                                          clock: { now }, output: { _ in })
        for step in 9...20 {
            now += 0.5
            try resumed.record(step: step, epoch: 1, loss: Double(step) + 100, samples: 4, learningRate: 1e-3,
                               gradNorm: 0.5, valLoss: step == 20 ? 2.5 : nil)
        }
        resumed.finish()
        let files = try FileManager.default.contentsOfDirectory(atPath: run.path).filter { $0.contains("tfevents") }
        XCTAssertEqual(files.count, 2)

        let script = """
        import sys, json
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
        acc = EventAccumulator(sys.argv[1], size_guidance={'scalars': 0})
        acc.Reload()
        out = {tag: [[e.step, e.value] for e in acc.Scalars(tag)] for tag in acc.Tags()['scalars']}
        print(json.dumps(out))
        """
        let output = try PythonRunner.run(script, arguments: [run.path])
        let scalars = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: [[Double]]])
        let loss = try XCTUnwrap(scalars["loss"])
        XCTAssertEqual(loss.map { Int($0[0]) }, [2, 4, 6, 8, 10, 12, 14, 16, 18, 20])
        XCTAssertEqual(loss.map { $0[1] }, [2, 4, 6, 8, 110, 112, 114, 116, 118, 120])
        XCTAssertEqual(try XCTUnwrap(scalars["val_loss"]).map { $0 }, [[20, 2.5]])
        XCTAssertEqual(try XCTUnwrap(scalars["lr"]).first?[1] ?? 0, 1e-3, accuracy: 1e-9)
        for tag in ["grad_norm", "samples_per_sec", "epoch"] { XCTAssertNotNil(scalars[tag], tag) }
    }
}
