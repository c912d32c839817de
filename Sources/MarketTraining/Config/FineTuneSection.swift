// The `finetune:` section of a training config: the fall-back gate of `marketgpt finetune` (ignored by the other commands).
import MarketSupport

/// How `marketgpt finetune` guards against fine-tuning that makes the model worse (`WalkForwardOptions`):
/// ```yaml
/// finetune: { fall_back: true, guard_bars: 42, fall_back_significance: 0.05 }
/// ```
/// `--fall-back` / `--no-fall-back` override `fall_back`, `--guard-bars` `guard_bars`, `--fall-back-significance`
/// `fall_back_significance`.
public struct FineTuneSection: Codable, Equatable, Sendable, ValidatedConfig {
    /// `fall_back` [false]: return the pre-trained weights — and its calibration, byte for byte — when the fine-tuned
    /// path scored a worse NLL than the pre-trained model on the walk-forward windows, or the final weights a worse
    /// NLL on the last update's held-out tail (`WalkForwardOptions.fallBackUnlessWindowsImprove`).
    public var fallBack = false
    /// `guard_bars` [42]: bars per asset the last update holds out for that check (`WalkForwardOptions.guardBars`).
    public var guardBars = 42
    /// `fall_back_significance` [none]: with `fall_back`, keep the fine-tuned weights only when they beat the pre-trained
    /// ones on both the windows and the last update's held-out tail with a Diebold–Mariano p below α, 0 < α < 1 (as the
    /// experiment's `walk_forward.fall_back_significance`; `WalkForwardOptions.fallBackSignificance`). Needs `fall_back: true`.
    public var fallBackSignificance: Double?

    public init() {}

    enum CodingKeys: String, CodingKey { case fallBack = "fall_back", guardBars = "guard_bars", fallBackSignificance = "fall_back_significance" }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self), d = FineTuneSection()
        fallBack = try c.decodeIfPresent(Bool.self, forKey: .fallBack) ?? d.fallBack
        guardBars = try c.decodeIfPresent(Int.self, forKey: .guardBars) ?? d.guardBars
        fallBackSignificance = try c.decodeIfPresent(Double.self, forKey: .fallBackSignificance)
    }

    public func validate() throws {
        guard (1...2520).contains(guardBars) else {
            throw ConfigValueError(keyPath: [CodingKeys.guardBars.rawValue], reason: "must be in 1…2520, found \(guardBars)")
        }
        if let alpha = fallBackSignificance {
            guard WalkForwardOptions.isValidSignificance(alpha) else {
                throw ConfigValueError(keyPath: [CodingKeys.fallBackSignificance.rawValue], reason: "\(WalkForwardOptions.significanceRule), found \(alpha)")
            }
            guard fallBack else {
                throw ConfigValueError(keyPath: [CodingKeys.fallBackSignificance.rawValue], reason: "needs fall_back: true (it tightens the fall-back gate)")
            }
        }
    }
}
