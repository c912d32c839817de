// The technical indicators by name: definition, scale, parameters and warm-up of each (the `features --list` table).

/// One technical indicator the data layer computes (a column of `TechnicalIndicators.compute`).
///
/// Every indicator is scale-free (a ratio, a log ratio or a bounded oscillator) so that one model can
/// read every asset; the value of bar t uses bars 0…t only. Bars before `warmUpBars` are masked (NaN in
/// raw buffers, an empty cell in CSV output, 0 = the training mean after normalisation), never filled.
public struct IndicatorDefinition: Sendable, Equatable, Codable {
    /// Stable name, e.g. `rsi_14` (what `model.features` lists).
    public var name: String
    /// The formula in words, with the TA-Lib function it matches.
    public var definition: String
    /// The range or typical size of the value.
    public var scale: String
    /// Named integer parameters (periods), e.g. `["period": 14]`; stored in checkpoints with the name.
    public var parameters: [String: Int]
    /// Bars 0 ..< warmUpBars are masked (the indicator is not yet defined there).
    public var warmUpBars: Int
    /// True for features read from volume: masked on bars whose volume (or whose window's volume) is 0.
    public var usesVolume: Bool

    public init(name: String, definition: String, scale: String, parameters: [String: Int], warmUpBars: Int, usesVolume: Bool = false) {
        self.name = name
        self.definition = definition
        self.scale = scale
        self.parameters = parameters
        self.warmUpBars = warmUpBars
        self.usesVolume = usesVolume
    }
}

/// The catalog of indicators, in the column order of `TechnicalIndicators.compute` (bars, I).
public enum IndicatorCatalog {
    /// Column indices (the order of `all`).
    public enum Column: Int, CaseIterable, Sendable {
        case sma5, sma10, sma20, sma50, ema12, ema26, rsi14, roc10, macd, macdSignal, macdHist
        case atr14, trueRange, bollingerWidth20, bollingerPercentB20, volatility20, volatilityRatio5x20, highLowRange
        case volumeSMARatio20, volumeZScore20, obv20, mfi14, volumeROC5, stochasticK14, stochasticD3, adx14
        case return1, return5, return10
    }

    /// I: the number of indicator columns.
    public static var count: Int { Column.allCases.count }

