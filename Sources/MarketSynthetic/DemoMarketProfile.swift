// Per-category parameters of the demo market generator (volatility, tails, clustering, co-movement, ranges, volume).
import MarketData

/// How the demo generator draws one category's assets. Every field is in natural units (fractions, per year).
///
/// Returns follow a GARCH(1,1) with unit-variance Student-t shocks; each shock is a mix of a market factor
/// shared by every asset, a factor shared inside the category, and the asset's own shock:
/// `z = marketLoading·m + categoryLoading·c + √(1 − marketLoading² − categoryLoading²)·e`, so two assets of a
/// category correlate by about `marketLoading² + categoryLoading²`, and assets of different categories by the
/// product of their market loadings.
public struct DemoMarketProfile: Sendable, Equatable {
    /// Annualised volatility of log returns (0.25 = 25 %), before a per-asset jitter of ×e^±0.2.
    public var annualVolatility: Double
    /// Annual drift of prices (0.07 = 7 % a year).
    public var annualDrift: Double
    /// Degrees of freedom ν of the Student-t shocks (lower = fatter tails), > 2.
    public var degreesOfFreedom: Double
    /// GARCH(1,1) reaction α to yesterday's squared shock.
    public var garchAlpha: Double
    /// GARCH(1,1) persistence β of yesterday's variance; α + β < 1.
    public var garchBeta: Double
    /// Loading on the market factor shared by all assets.
    public var marketLoading: Double
    /// Loading on the factor shared inside the category.
    public var categoryLoading: Double
    /// Share of the day's shock that happens overnight, between the previous close and the open (0 for 24/7 markets).
    public var overnightShare: Double
    /// High and low reach beyond max/min(open, close) by `rangeScale · σ_t · |N(0,1)|` in log terms.
    public var rangeScale: Double
    /// Typical daily volume range (log-uniform per asset); 0…0 for markets without volume (forex).
    public var volumeRange: ClosedRange<Double>
    /// Range of starting prices (log-uniform per asset).
    public var startPriceRange: ClosedRange<Double>
    /// True when the market trades every calendar day (crypto); otherwise Monday–Friday except 1 January and 25 December.
    public var tradesEveryDay: Bool

    public init(annualVolatility: Double, annualDrift: Double, degreesOfFreedom: Double, garchAlpha: Double,
                garchBeta: Double, marketLoading: Double, categoryLoading: Double, overnightShare: Double,
                rangeScale: Double, volumeRange: ClosedRange<Double>, startPriceRange: ClosedRange<Double>,
                tradesEveryDay: Bool) {
        precondition(degreesOfFreedom > 2, "DemoMarketProfile: ν must exceed 2")
        precondition(garchAlpha >= 0 && garchBeta >= 0 && garchAlpha + garchBeta < 1, "DemoMarketProfile: need α + β < 1")
        precondition(marketLoading * marketLoading + categoryLoading * categoryLoading < 1, "DemoMarketProfile: loadings too large")
        self.annualVolatility = annualVolatility
        self.annualDrift = annualDrift
        self.degreesOfFreedom = degreesOfFreedom
        self.garchAlpha = garchAlpha
        self.garchBeta = garchBeta
        self.marketLoading = marketLoading
        self.categoryLoading = categoryLoading
        self.overnightShare = overnightShare
        self.rangeScale = rangeScale
        self.volumeRange = volumeRange
        self.startPriceRange = startPriceRange
        self.tradesEveryDay = tradesEveryDay
    }

    /// The typical profile of a category by its CONTRACT.md name; unknown names get the `us_stocks` profile
    /// (every day when `tradingDaysPerYear` ≥ 365).
    public static func standard(category: String, tradingDaysPerYear: Int) -> DemoMarketProfile {
        switch category {
        case "europe_stocks":
            return DemoMarketProfile(annualVolatility: 0.22, annualDrift: 0.05, degreesOfFreedom: 5, garchAlpha: 0.09,
                                     garchBeta: 0.89, marketLoading: 0.45, categoryLoading: 0.50, overnightShare: 0.30,
                                     rangeScale: 0.5, volumeRange: 1e6...2e7, startPriceRange: 10...600, tradesEveryDay: false)
        case "emerging":
            return DemoMarketProfile(annualVolatility: 0.30, annualDrift: 0.08, degreesOfFreedom: 4.5, garchAlpha: 0.10,
                                     garchBeta: 0.87, marketLoading: 0.35, categoryLoading: 0.55, overnightShare: 0.35,
                                     rangeScale: 0.55, volumeRange: 2e6...5e7, startPriceRange: 5...3000, tradesEveryDay: false)
        case "commodities":
            return DemoMarketProfile(annualVolatility: 0.26, annualDrift: 0.03, degreesOfFreedom: 4.5, garchAlpha: 0.08,
                                     garchBeta: 0.90, marketLoading: 0.30, categoryLoading: 0.55, overnightShare: 0.15,
                                     rangeScale: 0.5, volumeRange: 5e4...5e5, startPriceRange: 3...2000, tradesEveryDay: false)
        case "crypto":
            return DemoMarketProfile(annualVolatility: 0.70, annualDrift: 0.25, degreesOfFreedom: 3.5, garchAlpha: 0.12,
                                     garchBeta: 0.85, marketLoading: 0.30, categoryLoading: 0.70, overnightShare: 0,
                                     rangeScale: 0.6, volumeRange: 5e8...3e10, startPriceRange: 1...40000, tradesEveryDay: true)
        case "forex":
            return DemoMarketProfile(annualVolatility: 0.08, annualDrift: 0, degreesOfFreedom: 5, garchAlpha: 0.06,
                                     garchBeta: 0.92, marketLoading: 0.20, categoryLoading: 0.65, overnightShare: 0.05,
                                     rangeScale: 0.45, volumeRange: 0...0, startPriceRange: 0.6...1.6, tradesEveryDay: false)
        default:
            return DemoMarketProfile(annualVolatility: 0.25, annualDrift: 0.07, degreesOfFreedom: 4.5, garchAlpha: 0.09,
                                     garchBeta: 0.89, marketLoading: 0.45, categoryLoading: 0.50, overnightShare: 0.25,
                                     rangeScale: 0.5, volumeRange: 2e6...8e7, startPriceRange: 20...500,
                                     tradesEveryDay: tradingDaysPerYear >= 365)
        }
    }
}
