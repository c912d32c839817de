// Text of the monitor's progress display: a redrawn bar on a terminal, a plain log line elsewhere.

/// What the progress display shows at one moment.
public struct ProgressSnapshot: Sendable, Equatable {
    public var epoch: Int
    public var step: Int
    public var totalSteps: Int
    /// Exponential moving average of the training loss (bias-corrected).
    public var emaLoss: Double
    /// Most recent validation loss, if any evaluation has run.
    public var valLoss: Double?
    public var samplesPerSecond: Double
    public var elapsedSeconds: Double
    public var etaSeconds: Double?

    public init(epoch: Int, step: Int, totalSteps: Int, emaLoss: Double, valLoss: Double?,
                samplesPerSecond: Double, elapsedSeconds: Double, etaSeconds: Double?) {
        self.epoch = epoch
        self.step = step
        self.totalSteps = totalSteps
        self.emaLoss = emaLoss
        self.valLoss = valLoss
        self.samplesPerSecond = samplesPerSecond
        self.elapsedSeconds = elapsedSeconds
        self.etaSeconds = etaSeconds
    }

    /// A terminal bar, drawn over the previous one: `\r` + text + erase-to-end-of-line (no newline).
    /// `epoch 1 |█████▌    | 1200/5000 24% | loss 1.2345 | val 1.3012 | 512 samples/s | 00:01:10<00:03:42`
    public func terminalBar(width: Int = 24) -> String {
        let fraction = totalSteps > 0 ? min(1, max(0, Double(step) / Double(totalSteps))) : 0
        let eighths = Int((fraction * Double(width * 8)).rounded(.down))
        let partials = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        var bar = String(repeating: "█", count: eighths / 8)
        if eighths / 8 < width { bar += partials[eighths % 8] }
        bar += String(repeating: " ", count: max(0, width - bar.count))
        let text = "epoch \(epoch) |\(bar)| \(step)/\(totalSteps) \(Int(fraction * 100))% | loss \(Self.fixed(emaLoss, 4))"
            + " | val \(valLoss.map { Self.fixed($0, 4) } ?? "-") | \(Self.fixed(samplesPerSecond, 0)) samples/s"
            + " | \(Self.clock(elapsedSeconds))<\(etaSeconds.map(Self.clock) ?? "--:--:--")"
        return "\r" + text + "\u{1B}[K"
    }

    /// One plain ASCII line ending in a newline, no control characters (for logs, CI, cron, nohup):
    /// `epoch 1 step 1200/5000 (24.0%) loss 1.2345 val 1.3012 samples/s 512.0 elapsed 00:01:10 eta 00:03:42`
    public var plainLine: String {
        let percent = totalSteps > 0 ? Double(step) / Double(totalSteps) * 100 : 0
        return "epoch \(epoch) step \(step)/\(totalSteps) (\(Self.fixed(percent, 1))%) loss \(Self.fixed(emaLoss, 4))"
            + " val \(valLoss.map { Self.fixed($0, 4) } ?? "-") samples/s \(Self.fixed(samplesPerSecond, 1))"
            + " elapsed \(Self.clock(elapsedSeconds)) eta \(etaSeconds.map(Self.clock) ?? "-")\n"
    }

    /// `x` with `digits` decimals (`nan`/`inf` spelled out), without Foundation's locale.
    static func fixed(_ x: Double, _ digits: Int) -> String {
        guard x.isFinite else { return x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf") }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(x) * scale).rounded()
        guard scaled < 9e15 else { return "\(x)" }
        let whole = Int64(scaled) / Int64(scale)
        let fraction = Int64(scaled) % Int64(scale)
        let sign = x < 0 && scaled > 0 ? "-" : ""
        guard digits > 0 else { return sign + "\(whole)" }
        let fractionText = String(fraction)
        return sign + "\(whole)." + String(repeating: "0", count: digits - fractionText.count) + fractionText
    }

    /// `HH:MM:SS` (hours keep growing past 99).
    static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "--:--:--" }
        let total = Int(seconds.rounded())
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(two(total / 3600)):\(two(total / 60 % 60)):\(two(total % 60))"
    }
}