    /// Every indicator, in column order.
    public static let all: [IndicatorDefinition] = [
        sma(5), sma(10), sma(20), sma(50),
        ema(12), ema(26),
        IndicatorDefinition(name: "rsi_14", definition: "Wilder RSI over 14 closes / 100 (TA-Lib RSI/100); masked when the 14 bars have no move",
                            scale: "[0, 1], 0.5 neutral", parameters: ["period": 14], warmUpBars: 14),
        IndicatorDefinition(name: "roc_10", definition: "C[t] / C[t−10] − 1 (TA-Lib ROC/100)",
                            scale: "fraction, ≈ ±0.1", parameters: ["period": 10], warmUpBars: 10),
        IndicatorDefinition(name: "macd", definition: "(EMA12 − EMA26) / C, EMAs seeded by their SMA (TA-Lib MACD line / close)",
                            scale: "fraction of price, ≈ ±0.05", parameters: ["fast": 12, "slow": 26], warmUpBars: 25),
        IndicatorDefinition(name: "macd_signal", definition: "EMA9 of the MACD line / C (TA-Lib MACD signal / close)",
                            scale: "fraction of price, ≈ ±0.05", parameters: ["fast": 12, "slow": 26, "signal": 9], warmUpBars: 33),
        IndicatorDefinition(name: "macd_hist", definition: "(MACD − signal) / C (TA-Lib MACD histogram / close)",
                            scale: "fraction of price, ≈ ±0.02", parameters: ["fast": 12, "slow": 26, "signal": 9], warmUpBars: 33),
        IndicatorDefinition(name: "atr_14", definition: "Wilder average true range over 14 bars / C (TA-Lib ATR / close)",
                            scale: "fraction of price, ≈ 0.01–0.05", parameters: ["period": 14], warmUpBars: 14),
        IndicatorDefinition(name: "true_range", definition: "max(H, C[t−1]) − min(L, C[t−1]), / C (TA-Lib TRANGE / close)",
                            scale: "fraction of price, ≥ 0", parameters: [:], warmUpBars: 1),
        IndicatorDefinition(name: "bb_width_20", definition: "Bollinger (20, 2σ population) (upper − lower) / middle = 4σ / SMA20",
                            scale: "fraction, ≈ 0.05–0.3", parameters: ["period": 20, "deviations": 2], warmUpBars: 19),
        IndicatorDefinition(name: "bb_pctb_20", definition: "Bollinger %b: (C − lower) / (upper − lower); masked when σ = 0",
                            scale: "≈ [0, 1], 0.5 at the middle band", parameters: ["period": 20, "deviations": 2], warmUpBars: 19),
        IndicatorDefinition(name: "vol_20", definition: "population std of the last 20 log returns (TA-Lib STDDEV(log return, 20))",
                            scale: "daily log-return units, ≈ 0.005–0.05", parameters: ["period": 20], warmUpBars: 20),
        IndicatorDefinition(name: "vol_ratio_5_20", definition: "vol of the last 5 log returns / vol of the last 20; masked when the latter is 0",
                            scale: "ratio, ≈ 0.3–2, 1 neutral", parameters: ["short": 5, "long": 20], warmUpBars: 20),
        IndicatorDefinition(name: "hl_range", definition: "(H − L) / C",
                            scale: "fraction of price, ≥ 0", parameters: [:], warmUpBars: 0),
        IndicatorDefinition(name: "volume_sma_ratio_20", definition: "V / SMA20(V) − 1; masked on zero volume",
                            scale: "fraction, ≥ −1, heavy right tail", parameters: ["period": 20], warmUpBars: 19, usesVolume: true),
        IndicatorDefinition(name: "volume_z_20", definition: "(V − SMA20(V)) / std20(V) (population); masked on zero volume or σ = 0",
                            scale: "z-score, ≈ ±3", parameters: ["period": 20], warmUpBars: 19, usesVolume: true),
        IndicatorDefinition(name: "obv_20", definition: "(OBV[t] − OBV[t−20]) / ΣV over the 20 bars: the normalised OBV slope (TA-Lib OBV differences)",
                            scale: "[−1, 1]", parameters: ["period": 20], warmUpBars: 20, usesVolume: true),
        IndicatorDefinition(name: "mfi_14", definition: "money flow index over 14 bars / 100 (TA-Lib MFI/100); masked on zero volume",
                            scale: "[0, 1], 0.5 neutral", parameters: ["period": 14], warmUpBars: 14, usesVolume: true),
        IndicatorDefinition(name: "volume_roc_5", definition: "log(V[t] / V[t−5]) (log of TA-Lib ROCR(V, 5)); masked when either is 0",
                            scale: "log ratio, ≈ ±1", parameters: ["period": 5], warmUpBars: 5, usesVolume: true),
        IndicatorDefinition(name: "stoch_k_14", definition: "fast %K: (C − LL14) / (HH14 − LL14) (TA-Lib STOCHF fastk/100); masked when HH = LL",
                            scale: "[0, 1]", parameters: ["period": 14], warmUpBars: 13),
        IndicatorDefinition(name: "stoch_d_3", definition: "%D: SMA3 of stoch_k_14 (TA-Lib STOCHF fastd/100)",
                            scale: "[0, 1]", parameters: ["k_period": 14, "period": 3], warmUpBars: 15),
        IndicatorDefinition(name: "adx_14", definition: "Wilder ADX over 14 bars / 100 (TA-Lib ADX/100)",
                            scale: "[0, 1], trend strength", parameters: ["period": 14], warmUpBars: 27),
        logReturn(1), logReturn(5), logReturn(10),
    ]

    private static func sma(_ n: Int) -> IndicatorDefinition {
        IndicatorDefinition(name: "sma_\(n)", definition: "C / SMA\(n)(C) − 1 (TA-Lib SMA)", scale: "fraction, ≈ ±0.1",
                            parameters: ["period": n], warmUpBars: n - 1)
    }

    private static func ema(_ n: Int) -> IndicatorDefinition {
        IndicatorDefinition(name: "ema_\(n)", definition: "C / EMA\(n)(C) − 1, α = 2/(\(n)+1), seeded by the SMA of the first \(n) closes (TA-Lib EMA)",
                            scale: "fraction, ≈ ±0.1", parameters: ["period": n], warmUpBars: n - 1)
    }

    private static func logReturn(_ n: Int) -> IndicatorDefinition {
        IndicatorDefinition(name: "return_\(n)", definition: "log(C[t] / C[t−\(n)]) (log of TA-Lib ROCR(C, \(n)))",
                            scale: "log return, ≈ ±0.02·√\(n)", parameters: ["period": n], warmUpBars: n)
    }

    /// The column of an indicator name, nil when unknown.
    public static func column(named name: String) -> Int? { columnsByName[name] }

    private static let columnsByName: [String: Int] = Dictionary(uniqueKeysWithValues: all.enumerated().map { ($1.name, $0) })
}
