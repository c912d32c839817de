// Probabilistic and deflated Sharpe ratios (Bailey & López de Prado 2012, 2014) from per-bar returns.
import Foundation
import MarketData

/// Inference on a Sharpe ratio estimated from n per-bar returns with skewness and kurtosis.
public enum SharpeRatioInference {
    /// Euler–Mascheroni constant γ.
    static let eulerGamma = 0.5772156649015329

    /// Variance of the per-bar Sharpe estimate: (1 − γ₃·SR + (γ₄ − 1)/4·SR²) / (n − 1),
    /// with γ₃ the skewness and γ₄ the (non-excess) kurtosis of the returns.
    public static func estimatorVariance(sharpe: Double, skewness: Double, kurtosis: Double, count: Int) -> Double {
        (1 - skewness * sharpe + (kurtosis - 1) / 4 * sharpe * sharpe) / Double(count - 1)
    }

    /// PSR(SR*) = Φ((SR − SR*) / √variance): the probability that the true per-bar Sharpe exceeds `benchmark`.
    /// `sharpe` and `benchmark` are per bar (not annualised). NaN when fewer than 3 returns.
    public static func probabilistic(sharpe: Double, benchmark: Double = 0, skewness: Double, kurtosis: Double,
                                     count: Int) -> Double {
        guard count > 2, sharpe.isFinite else { return .nan }
        let variance = estimatorVariance(sharpe: sharpe, skewness: skewness, kurtosis: kurtosis, count: count)
        guard variance > 0 else { return .nan }
        return NormalDistribution.cdf((sharpe - benchmark) / variance.squareRoot())
    }

    /// The expected maximum per-bar Sharpe of `trials` unskilled strategies whose Sharpe estimates have
    /// variance `trialVariance`: √V · ((1 − γ)·Φ⁻¹(1 − 1/N) + γ·Φ⁻¹(1 − 1/(N·e))); 0 for one trial.
    public static func expectedMaximumSharpe(trials: Int, trialVariance: Double) -> Double {
        guard trials > 1 else { return 0 }
        let n = Double(trials)
        return trialVariance.squareRoot() * ((1 - eulerGamma) * NormalDistribution.quantile(1 - 1 / n)
                                             + eulerGamma * NormalDistribution.quantile(1 - 1 / (n * M_E)))
    }

    /// DSR = PSR(SR₀) with SR₀ the expected maximum Sharpe of `trials` trials. Without the trials' own
    /// Sharpe variance (`trialVariance` nil) the estimator's variance stands in for it. DSR = PSR for 1 trial.
    public static func deflated(sharpe: Double, skewness: Double, kurtosis: Double, count: Int, trials: Int,
                                trialVariance: Double? = nil) -> Double {
        guard count > 2 else { return .nan }
        let variance = trialVariance
            ?? estimatorVariance(sharpe: sharpe, skewness: skewness, kurtosis: kurtosis, count: count)
        let threshold = expectedMaximumSharpe(trials: trials, trialVariance: max(0, variance))
        return probabilistic(sharpe: sharpe, benchmark: threshold, skewness: skewness, kurtosis: kurtosis, count: count)
    }
}
