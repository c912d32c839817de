// The calibration a fine-tuned checkpoint carries: the starting checkpoint's when fine-tuning fell back, else refitted on
// rows the kept weights forecast out of sample (the last update's held-out tail), or on the windows' rows.
import MarketModel

extension PredictiveCalibration {
    /// The calibration of a model fine-tuned from a checkpoint calibrated by `starting` (nil: none):
    /// - fine-tuning fell back (`CategoryWalkForwardResult.fellBack`): the weights are the starting ones, so the calibration
    ///   is `starting` itself (callers store the starting checkpoint's metadata entry verbatim: the same bytes);
    /// - otherwise, fitted with `method` (nil: the starting calibration's method; no calibration when there is neither) on
    ///   `heldOutTail` — the kept weights' own rows on bars no update trained on (`WalkForwardForecasts.heldOutTail`) —
    ///   when it holds at least `minimumTargets` scored targets at every step; else on `windows`, the walk-forward
    ///   windows' rows (each scored before it was trained on, but by the weights of that time: a calibration fitted there
    ///   corrects the earlier weights' spread, not the kept ones' — fine-tuning that widened σ then over-widens). The
    ///   starting calibration's rolling choices (`rolling`, chosen on the validation period) carry over.
    /// One place for `marketgpt finetune` and `marketgpt experiment`; `fittedRows` says which rows were used.
    public static func fineTuned(from starting: PredictiveCalibration?, fellBack: Bool, windows: ForecastRows, heldOutTail: ForecastRows? = nil,
                                 category: String, categoryNames: [String], method: CalibrationMethod? = nil,
                                 minimumTargets: Int = 200) -> PredictiveCalibration? {
        if fellBack { return starting }
        guard let method = method ?? starting.flatMap({ CalibrationMethod(rawValue: $0.method) }) else { return nil }
        let rows = fittedRows(windows: windows, heldOutTail: heldOutTail, minimumTargets: minimumTargets)
        var out = fit(rows.rows, categoryNames: categoryNames,
                      fittedOn: rows.isTail ? "the kept weights' rows on the last update's held-out tail of \(category) (trained on by no update)"
                                            : "walk-forward windows of \(category) (each scored before it was trained on)",
                      minimumTargets: minimumTargets, method: method)
        out.rolling = starting?.rolling
        return out
    }

    /// The rows a kept fine-tune's calibration is fitted on (and its rolling recalibration reads first): `heldOutTail` when
    /// every step holds at least `minimumTargets` scored targets, else `windows`.
    public static func fittedRows(windows: ForecastRows, heldOutTail: ForecastRows?, minimumTargets: Int = 200) -> (rows: ForecastRows, isTail: Bool) {
        guard let tail = heldOutTail, tail.horizon > 0 else { return (windows, false) }
        let h = tail.horizon
        var perStep = [Int](repeating: 0, count: h)
        for k in tail.targets.indices where tail.targets[k].isFinite && tail.model.isValid(k) { perStep[k % h] += 1 }
        return perStep.allSatisfy { $0 >= minimumTargets } ? (tail, true) : (windows, false)
    }
}
