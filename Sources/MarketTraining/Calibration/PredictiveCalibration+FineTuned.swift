// The calibration a fine-tuned checkpoint carries: the starting checkpoint's when fine-tuning fell back, else refitted on the windows.
import MarketModel

extension PredictiveCalibration {
    /// The calibration of a model fine-tuned from a checkpoint calibrated by `starting` (nil: none):
    /// - fine-tuning fell back (`CategoryWalkForwardResult.fellBack`): the weights are the starting ones, so the calibration
    ///   is `starting` itself (callers store the starting checkpoint's metadata entry verbatim: the same bytes);
    /// - otherwise, fitted on `windows` — the walk-forward windows' rows, each scored before it was trained on — with
    ///   `method` (nil: the starting calibration's method; no calibration when there is neither); the starting
    ///   calibration's rolling choices (`rolling`, chosen on the validation period) carry over.
    /// One place for `marketgpt finetune` and `marketgpt experiment`.
    public static func fineTuned(from starting: PredictiveCalibration?, fellBack: Bool, windows: ForecastRows, category: String,
                                 categoryNames: [String], method: CalibrationMethod? = nil) -> PredictiveCalibration? {
        if fellBack { return starting }
        guard let method = method ?? starting.flatMap({ CalibrationMethod(rawValue: $0.method) }) else { return nil }
        var out = fit(windows, categoryNames: categoryNames,
                      fittedOn: "walk-forward windows of \(category) (each scored before it was trained on)", method: method)
        out.rolling = starting?.rolling
        return out
    }
}
