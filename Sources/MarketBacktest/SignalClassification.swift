// Signals scored as a 3-class classification against realised labels: confusion matrix, per-class P/R/F1, macro-F1, accuracy.
import Foundation
import MarketData

/// The three classes, in the order of every array here (sorted like scikit-learn's labels −1, 0, 1).
public enum SignalClass: Int, CaseIterable, Sendable {
    case short = 0, hold = 1, long = 2

    /// The name used in JSON and reports.
    public var name: String { ["short", "hold", "long"][rawValue] }

    /// The class a signal predicts: SELL → short, HOLD → hold, BUY → long.
    public init(_ action: SignalAction) {
        switch action {
        case .sell: self = .short
        case .hold: self = .hold
        case .buy: self = .long
        }
    }

    /// The realised class of a forward return: > τ long, < −τ short, else hold.
    public init(forwardReturn r: Double, threshold tau: Double) {
        self = r > tau ? .long : r < -tau ? .short : .hold
    }
}

/// Classification metrics of predicted against actual classes.
public struct ClassificationMetrics: Sendable, Equatable {
    /// confusion[actual][predicted], 3 × 3 in `SignalClass` order.
    public var confusion: [[Int]]
    /// Per class (short, hold, long): precision, recall, F1 and support (actual count). A class never predicted
    /// has precision 0, one never present recall 0, and F1 is 0 when precision + recall is 0 (scikit-learn's
    /// `zero_division=0`).
    public var precision: [Double], recall: [Double], f1: [Double]
    public var support: [Int]
    /// Unweighted mean of the three F1 scores.
    public var macroF1: Double
    /// Share of correct predictions (NaN when there is none).
    public var accuracy: Double
    /// Number of labelled predictions.
    public var count: Int { support.reduce(0, +) }

    /// The metrics of `actual[i]` against `predicted[i]`.
    public init(actual: [SignalClass], predicted: [SignalClass]) {
        precondition(actual.count == predicted.count, "ClassificationMetrics: \(actual.count) labels, \(predicted.count) predictions")
        var confusion = [[Int]](repeating: [0, 0, 0], count: 3)
        for (a, p) in zip(actual, predicted) { confusion[a.rawValue][p.rawValue] += 1 }
        self.init(confusion: confusion)
    }

    /// The metrics of a confusion matrix confusion[actual][predicted].
    public init(confusion: [[Int]]) {
        precondition(confusion.count == 3 && confusion.allSatisfy { $0.count == 3 }, "ClassificationMetrics: confusion must be 3 × 3")
        self.confusion = confusion
        let classes = 0..<3
        let predictedCount = classes.map { c in classes.reduce(0) { $0 + confusion[$1][c] } }
        let support = classes.map { confusion[$0].reduce(0, +) }
        let precision = classes.map { predictedCount[$0] > 0 ? Double(confusion[$0][$0]) / Double(predictedCount[$0]) : 0 }
        let recall = classes.map { support[$0] > 0 ? Double(confusion[$0][$0]) / Double(support[$0]) : 0 }
        self.support = support
        self.precision = precision
        self.recall = recall
        f1 = classes.map { c -> Double in
            let sum = precision[c] + recall[c]
            return sum > 0 ? 2 * precision[c] * recall[c] / sum : 0
        }
        macroF1 = f1.reduce(0, +) / 3
        let total = support.reduce(0, +)
        accuracy = total > 0 ? Double(classes.reduce(0) { $0 + confusion[$1][$1] }) / Double(total) : .nan
    }

    /// The JSON object written to metrics.json (`confusion` rows = actual, columns = predicted, class order `classes`).
    public var jsonObject: [String: Any] {
        func number(_ x: Double) -> Any { x.isFinite ? x : NSNull() }
        var perClass: [String: Any] = [:]
        for c in SignalClass.allCases {
            perClass[c.name] = ["precision": number(precision[c.rawValue]), "recall": number(recall[c.rawValue]),
                                "f1": number(f1[c.rawValue]), "support": support[c.rawValue]]
        }
        return ["classes": SignalClass.allCases.map(\.name), "confusion": confusion, "per_class": perClass,
                "macro_f1": number(macroF1), "accuracy": number(accuracy), "count": count]
    }
}

/// Signal rows labelled with what happened next, and their classification metrics.
///
/// The realised label of a row dated t for its ticker: r = close(h real bars after the last real bar on or before
/// t) / close(that bar) − 1, long when r > τ, short when r < −τ, else hold. Rows whose ticker has no prices, no real
/// bar on or before t or fewer than h real bars after it are unlabelled (counted, never scored).
public struct SignalClassification: Sendable {
    /// Label horizon h in bars (default 1) and threshold τ as a fraction (default 0.005 = 0.5 %).
    public var horizon: Int
    public var threshold: Double
    /// Pooled metrics and the metrics of each category (rows' `category`; "" for rows without one).
    public var pooled: ClassificationMetrics
    public var byCategory: [String: ClassificationMetrics]
    /// Rows that could not be labelled.
    public var unlabelled: Int

