// One line of runs/<run>/metrics.jsonl (CONTRACT.md field names) and its JSON encoding.

import Foundation

/// The figures logged for one optimizer step (one JSON object per line in `metrics.jsonl`).
public struct MetricsRecord: Equatable, Sendable {
    /// Optimizer steps completed (1-based: the record after the first step has `step == 1`).
    public var step: Int
    /// Passes over the training set started so far (0-based).
    public var epoch: Int
    /// Training loss of this step (mean Gaussian NLL per valid target).
    public var loss: Double
    /// Validation loss, only on steps where the model was evaluated.
    public var valLoss: Double?
    /// Learning rate used for this step.
    public var learningRate: Double
    /// Global gradient norm before clipping.
    public var gradNorm: Double
    /// Training samples per second over the last logging interval.
    public var samplesPerSecond: Double
    /// Seconds of training so far, summed over every session of the run (resumes included).
    public var elapsedSeconds: Double
    /// Estimated seconds to `totalSteps` (cumulative-average estimator), `nil` before the first step.
    public var etaSeconds: Double?

    public init(step: Int, epoch: Int, loss: Double, valLoss: Double? = nil, learningRate: Double,
                gradNorm: Double, samplesPerSecond: Double, elapsedSeconds: Double, etaSeconds: Double?) {
        self.step = step
        self.epoch = epoch
        self.loss = loss
        self.valLoss = valLoss
        self.learningRate = learningRate
        self.gradNorm = gradNorm
        self.samplesPerSecond = samplesPerSecond
        self.elapsedSeconds = elapsedSeconds
        self.etaSeconds = etaSeconds
    }

    /// The JSON object in CONTRACT.md order: `step, epoch, loss, val_loss (when evaluated), lr,
    /// grad_norm, samples_per_sec, elapsed_s, eta_s`; a non-finite number is written as `null`.
    public var jsonLine: String {
        var fields = ["\"step\":\(step)", "\"epoch\":\(epoch)", "\"loss\":\(Self.number(loss))"]
        if let valLoss { fields.append("\"val_loss\":\(Self.number(valLoss))") }
        fields.append("\"lr\":\(Self.number(learningRate))")
        fields.append("\"grad_norm\":\(Self.number(gradNorm))")
        fields.append("\"samples_per_sec\":\(Self.number(samplesPerSecond))")
        fields.append("\"elapsed_s\":\(Self.number(elapsedSeconds))")
        fields.append("\"eta_s\":\(etaSeconds.map(Self.number) ?? "null")")
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// The scalars TensorBoard gets, under the same names as the JSON fields.
    public var scalars: [(tag: String, value: Double)] {
        var values: [(tag: String, value: Double)] = [("loss", loss)]
        if let valLoss { values.append(("val_loss", valLoss)) }
        values += [("lr", learningRate), ("grad_norm", gradNorm), ("samples_per_sec", samplesPerSecond),
                   ("epoch", Double(epoch))]
        return values
    }

    /// Parses one `metrics.jsonl` line; `nil` if it is not a complete record.
    public init?(jsonLine line: String) {
        guard let data = line.data(using: .utf8),
              let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let step = (object["step"] as? NSNumber)?.intValue,
              let epoch = (object["epoch"] as? NSNumber)?.intValue else { return nil }
        func value(_ key: String) -> Double? { (object[key] as? NSNumber)?.doubleValue }
        self.init(step: step, epoch: epoch, loss: value("loss") ?? .nan, valLoss: value("val_loss"),
                  learningRate: value("lr") ?? .nan, gradNorm: value("grad_norm") ?? .nan,
                  samplesPerSecond: value("samples_per_sec") ?? .nan,
                  elapsedSeconds: value("elapsed_s") ?? 0, etaSeconds: value("eta_s"))
    }

    private static func number(_ x: Double) -> String { x.isFinite ? "\(x)" : "null" }
}
