// The monitor's ETA estimate, display modes and resumable metrics.jsonl.

import Foundation
import XCTest
@testable import MarketTraining
import MarketTestSupport
import MarketSupport

final class TrainingMonitorTests: XCTestCase {
    /// Steady step times (0.2 s ± 20% uniform noise, seeded): once 10% of the run is done the
    /// cumulative-average ETA is within 10% of the true remaining time, and stays so.
    func testETAWithinTenPercentAfterTenPercentOfRun() {
        var state: UInt64 = 12345
        func uniform() -> Double {  // SplitMix64
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
        }
        let total = 2000
        let stepTimes = (0..<total).map { _ in 0.2 * (0.8 + 0.4 * uniform()) }
        var clock = [0.0]
        for t in stepTimes { clock.append(clock.last! + t) }
        let estimator = ETAEstimator(totalSteps: total, startStep: 0, startTime: 0)
        XCTAssertNil(estimator.secondsRemaining(step: 0, now: 0))
        for step in stride(from: total / 10, to: total, by: 50) {
            let truth = clock[total] - clock[step]
            let eta = estimator.secondsRemaining(step: step, now: clock[step])!
            XCTAssertEqual(eta, truth, accuracy: 0.10 * truth, "step \(step)")
        }
        XCTAssertEqual(estimator.secondsRemaining(step: total, now: clock[total]), 0)
        // A resumed session estimates from its own steps only.
        let resumed = ETAEstimator(totalSteps: 100, startStep: 50, startTime: 1000)
        XCTAssertEqual(resumed.secondsRemaining(step: 60, now: 1020)!, 80, accuracy: 1e-9)
    }

    /// Not on a terminal: one plain line at the first step, then one per interval and one at the end,
    /// with printable ASCII only.
    func testPlainLinesEveryIntervalWithoutControlCharacters() throws {
        var now = 0.0
        var text = ""
        let options = TrainingMonitor.Options(totalSteps: 100, logEvery: 10, plainLineInterval: 10, isTerminal: false)
        let monitor = try TrainingMonitor(runDirectory: nil, options: options, clock: { now }, output: { text += $0 })
        for step in 1...100 {
            now += 1
            try monitor.record(step: step, epoch: step / 50, loss: 2.0, samples: 8, learningRate: 1e-3,
                               gradNorm: 1, valLoss: step == 50 ? 1.75 : nil)
        }
        monitor.finish()
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.last, "")  // ends with a newline
        XCTAssertEqual(lines.count - 1, 11, text)  // step 1, 11, 21, …, 91, and 100
        for scalar in text.unicodeScalars where scalar != "\n" {
            XCTAssertTrue((0x20...0x7E).contains(scalar.value), "control or non-ASCII character \(scalar.value)")
        }
        XCTAssertTrue(lines[0].hasPrefix("epoch 0 step 1/100 (1.0%) loss 2.0000 val - samples/s 8.0"), String(lines[0]))
        XCTAssertTrue(lines[10].contains("step 100/100 (100.0%)"), String(lines[10]))
        XCTAssertTrue(lines[10].contains("val 1.7500"), String(lines[10]))
        XCTAssertTrue(lines[10].hasSuffix("elapsed 00:01:40 eta 00:00:00"), String(lines[10]))
    }

    func testTerminalBarRedrawsInPlace() throws {
        var now = 0.0
        var text = ""
        let options = TrainingMonitor.Options(totalSteps: 10, isTerminal: true)
        let monitor = try TrainingMonitor(runDirectory: nil, options: options, clock: { now }, output: { text += $0 })
        for step in 1...10 {
            now += 1
            try monitor.record(step: step, epoch: 0, loss: 1, samples: 1, learningRate: 1, gradNorm: 1)
        }
        monitor.finish()
        XCTAssertEqual(text.filter { $0 == "\r" }.count, 11)
        XCTAssertTrue(text.contains("\u{1B}[K"))
        XCTAssertTrue(text.hasSuffix("00:00:10<00:00:00\u{1B}[K\n"), text)
        XCTAssertTrue(text.contains("|████████████████████████| 10/10 100%"), text)
    }

    func testMetricsJSONLFieldsAndResume() throws {
        let run = try temporaryDirectory(self)
        var now = 0.0
        let options = TrainingMonitor.Options(totalSteps: 10, logEvery: 2, isTerminal: false, writesTensorBoard: false)
        let first = try TrainingMonitor(runDirectory: run, options: options, clock: { now }, output: { _ in })
        for step in 1...7 {
            now += 2
            try first.record(step: step, epoch: 0, loss: 1.0 / Double(step), samples: 16, learningRate: 0.01,
                             gradNorm: 0.25, valLoss: step == 3 ? 0.5 : nil)
        }
        first.finish()
        let url = run.appendingPathComponent("metrics.jsonl")
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 4)  // steps 2, 3 (evaluated), 4, 6
        XCTAssertEqual(String(lines[0]),
                       #"{"step":2,"epoch":0,"loss":0.5,"lr":0.01,"grad_norm":0.25,"samples_per_sec":8.0,"elapsed_s":4.0,"eta_s":16.0}"#)
        XCTAssertEqual(String(lines[1]),
                       #"{"step":3,"epoch":0,"loss":0.3333333333333333,"val_loss":0.5,"lr":0.01,"grad_norm":0.25,"samples_per_sec":8.0,"elapsed_s":6.0,"eta_s":14.0}"#)

        // Simulate a crash mid-write of a record, then resume from the checkpoint at step 4.
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"step":7,"epo"#.utf8))
        try handle.close()
        now = 1000  // a new process: its clock has another origin
        let resumed = try TrainingMonitor(runDirectory: run, options: options, resumingAfterStep: 4,
                                          clock: { now }, output: { _ in })
        for step in 5...10 {
            now += 1
            try resumed.record(step: step, epoch: 1, loss: 0.1, samples: 16, learningRate: 0.01, gradNorm: 0.25)
        }
        resumed.finish()
        let records = try MetricsLogWriter.read(url)
        XCTAssertEqual(records.map(\.step), [2, 3, 4, 6, 8, 10])
        XCTAssertEqual(records.map(\.epoch), [0, 0, 0, 1, 1, 1])
        XCTAssertEqual(records[3].elapsedSeconds, 8 + 2, accuracy: 1e-9)  // continues from step 4's 8 s
        XCTAssertEqual(records[5].elapsedSeconds, 8 + 6, accuracy: 1e-9)
        XCTAssertEqual(records[3].etaSeconds!, 4, accuracy: 1e-9)       // 1 s/step since the resume
        XCTAssertEqual(records[3].samplesPerSecond, 16, accuracy: 1e-9)
        XCTAssertTrue(try String(contentsOf: url, encoding: .utf8).hasSuffix("}\n"))

        // A fresh run with the same name starts a new log.
        let fresh = try TrainingMonitor(runDirectory: run, options: options, clock: { now }, output: { _ in })
        try fresh.record(step: 2, epoch: 0, loss: .nan, samples: 1, learningRate: 0.01, gradNorm: .infinity)
        fresh.finish()
        let freshLines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(freshLines.count, 1)
        XCTAssertTrue(freshLines[0].contains(#""loss":null"#) && freshLines[0].contains(#""grad_norm":null"#))
    }
}
