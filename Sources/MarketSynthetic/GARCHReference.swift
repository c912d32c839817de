// A seeded GARCH(1,1) OHLCV process: a known-stylized source for tests and benchmarks (no data files needed).
import Foundation
import MarketData
import MarketSupport

/// Simulates daily bars whose returns follow GARCH(1,1) with Student-t-like innovations, so they
/// show fat tails and volatility clustering like real markets.
public enum GARCHReference {
    /// `days` bars starting at 2000-01-03 (Monday–Friday), close starting near 100.
    /// σ²_t = ω + α r²_{t−1} + β σ²_{t−1}, r_t = μ + σ_t z_t, z_t a unit-variance t(5)-like draw
    /// (a Gaussian divided by √(χ²₅/5), rescaled).
    public static func series(days: Int, seed: UInt64, omega: Double = 2e-6, alpha: Double = 0.08,
                              beta: Double = 0.9, drift: Double = 0.0003) -> OHLCVSeries {
        var rng = SeededRandom(seed: seed, stream: 0x6A7C, salt: SeededRandom.syntheticSalt)
        var process = GARCHProcess(omega: omega, alpha: alpha, beta: beta, variance: omega / max(1 - alpha - beta, 0.01))
        var previous = 100.0, previousReturn = 0.0
        var open = [Double](), high = [Double](), low = [Double](), close = [Double](), volume = [Double]()
        let dates = OHLCVReconstruction.dates(after: CivilDate.dayNumber(year: 2000, month: 1, day: 2), count: days,
                                              weekends: false)
        for _ in 0..<days {
            process.update(innovation: previousReturn)
            let variance = process.variance
            var chi = 0.0
            for _ in 0..<5 { let g = rng.gaussian(); chi += g * g }
            let z = rng.gaussian() / (chi / 5).squareRoot() * (3.0 / 5.0).squareRoot()
            let r = drift + variance.squareRoot() * z
            let c = previous * exp(r)
            let o = previous * exp(0.2 * variance.squareRoot() * rng.gaussian())
            let spread = variance.squareRoot() * (0.5 + abs(rng.gaussian()))
            open.append(o); close.append(c)
            high.append(max(o, c) * exp(spread * rng.uniform()))
            low.append(min(o, c) * exp(-spread * rng.uniform()))
            volume.append((1e6 * exp(0.3 * rng.gaussian() + 20 * abs(r))).rounded())
            previous = c
            previousReturn = r - drift
        }
        return OHLCVSeries(dates: dates, open: open, high: high, low: low, close: close, volume: volume)
    }
}
