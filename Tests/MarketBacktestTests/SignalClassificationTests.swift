// Classification metrics of signals: a hand-worked confusion matrix, realised labels, and scikit-learn's numbers.
import Foundation
import XCTest
import MarketData
@testable import MarketBacktest
import MarketTestSupport

final class SignalClassificationTests: XCTestCase {
    /// 10 predictions by hand: per-class precision/recall/F1, macro-F1 and accuracy.
    func testMetricsByHand() {
        let a: [SignalClass] = [.long, .long, .long, .hold, .hold, .hold, .hold, .short, .short, .short]
        let p: [SignalClass] = [.long, .hold, .short, .hold, .hold, .long, .hold, .short, .hold, .hold]
        let m = ClassificationMetrics(actual: a, predicted: p)
        XCTAssertEqual(m.confusion, [[1, 2, 0], [0, 3, 1], [1, 1, 1]])   // rows actual short, hold, long
        XCTAssertEqual(m.support, [3, 4, 3])
        XCTAssertEqual(m.precision, [1.0 / 2, 3.0 / 6, 1.0 / 2])
        XCTAssertEqual(m.recall, [1.0 / 3, 3.0 / 4, 1.0 / 3])
        XCTAssertEqual(m.f1[1], 2 * 0.5 * 0.75 / 1.25, accuracy: 1e-15)
        XCTAssertEqual(m.macroF1, (0.4 + 0.6 + 0.4) / 3, accuracy: 1e-12)
        XCTAssertEqual(m.accuracy, 0.5)
        // Constant HOLD: only hold is ever right; a class never predicted scores 0.
        let hold = SignalClassification.baselines(of: m).constantHold
        XCTAssertEqual(hold.accuracy, 0.4)
        XCTAssertEqual(hold.macroF1, (2 * 0.4 / 1.4) / 3, accuracy: 1e-12)
    }

    /// Labels from realised closes: h = 1 and h = 2 bars, τ = 1 %, a missing day skipped, the last rows unlabelled.
    func testRealisedLabels() {
        let prices = Fixture.prices([[Fixture.bar(100, 100), Fixture.bar(100, 102), nil, Fixture.bar(102, 101.5), Fixture.bar(101, 99)]])
        let records = [Fixture.signal(0, "A0", .buy), Fixture.signal(1, "A0", .hold), Fixture.signal(2, "A0", .sell),
                       Fixture.signal(3, "A0", .sell), Fixture.signal(4, "A0", .buy), Fixture.signal(0, "ZZ", .buy)]
        let c = SignalClassification(records: records, prices: prices, horizon: 1, threshold: 0.01)
        // day0 +2 % long (BUY ✓); day1 → day3 −0.49 % hold (HOLD ✓); day2 = day1's bar → hold (SELL ✗);
        // day3 → day4 −2.46 % short (SELL ✓); day4 and ZZ unlabelled.
        XCTAssertEqual(c.unlabelled, 2)
        XCTAssertEqual(c.pooled.confusion, [[1, 0, 0], [1, 1, 0], [0, 0, 1]])
        let two = SignalClassification(records: records, prices: prices, horizon: 2, threshold: 0.01)
        XCTAssertEqual(two.unlabelled, 3)
        XCTAssertEqual(two.pooled.support, [2, 0, 1])   // day1 and day2 → day4 −2.9 % short, day0 → day3 +1.5 % long
    }

    /// The same numbers as scikit-learn's `confusion_matrix`, `precision_recall_fscore_support`, `f1_score(macro)`
    /// and `accuracy_score` on 400 seeded labels (skipped without MARKETGPT_PYTHON / scikit-learn).
    func testAgreesWithScikitLearn() throws {
        var state: UInt64 = 12345
        func next() -> Int { state = state &* 6364136223846793005 &+ 1442695040888963407; return Int(state >> 33) % 3 }
        let actual = (0..<400).map { _ in SignalClass(rawValue: next())! }
        let predicted = actual.map { a in next() == 0 ? SignalClass(rawValue: next())! : a == .long && next() == 1 ? .hold : a }
        let m = ClassificationMetrics(actual: actual, predicted: predicted)
        let script = """
        import sys, json
        from sklearn.metrics import confusion_matrix, precision_recall_fscore_support, f1_score, accuracy_score
        a = [int(x) for x in sys.argv[1].split(',')]; p = [int(x) for x in sys.argv[2].split(',')]
        L = [-1, 0, 1]
        pr, rc, f, s = precision_recall_fscore_support(a, p, labels=L, zero_division=0)
        print(json.dumps({"confusion": confusion_matrix(a, p, labels=L).tolist(), "precision": pr.tolist(), "recall": rc.tolist(),
                          "f1": f.tolist(), "support": s.tolist(), "macro": f1_score(a, p, labels=L, average="macro", zero_division=0),
                          "accuracy": accuracy_score(a, p)}))
        """
        let out = try PythonRunner.run(script, arguments: [actual.map { String($0.rawValue - 1) }.joined(separator: ","),
                                                          predicted.map { String($0.rawValue - 1) }.joined(separator: ",")])
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        XCTAssertEqual(json["confusion"] as? [[Int]], m.confusion)
        XCTAssertEqual(json["support"] as? [Int], m.support)
        for (key, mine) in [("precision", m.precision), ("recall", m.recall), ("f1", m.f1)] {
            let theirs = try XCTUnwrap(json[key] as? [Double])
            for c in 0..<3 { XCTAssertEqual(theirs[c], mine[c], accuracy: 1e-12, key) }
        }
        XCTAssertEqual(try XCTUnwrap(json["macro"] as? Double), m.macroF1, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(json["accuracy"] as? Double), m.accuracy, accuracy: 1e-12)
    }
}
