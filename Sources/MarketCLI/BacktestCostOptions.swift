// The options of a backtest's trading costs and side, shared by `backtest` and `calibrate-signals` (whose objective
// is a backtest of the validation period): one definition of the flags, their defaults and their bounds.
import ArgumentParser
import MarketBacktest

/// `--mode`, `--commission`, `--borrow`, `--slippage-bps` (defaults = `BacktestConfiguration`'s).
struct BacktestCostOptions: ParsableArguments {
    @Option(help: "long_only (BUY opens, SELL closes) or long_short (BUY long, SELL short, HOLD keeps).")
    var mode: String = BacktestMode.longOnly.rawValue

    @Option(help: "Commission per side, a fraction of the traded value (0.00125 = 0.125%).")
    var commission: Double = BacktestConfiguration().commission

    @Option(help: "Borrow cost of shorts, a yearly fraction charged per calendar day held (0.0025 = 0.25%).")
    var borrow: Double = BacktestConfiguration().borrowRate

    @Option(help: "Slippage in basis points against every fill.")
    var slippageBps: Double = BacktestConfiguration().slippageBps

    func validate() throws {
        guard BacktestMode(rawValue: mode) != nil else { throw ValidationError("--mode must be long_only or long_short, not '\(mode)'") }
        try requireOption("--commission", commission, in: OptionLimits.commission)
        try requireOption("--borrow", borrow, in: OptionLimits.rate)
        try requireOption("--slippage-bps", slippageBps, in: OptionLimits.slippageBps)
    }

    /// Sets mode, commission, borrow rate and slippage of `configuration`.
    func apply(to configuration: inout BacktestConfiguration) {
        configuration.mode = BacktestMode(rawValue: mode) ?? .longOnly
        configuration.commission = commission
        configuration.borrowRate = borrow
        configuration.slippageBps = slippageBps
    }
}
