// The 15 stylized-fact metrics of a return series, their names and their fidelity weights.

/// Stylized facts of a daily log-return series r (n days). e = r − r̄; σ² = Σe²/n; ρ_x(k) is the
/// sample autocorrelation Σ_{t≥k}(x_t − x̄)(x_{t−k} − x̄) / Σ(x_t − x̄)² (statsmodels `acf`).
public struct StylizedFacts: Sendable, Equatable, Codable {
    /// Standard deviation of r with n − 1 in the denominator (daily, not annualised).
    public var volatility: Double
    /// Skewness m₃ / m₂^{3/2} with population moments (scipy `skew`).
    public var skewness: Double
    /// Excess kurtosis m₄ / m₂² − 3 (scipy `kurtosis`, Fisher, biased).
    public var excessKurtosis: Double
    /// Maximum drawdown of the price path P_t = exp(Σ_{s≤t} r_s): max_t (1 − P_t / max_{s≤t} P_s), a fraction.
    public var maxDrawdown: Double
    /// ρ_r(1).
    public var acfLag1: Double
    /// Σ_{k=1}^{10} |ρ_r(k)|.
    public var sumAbsACF10: Double
    /// Volatility clustering: ρ_{r²}(1).
    public var volatilityClustering: Double
    /// Hurst exponent by rescaled range: slope of log mean(R/S) on log s over s = 8, 16, … ≤ n/4,
    /// non-overlapping chunks from the start, R = range of cumulated deviations from the chunk mean,
    /// S = population standard deviation of the chunk (0.5 when fewer than two scales fit).
    public var hurst: Double
    /// Ljung–Box p-value at lag 10: Q = n(n+2) Σ_{k=1}^{10} ρ_r(k)² / (n − k), p = P(χ²₁₀ > Q).
    public var ljungBoxP: Double
    /// ARCH-LM p-value with 5 lags: regress e_t² on 1, e²_{t−1}, …, e²_{t−5} (t = 5…n−1, N = n − 5
    /// rows), LM = N·R², p = P(χ²₅ > LM) (statsmodels `het_arch(e, nlags=5)`).
    public var archLMP: Double
    /// RSI(14) behaviour: population standard deviation of Wilder's RSI(14) computed on the log-price
    /// changes r (first average = simple mean of the first 14 gains/losses, then (13·avg + x)/14).
    public var rsiBehaviour: Double
    /// Volatility persistence: ρ_{|r|}(5).
    public var volatilityPersistence: Double
    /// Leverage effect: mean over k = 1…10 of the Pearson correlation of r_t with |r_{t+k}|.
    public var leverageEffect: Double
    /// Tail frequency: fraction of days with |r_t − r̄| > 3·volatility.
    public var tailFrequency: Double
    /// Long memory of volatility: ρ_{|r|}(20).
    public var absACFLag20: Double

    /// Machine-readable names, in `values` order.
    public static let names = [
        "volatility", "skewness", "excess_kurtosis", "max_drawdown", "acf_lag1", "sum_abs_acf_1_10",
        "volatility_clustering", "hurst", "ljung_box_p", "arch_lm_p", "rsi_behaviour",
        "volatility_persistence", "leverage_effect", "tail_frequency", "abs_acf_lag20",
    ]

    /// Number of metrics.
    public static let count = 15

    /// The metrics in `names` order.
    public var values: [Double] {
        [volatility, skewness, excessKurtosis, maxDrawdown, acfLag1, sumAbsACF10, volatilityClustering, hurst,
         ljungBoxP, archLMP, rsiBehaviour, volatilityPersistence, leverageEffect, tailFrequency, absACFLag20]
    }

    /// Builds the metrics from `values` in `names` order.
    public init(values v: [Double]) {
        precondition(v.count == Self.count, "StylizedFacts needs \(Self.count) values")
        volatility = v[0]; skewness = v[1]; excessKurtosis = v[2]; maxDrawdown = v[3]; acfLag1 = v[4]
        sumAbsACF10 = v[5]; volatilityClustering = v[6]; hurst = v[7]; ljungBoxP = v[8]; archLMP = v[9]
        rsiBehaviour = v[10]; volatilityPersistence = v[11]; leverageEffect = v[12]; tailFrequency = v[13]
        absACFLag20 = v[14]
    }

    /// The metrics of `returns` (n ≥ 32); allocates a workspace, so prefer `StylizedFactsWorkspace` in loops.
    public init(returns: [Double]) {
        let workspace = StylizedFactsWorkspace(capacity: returns.count)
        self = returns.withUnsafeBufferPointer { workspace.compute($0) }
    }

    /// The metrics as a name → value dictionary (for reports).
    public var dictionary: [String: Double] {
        Dictionary(uniqueKeysWithValues: zip(Self.names, values))
    }
}
