// Which rule decides which category: the config's thresholds, a checkpoint's fitted rule file, command-line overrides.
import Foundation

/// Rule values given on the command line; each one given overrides the rule file's and the config's.
public struct SignalRuleOverrides: Sendable, Equatable {
    public var confidenceThreshold: Double?
    public var minReturn: Double?
    public var horizon: Int?
    public var confidence: String?

    public init(confidenceThreshold: Double? = nil, minReturn: Double? = nil, horizon: Int? = nil, confidence: String? = nil) {
        self.confidenceThreshold = confidenceThreshold
        self.minReturn = minReturn
        self.horizon = horizon
        self.confidence = confidence
    }

    func apply(to rule: inout SignalRule, epistemicScale: Double?) throws {
        if let confidenceThreshold { rule.confidenceThreshold = confidenceThreshold }
        if let minReturn { rule.minReturn = minReturn }
        if let horizon { rule.horizon = horizon }
        if let confidence, confidence != rule.confidence.name {
            guard let measure = ConfidenceMeasure(name: confidence, scale: epistemicScale) else {
                throw SignalError.checkpoint(file: "--confidence", reason: "'\(confidence)' needs --epistemic-scale > 0 (or a rule file fitted with it)")
            }
            rule.confidence = measure
        }
    }
}

/// The rules of a signal run. Order of precedence per category: command-line overrides, then the rule file of the
/// checkpoint scoring the category (`<checkpoint>.signal_rule.json`, when present and `useRuleFiles`), then the config.
public struct SignalRuleSet {
    public var base: SignalRule
    public var byCategory: [String: SignalRule]
    /// One line per rule file used (for stderr).
    public var notes: [String]

    /// `base` holds the config's values (and confidence definition; `epistemicScale` its s when `epistemic`).
    /// Throws `SignalError.checkpoint` for an unreadable rule file, one fitted on other weights (content hash), or an
    /// epistemic confidence without a scale.
    public init(base config: SignalRule, confidenceName: String, epistemicScale: Double?, models: SignalModelSet, categories: [String],
                useRuleFiles: Bool, overrides: SignalRuleOverrides) throws {
        var base = config
        if confidenceName != "probabilistic" || overrides.confidence != nil {
            let name = overrides.confidence ?? confidenceName
            if let measure = ConfidenceMeasure(name: name, scale: epistemicScale) { base.confidence = measure }
        }
        var byCategory: [String: SignalRule] = [:]
        var notes: [String] = []
        var files: [ObjectIdentifier: [String: SignalRule]] = [:]
        var ruleFiles: [ObjectIdentifier: SignalRuleFile] = [:]
        for category in categories {
            guard let model = models.model(for: category) else { continue }
            let key = ObjectIdentifier(model)
            if files[key] == nil {
                files[key] = [:]
                let url = SignalRuleFile.url(checkpoint: model.url)
                if useRuleFiles && FileManager.default.fileExists(atPath: url.path) {
                    let file = try SignalRuleFile.read(url)
                    if let hash = file.contentHash, let mine = model.contentHash, hash != mine {
                        throw SignalError.checkpoint(file: url.path, reason: "fitted on other weights (content_hash \(hash), the checkpoint has \(mine)); "
                                                     + "run calibrate-signals again or pass --ignore-signal-rule")
                    }
                    files[key] = file.rules(base: base)
                    ruleFiles[key] = file
                    notes.append("signals: rule \(url.path) (\(file.objective), \(file.grid.size) configurations per category, "
                                 + "confidence \(file.confidence)) decides \(file.categories.keys.sorted().joined(separator: ", "))")
                }
            }
            if var rule = files[key]![category] {
                try overrides.apply(to: &rule, epistemicScale: epistemicScale ?? rule.confidence.epistemicScale)
                byCategory[category] = rule
            } else if let file = ruleFiles[key], let reason = file.unfittedReason(category) {
                notes.append("signals: \(category) has no fitted rule (\(reason)): the config's thresholds decide it")
            }
        }
        try overrides.apply(to: &base, epistemicScale: epistemicScale)
        let uncovered = categories.contains { byCategory[$0] == nil }
        if case .epistemic = base.confidence {} else if uncovered && (overrides.confidence ?? confidenceName) == "epistemic" {
            throw SignalError.checkpoint(file: "confidence", reason: "epistemic needs epistemic_scale / --epistemic-scale > 0 for categories without a rule file")
        }
        self.base = base
        self.byCategory = byCategory
        self.notes = notes
    }
}

extension ConfidenceMeasure {
    /// s of the epistemic form (nil for the others).
    public var epistemicScale: Double? {
        if case .epistemic(let scale) = self { return scale }
        return nil
    }
}
