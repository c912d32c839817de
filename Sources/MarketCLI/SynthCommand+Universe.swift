// `marketgpt synth --universe U --data D --category K`: correlated scenarios of a whole category by a joint bootstrap.
import Foundation
import MarketData
import MarketPipeline
import MarketSynthetic
import MarketSupport

extension SynthCommand {
    /// Loads the category's real series, draws `count` joint scenarios (rejection on the joint fidelity)
    /// and writes `DIR/scenario_<i>/<TICKER>.csv` plus `DIR/report.json`.
    func generateUniverse(universePath: String, dataPath: String, category name: String) throws {
        let outURL = URL(fileURLWithPath: out!)
        let session: UniverseSession
        do { session = try UniverseSession.open(universe: URL(fileURLWithPath: universePath), data: URL(fileURLWithPath: dataPath)) } catch let error as PipelineError {
            throw DataCommandFailure(error.description)
        }
        let options = JointSynthesisOptions(count: count, minimumFidelity: minFidelity ?? JointSynthesisOptions.defaultMinimumFidelity, maxAttempts: maxAttempts,
                                            seed: seed, length: length, stress: stress, independent: independent)
        let result: CategoryScenarioJob.Result
        do {
            result = try CategoryScenarioJob.run(session: session, universePath: universePath, category: name, options: options,
                                                 blockLength: blockLength, stressQuantile: stressQuantile, out: outURL, log: log)
        } catch let error as PipelineError {
            throw DataCommandFailure(error.description)
        } catch let error as SyntheticError {
            throw DataCommandFailure("synth: category \(name): \(error.description)")
        }
        let (scenarios, source, realMedian) = (result.scenarios, result.source, result.realMedianCorrelation)
        let medians = scenarios.map { String(format: "%.3f", $0.medianCorrelation) }.joined(separator: ", ")
        print("wrote \(scenarios.count) \(stress ? "stress " : "")scenario(s) of \(source.assetCount) \(name) assets to \(outURL.path) "
              + "(median pairwise correlation real \(String(format: "%.3f", realMedian)), synthetic \(medians); joint fidelity "
              + scenarios.map { String(format: "%.1f", $0.jointFidelity) }.joined(separator: ", ") + ")")
    }
}
