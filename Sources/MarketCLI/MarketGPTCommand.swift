// The `marketgpt` entry point: the root command and the list of subcommands.
import ArgumentParser
import MarketDistributed
import MarketTensor

/// The root of the `marketgpt` command line. Each subcommand lives in its own file.
@main
struct MarketGPTCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "marketgpt",
        abstract: "Pre-train, fine-tune and run a transformer over a multi-market universe of daily OHLCV series.",
        version: MarketGPTVersion.string,
        subcommands: [
            BenchCommand.self,
            SynthCommand.self,
            CheckCSVCommand.self,
            UniverseCommand.self,
            DemoDataCommand.self,
            QuickstartCommand.self,
            FinetuneCommand.self,
            EvaluateCommand.self,
            PretrainCommand.self,
            ExperimentCommand.self,
            SignalsCommand.self,
            CalibrateSignalsCommand.self,
            BacktestCommand.self,
            ServeCommand.self,
            FeaturesCommand.self,
            FetchCommand.self,
            RunsCommand.self,
            DriftCommand.self,
            NightlyCommand.self,
        ]
    )

    /// Parses the command line and runs the subcommand; every error goes through `ExitStatus`.
    static func main() {
        BLASRuntime.prepare()   // records the OpenBLAS core chosen at load time (CKernels switched it before main)
        do {
            var command = try parseAsRoot()
            try command.run()
            MPIProcessGroup.finishIfRunning()
        } catch {
            ExitStatus.exit(with: error)
        }
    }
}
