// Quickstart stages 4 and 5: walk-forward fine-tuning of one category, then its out-of-sample evaluation
// against the baselines (MarketTraining.FineTuneRunner does both; stage 5 reports the evaluation half).
import Foundation
import MarketData
import MarketModel
import MarketTensor
import MarketTraining

extension QuickstartPipeline {
    /// Stage 4: walk-forward fine-tuning of `settings.category` from the pre-trained checkpoint (each window
    /// evaluated before it is trained on, a purge of H bars), then the out-of-sample test of the last
    /// `settings.oosYears`, which neither pre-training (its test range covers it) nor fine-tuning sees.
    func finetune() throws -> QuickstartStageResult {
        guard let loaded, let config, let pretrainedCheckpoint else {
            throw QuickstartError("fine-tuning: no pre-trained checkpoint (stage 3 did not run)")
        }
        let inputs = TrainingInputs(loaded: loaded)
        let (store, idTable) = (inputs.store, inputs.idTable)
        var options = WalkForwardOptions()
        options.windowMonths = 6
        options.oosYears = settings.oosYears
        options.epochs = 1
        options.walkForwardYears = 2
        options.trainMonths = 24
        options.maxStepsPerWindow = settings.maxStepsPerWindow
        options.seed = settings.seed
        var runner = FineTuneRunner(checkpointURL: pretrainedCheckpoint, checkpointDirectory: url(checkpointPath),
                                    runDirectory: url(runPath), run: settings.run, options: options, training: config.training)
        // Windows over pre-training's validation period (after train_end), OOS = its test period: leak-free by construction.
        runner.periodsFromCheckpointSplit = true
        let report: WalkForwardReport
        do {
            report = try runner.run(store: store, idTable: idTable, categories: [settings.category]) { [progress = self.report] in progress($0) }
        } catch let error as TrainingError {
            throw QuickstartError("fine-tuning: \(error.description)")
        } catch let error as TensorError {
            throw QuickstartError("fine-tuning: \(error)")
        }
        fineTuneReport = report
        let name = settings.category
        guard let result = report.categories.first else { throw QuickstartError("fine-tuning: no result for \(name)") }
        var stage = QuickstartStageResult(name: "", title: "", status: .done)
        stage.artefacts = [
            ("weights", "\(checkpointPath)/model_finetuned_\(name).safetensors"),
            ("walkforward", "\(runPath)/walkforward_\(name).csv"),
            ("nll_windows_chart", "\(runPath)/nll_windows_\(name).svg"),
        ]
        stage.figures = [
            ("windows", String(result.windows.count)), ("fine_tune_steps", String(result.fineTuneSteps)),
            ("out_of_sample_start", result.outOfSampleStart), ("last_day", result.lastDay),
        ]
        if result.outOfSampleOverlapsPretraining {
            stage.note = "the out-of-sample period overlaps the pre-training data: its pre-trained scores are optimistic"
        }
        return stage
    }

    /// Stage 5: the out-of-sample scores (NLL, CRPS, 50/90 % coverage, direction) of the pre-trained and
    /// fine-tuned model against the random-walk, EWMA and GARCH baselines, with Diebold–Mariano tests.
    func evaluate() throws -> QuickstartStageResult {
        guard let walkForward = fineTuneReport, let result = walkForward.categories.first else {
            throw QuickstartError("evaluation: fine-tuning did not run")
        }
        report(walkForward.table)
        var stage = QuickstartStageResult(name: "", title: "", status: .done)
        stage.artefacts = [
            ("report", "\(runPath)/report.json"),
            ("coverage_chart", "\(runPath)/coverage_\(settings.category).svg"),
            ("pit_chart", "\(runPath)/pit_\(settings.category).svg"),
        ]
        stage.figures = [("targets", String(result.outOfSampleFineTuned.targets))]
        for (label, evaluation) in [("pretrained", result.outOfSamplePretrained), ("finetuned", result.outOfSampleFineTuned)] {
            for name in evaluation.scores.keys.sorted() {
                let card = evaluation.scores[name]!
                let key = name == "model" ? label : name
                if label == "finetuned" && name != "model" { continue }   // baselines: once is enough
                stage.figures.append(("\(key)_nll", String(format: "%.4f", card.nll)))
                stage.figures.append(("\(key)_crps", String(format: "%.5f", card.crps)))
                stage.figures.append(("\(key)_coverage90", String(format: "%.3f", card.coverage90)))
                if card.directionalAccuracy.isFinite {
                    stage.figures.append(("\(key)_directional_accuracy", String(format: "%.3f", card.directionalAccuracy)))
                }
            }
        }
        return stage
    }
}
