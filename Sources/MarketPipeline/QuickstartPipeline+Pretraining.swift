// Quickstart stage 3: pre-training of configs/quickstart.yaml over the gap-filled universe (MarketTraining.Pretrainer).
import Foundation
import MarketData
import MarketModel
import MarketTensor
import MarketTraining
import MarketSupport

extension QuickstartPipeline {
    /// Pre-trains from scratch on the loaded, gap-filled universe; the training monitor reports progress on
    /// stderr and writes `runs/<run>/metrics.jsonl` and TensorBoard events; the weights go to
    /// `checkpoints/<run>/pretrained.safetensors` (optimizer/RNG state beside them).
    func pretrain() throws -> QuickstartStageResult {
        guard let loaded, let config else { throw QuickstartError("pre-training: the universe was not loaded") }
        let inputs = TrainingInputs(loaded: loaded)
        let (store, idTable) = (inputs.store, inputs.idTable)
        let options = PretrainingOptions(config: config, stopStep: settings.steps, checkpointDirectory: url(checkpointPath),
                                         runDirectory: url(runPath), resume: false, overwrite: true)
        let summary: PretrainingSummary
        do {
            summary = try Pretrainer.run(store: store, idTable: idTable, options: options)
        } catch let error as TrainingError {
            throw QuickstartError("pre-training: \(error.description)")
        } catch let error as TensorError {
            throw QuickstartError("pre-training: \(error)")
        }
        pretrainedCheckpoint = summary.checkpoint.weightsURL
        pretrainingTestStart = summary.split.testStart
        var result = QuickstartStageResult(name: "", title: "", status: .done)
        result.artefacts = [
            ("weights", relative(summary.checkpoint.weightsURL)),
            ("optimizer_state", relative(summary.checkpoint.stateURL)),
            ("metrics", "\(runPath)/metrics.jsonl"),
        ]
        let events = (try? FileManager.default.contentsOfDirectory(atPath: url(runPath).path))?
            .filter { $0.hasPrefix("events.out.tfevents") }.sorted() ?? []
        if let last = events.last { result.artefacts.append(("tensorboard", "\(runPath)/\(last)")) }
        func number(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "-" }
        let stop: String
        switch summary.stopReason {
        case .reachedStep(let step): stop = "reached step \(step)"
        case .earlyStopped(let bestStep, _): stop = "early stop (best at step \(bestStep))"
        }
        result.figures = [
            ("steps", String(summary.step)), ("stop", stop), ("parameters", String(summary.parameterCount)),
            ("val_loss", number(summary.lastValidationLoss)), ("best_val_loss", number(summary.bestValidationLoss)),
            ("samples_per_s", String(format: "%.1f", summary.samplesPerSecond)),
            ("validation_start", CivilDate.isoString(summary.split.validationStart)),
            ("test_start", CivilDate.isoString(summary.split.testStart)),
            ("windows_train_validation_test", "\(summary.windowCounts.train)/\(summary.windowCounts.validation)/\(summary.windowCounts.test)"),
        ]
        return result
    }

    /// `file` relative to the working folder when it lies inside it.
    func relative(_ file: URL) -> String {
        let base = settings.workingDirectory.standardizedFileURL.path + "/"
        let path = file.standardizedFileURL.path
        return path.hasPrefix(base) ? String(path.dropFirst(base.count)) : path
    }
}
