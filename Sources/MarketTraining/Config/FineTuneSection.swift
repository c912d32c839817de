// The `finetune:` section of a training config: the fall-back gate of `marketgpt finetune` (ignored by the other commands).
import MarketSupport

/// How `marketgpt finetune` guards against fine-tuning that makes the model worse (`WalkForwardOptions`):
/// ```yaml
/// finetune: { fall_back: true, guard_bars: 42 }
/// ```
/// `--fall-back` / `--no-fall-back` override `fall_back`.
public struct FineTuneSection: Codable, Equatable, Sendable, ValidatedConfig {
    /// `fall_back` [false]: return the pre-trained weights — and its calibration, byte for byte — when the fine-tuned
    /// path scored a worse NLL than the pre-trained model on the walk-forward windows, or the final weights a worse
    /// NLL on the last update's held-out tail (`WalkForwardOptions.fallBackUnlessWindowsImprove`).
    public var fallBack = false
    /// `guard_bars` [42]: bars per asset the last update holds out for that check (`WalkForwardOptions.guardBars`).
    public var guardBars = 42

    public init() {}

    enum CodingKeys: String, CodingKey { case fallBack = "fall_back", guardBars = "guard_bars" }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self), d = FineTuneSection()
        fallBack = try c.decodeIfPresent(Bool.self, forKey: .fallBack) ?? d.fallBack
        guardBars = try c.decodeIfPresent(Int.self, forKey: .guardBars) ?? d.guardBars
    }

    public func validate() throws {
        guard (1...2520).contains(guardBars) else {
            throw ConfigValueError(keyPath: [CodingKeys.guardBars.rawValue], reason: "must be in 1…2520, found \(guardBars)")
        }
    }
}
