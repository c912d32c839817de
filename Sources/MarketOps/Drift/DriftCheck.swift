// The drift check as one library call (what `marketgpt drift` runs): the checkpoint's reference against the
// last N days of a universe session, written as drift_<date>.json + .svg.
import Foundation
import MarketData
import MarketModel
import MarketPipeline
import MarketSupport

/// `marketgpt drift` as a library workflow: reference of a checkpoint vs the universe as of a date.
public enum DriftCheck {
    /// The drift reference of `checkpoint` (read from `file`) and where it came from: the `drift_reference`
    /// stored at training time, or — for a checkpoint written before the drift gate — recomputed from the
    /// session's data before the checkpoint's `split.validation_start` (nothing on or after that day is read).
    /// Throws `PipelineError` naming the file when neither exists or the stored one is damaged.
    public static func reference(of checkpoint: ModelCheckpoint, file: String,
                                 session: UniverseSession) throws -> (reference: FeatureReference, source: String) {
        let stored: FeatureReference?
        do { stored = try DriftGate.reference(of: checkpoint, file: file) } catch let error as DataError {
            throw PipelineError(error.description)
        }
        if let stored { return (stored, "checkpoint") }
        guard let cut = CheckpointMetadata(checkpoint.metadata).validationStart else {
            throw PipelineError("\(file): no '\(FeatureReference.metadataKey)' and no \(CheckpointMetadata.Key.validationStart) in __metadata__; cannot build a reference")
        }
        return (reference(of: session, before: cut), "recomputed from the data before \(CivilDate.isoString(cut))")
    }

    /// The drift reference fitted on every asset's features of `session` strictly before the day `cut` (the
    /// reference a checkpoint trained up to `cut` stores; nothing on or after `cut` is read).
    public static func reference(of session: UniverseSession, before cut: DayNumber) -> FeatureReference {
        let store = FeatureStore(loaded: session.loaded(asOf: cut - 1))
        return FeatureReference.fitted(store, ranges: store.assets.map { 0..<$0.count },
                                       categoryNames: session.definition.categories.map(\.name))
    }

    /// Runs the KS/BH gate of `checkpointURL`'s reference against `session` as of `date` (rows after it are
    /// never read). Throws `PipelineError` for an unreadable checkpoint or a missing reference.
    public static func run(checkpointURL: URL, session: UniverseSession, date: DayNumber, options: DriftOptions) throws -> DriftReport {
        let checkpoint: ModelCheckpoint
        do { checkpoint = try ModelCheckpoint.read(checkpointURL) } catch { throw PipelineError("\(error)") }
        let (reference, source) = try reference(of: checkpoint, file: checkpointURL.path, session: session)
        return DriftGate.run(reference: reference, loaded: session.loaded(asOf: date), date: date, options: options, referenceSource: source)
    }

    /// Writes `folder/drift_<date>.json` and `.svg` atomically; returns the JSON text.
    @discardableResult
    public static func write(_ report: DriftReport, to folder: URL) throws -> String {
        let text = try report.jsonString()
        do {
            try AtomicFile.write(text + "\n", to: folder.appendingPathComponent("drift_\(report.date).json"))
            try AtomicFile.write(DriftChart.svg(report), to: folder.appendingPathComponent("drift_\(report.date).svg"))
        } catch { throw PipelineError("\(folder.path): cannot write the drift report (\(error.localizedDescription))") }
        return text
    }
}
