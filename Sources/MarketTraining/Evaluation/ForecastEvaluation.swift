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
    /// Per forecaster: HAC tests of its 50 % and 90 % central-interval coverage against nominal (`CoverageTest`).
    /// Nil in evaluations written before it existed.
    public var coverageTests: [String: CoverageTest]?

    /// Scores `rows` (call `ForecastCollector.attach` first so every forecaster has the same targets).
    public init(_ rows: ForecastRows) {
        let h = rows.horizon
        origins = rows.count
        targets = rows.scoredTargetCount
        let rowDays = rows.days.map { Int($0) }
        let targetDays = rowDays.flatMap { day in [Int](repeating: day, count: h) }   // (S·H) origin day per target
        var scores: [String: ForecastScoreCard] = [:], perHorizon: [String: [ForecastScoreCard]] = [:]
        var losses: [String: [Double]] = [:]
        var coverage: [String: CoverageTest] = [:]
        // Rank IC groups one horizon step of one origin day: id = day·H + step.
        let icGroups = rowDays.flatMap { day in (0..<h).map { day &* h &+ $0 } }
        for name in rows.forecasterNames {
            let laws = rows.laws(name)
            let perTarget = LawScores(target: rows.targets, laws: laws)
            scores[name] = ForecastScoreCard(target: rows.targets, laws: laws, scores: perTarget, dateIDs: icGroups)
            perHorizon[name] = ForecastScoreCard.perHorizon(target: rows.targets, laws: laws, horizon: h, dateIDs: rowDays, scores: perTarget)
            losses[name] = perTarget.negativeLogLikelihood
            coverage[name] = CoverageTest(pit: perTarget.pit, dateIDs: targetDays, lags: h - 1)
        }
        var tests: [String: DieboldMarianoResult] = [:]
        if let model = losses["model"] {
            for name in rows.forecasterNames where name != "model" {
                let differential = DieboldMariano.dailyMeanDifferential(lossA: model, lossB: losses[name]!, dateIDs: targetDays)
                tests[name] = DieboldMariano.test(differential: differential, lags: max(h - 1, DieboldMariano.defaultLags(count: differential.count)))
            }
        }
        self.scores = scores
        self.perHorizon = perHorizon
        dieboldMariano = tests
        coverageTests = coverage
    }
}

/// Whether a forecaster's central-interval coverage differs from nominal beyond sampling noise: for each level ℓ the
/// series dₜ = (share of day t's targets inside the central ℓ interval) − ℓ over target days in order, tested for zero mean
/// with the Diebold–Mariano machinery (Newey–West variance, lags ≥ H − 1): it covers the serial dependence of overlapping
/// steps and the cross-sectional dependence of one day's assets, which a binomial interval would ignore. `meanDifference`
/// is the day-weighted coverage minus ℓ (the pooled coverage weighs targets, so the two differ slightly on unequal days).
public struct CoverageTest: Codable, Equatable, Sendable {
    public var coverage50: DieboldMarianoResult, coverage90: DieboldMarianoResult

    /// Tests the PIT values `pit` (NaN: no valid law or target) of targets grouped by `dateIDs` (one per PIT value).
    public init(pit: [Double], dateIDs: [Int], lags: Int) {
        precondition(pit.count == dateIDs.count, "CoverageTest: one date per PIT value")
        func test(_ level: Double) -> DieboldMarianoResult {
            let hits = pit.map { u -> Double in u.isNaN ? .nan : (abs(u - 0.5) <= level / 2 ? 1 : 0) }
            let differential = DieboldMariano.dailyMeanDifferential(lossA: hits, lossB: [Double](repeating: level, count: hits.count), dateIDs: dateIDs)
            return DieboldMariano.test(differential: differential, lags: max(lags, DieboldMariano.defaultLags(count: differential.count)))
        }
        coverage50 = test(0.5)
        coverage90 = test(0.9)
    }

    enum CodingKeys: String, CodingKey { case coverage50 = "coverage_50", coverage90 = "coverage_90" }
}
