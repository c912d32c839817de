// ForecastEvaluation: score cards (overall and per horizon step) and Diebold–Mariano tests of one set of ForecastRows.
import Foundation
import MarketData

/// The metrics of the model and of each baseline on the same targets, per horizon step, and the
/// Diebold–Mariano tests of the model's NLL against each baseline.
public struct ForecastEvaluation: Codable, Sendable {
    /// Origins (S) and scored targets.
    public var origins: Int
    public var targets: Int
    /// Score card per forecaster (`model`, `rw`, `ewma`, `garch`, `garch_t`), each scored with its own law.
    public var scores: [String: ForecastScoreCard]
    /// Score cards per horizon step h = 1…H, per forecaster.
    public var perHorizon: [String: [ForecastScoreCard]]
    /// DM test of NLL(model) − NLL(baseline) per baseline name: negative statistic = the model is better.
    /// The loss series is the daily mean differential over assets and steps (HAC lags ≥ H − 1).
    public var dieboldMariano: [String: DieboldMarianoResult]

    /// Scores `rows` (call `ForecastCollector.attach` first so every forecaster has the same targets).
    public init(_ rows: ForecastRows) {
        let h = rows.horizon
        origins = rows.count
        targets = rows.scoredTargetCount
        let rowDays = rows.days.map { Int($0) }
        let targetDays = rowDays.flatMap { day in [Int](repeating: day, count: h) }   // (S·H) origin day per target
        var scores: [String: ForecastScoreCard] = [:], perHorizon: [String: [ForecastScoreCard]] = [:]
        var losses: [String: [Double]] = [:]
        // Rank IC groups one horizon step of one origin day: id = day·H + step.
        let icGroups = rowDays.flatMap { day in (0..<h).map { day &* h &+ $0 } }
        for name in rows.forecasterNames {
            let laws = rows.laws(name)
            let perTarget = LawScores(target: rows.targets, laws: laws)
            scores[name] = ForecastScoreCard(target: rows.targets, laws: laws, scores: perTarget, dateIDs: icGroups)
            perHorizon[name] = ForecastScoreCard.perHorizon(target: rows.targets, laws: laws, horizon: h, dateIDs: rowDays, scores: perTarget)
            losses[name] = perTarget.negativeLogLikelihood
        }
        var tests: [String: DieboldMarianoResult] = [:]
        if let model = losses["model"] {
            for name in rows.forecasterNames where name != "model" {
                let differential = DieboldMariano.dailyMeanDifferential(lossA: model, lossB: losses[name]!, dateIDs: targetDays)
                let defaultLags = Int((4 * pow(Double(differential.count) / 100, 2.0 / 9)).rounded(.down))
                tests[name] = DieboldMariano.test(differential: differential, lags: max(h - 1, defaultLags))
            }
        }
        self.scores = scores
        self.perHorizon = perHorizon
        dieboldMariano = tests
    }
}