    public static let defaultThreshold = 0.005

    /// Labels `records` against `prices` and scores them. Per-row horizons may differ by category (`horizons`,
    /// e.g. a fitted rule's h per category); `horizon` applies to the others.
    public init(records: [SignalRecord], prices: PriceMatrix, horizon: Int = 1, threshold: Double = SignalClassification.defaultThreshold,
                horizons: [String: Int] = [:]) {
        precondition(horizon >= 1, "SignalClassification: horizon must be ≥ 1")
        precondition(threshold >= 0, "SignalClassification: threshold must be ≥ 0")
        self.horizon = horizon
        self.threshold = threshold
        let n = prices.assetCount
        var assetIndex: [String: Int] = [:]
        for (a, ticker) in prices.tickers.enumerated() { assetIndex[ticker] = a }
        // Real rows of each asset, ascending (built lazily: only assets with signal rows).
        var realRows: [Int: [Int]] = [:]
        func rows(of a: Int) -> [Int] {
            if let cached = realRows[a] { return cached }
            let list = (0..<prices.dateCount).filter { prices.status[$0 * n + a] == BarStatus.real.rawValue }
            realRows[a] = list
            return list
        }
        var pairs: [String: (actual: [SignalClass], predicted: [SignalClass])] = [:]
        var all: (actual: [SignalClass], predicted: [SignalClass]) = ([], [])
        var unlabelled = 0
        for record in records {
            guard let a = assetIndex[record.ticker] else { unlabelled += 1; continue }
            let h = horizons[record.category] ?? horizon
            let real = rows(of: a)
            // Last real row dated on or before the record's date.
            var lo = 0, hi = real.count
            while lo < hi { let mid = (lo + hi) / 2; if prices.dates[real[mid]] <= record.date { lo = mid + 1 } else { hi = mid } }
            let i = lo - 1
            guard i >= 0, i + h < real.count else { unlabelled += 1; continue }
            let r = prices.close[real[i + h] * n + a] / prices.close[real[i] * n + a] - 1
            let actual = SignalClass(forwardReturn: r, threshold: threshold), predicted = SignalClass(record.signal)
            pairs[record.category, default: ([], [])].actual.append(actual)
            pairs[record.category, default: ([], [])].predicted.append(predicted)
            all.actual.append(actual)
            all.predicted.append(predicted)
        }
        pooled = ClassificationMetrics(actual: all.actual, predicted: all.predicted)
        byCategory = pairs.mapValues { ClassificationMetrics(actual: $0.actual, predicted: $0.predicted) }
        self.unlabelled = unlabelled
    }

    /// Reference classifiers on the same labels: constant HOLD, and a random classifier drawing each class with
    /// the signals' own class rates (its expected confusion matrix: row totals × predicted rates).
    public static func baselines(of metrics: ClassificationMetrics) -> (constantHold: ClassificationMetrics, random: ClassificationMetricsExpectation) {
        var hold = [[Int]](repeating: [0, 0, 0], count: 3)
        for c in 0..<3 { hold[c][SignalClass.hold.rawValue] = metrics.support[c] }
        return (ClassificationMetrics(confusion: hold), ClassificationMetricsExpectation(metrics))
    }

    /// The JSON object: pooled metrics, per-category metrics, label settings and the baselines' macro-F1.
    public var jsonObject: [String: Any] {
        var object = pooled.jsonObject
        let baselines = Self.baselines(of: pooled)
        object["label_horizon"] = horizon
        object["label_threshold"] = threshold
        object["unlabelled"] = unlabelled
        object["constant_hold_macro_f1"] = baselines.constantHold.macroF1
        object["random_macro_f1"] = baselines.random.macroF1.isFinite ? baselines.random.macroF1 : NSNull()
        object["categories"] = byCategory.mapValues { $0.jsonObject }
        return object
    }
}

/// The expected metrics of a random classifier that predicts class c with probability q_c (the predicted class
/// rates of `metrics`), independent of the truth: precision_c = actual rate of c, recall_c = q_c.
public struct ClassificationMetricsExpectation: Sendable, Equatable {
    public var f1: [Double]
    public var macroF1: Double
    public var accuracy: Double

    public init(_ metrics: ClassificationMetrics) {
        let total = Double(metrics.count)
        let classes = 0..<3
        let actualRate = classes.map { total > 0 ? Double(metrics.support[$0]) / total : 0 }
        let predictedRate = classes.map { c in total > 0 ? Double(classes.reduce(0) { $0 + metrics.confusion[$1][c] }) / total : 0 }
        f1 = classes.map { c in
            let p = actualRate[c], r = predictedRate[c]
            return p + r > 0 ? 2 * p * r / (p + r) : 0
        }
        macroF1 = total > 0 ? f1.reduce(0, +) / 3 : .nan
        accuracy = total > 0 ? classes.reduce(0.0) { $0 + actualRate[$1] * predictedRate[$1] } : .nan
    }
}
