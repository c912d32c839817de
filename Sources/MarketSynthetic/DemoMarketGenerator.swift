// Deterministic, realistic daily OHLCV for a universe (GARCH(1,1), Student-t, market + category factors), for demos and tests.
import Foundation
import MarketData
import MarketSupport

/// Writes believable daily bars for every asset of a universe, fixed entirely by a seed.
///
/// The model, per asset i of category k on its trading day t (see `DemoMarketProfile`):
/// - shock `z = a·m_t + b·c_{k,t} + √(1−a²−b²)·e_{i,t}`, with m (market), c (category) and e (own) unit-variance
///   Student-t draws; m and c are drawn once per calendar day, so assets co-move on the days they share;
/// - GARCH(1,1): `ε = √h·z`, `h ← ω + α·ε² + β·h` with `ω = σ̄²(1−α−β)` (σ̄ the asset's daily volatility),
///   `h` capped at 50·σ̄²; log return `r = μ + ε` with `μ = drift/days − σ̄²/2`;
/// - open = previous close · e^(s·ε + 0.05·√h·N) with s the overnight share; close = previous close · e^r;
///   high/low reach beyond max/min(open, close) by `rangeScale·√h·|N|`; volume is log-normal around a per-asset
///   level, higher on large moves, with an AR(1) component (0 for forex);
/// - calendar: Monday–Friday except 1 January and 25 December, or every day for crypto; the history spans
///   `history_years` back from `endDate`.
/// Prices are rounded to 8 significant figures (at least 2 decimals) exactly as they are written, so the
/// series in memory and the CSV file agree. Each asset draws from its own stream (seed, asset id), so adding an
/// asset never changes the others. Then `defects` removes bars (gaps, short history) or whole assets.
public struct DemoMarketGenerator: Sendable {
    /// The universe to generate for (asset ids are its order).
    public var universe: Universe
    /// Fixes every random draw.
    public var seed: UInt64
    /// The last calendar day of every series (crypto trades on it; other markets when it is a trading day).
    public var endDate: DayNumber
    /// Which assets are damaged on purpose.
    public var defects: DemoDefectPlan
    /// Profile of each category, by name; missing names use `DemoMarketProfile.standard`.
    public var profiles: [String: DemoMarketProfile]

    /// The default end date, 2025-06-30 (a Monday): fixed so that a seed gives the same bytes on every run.
    public static let defaultEndDate = CivilDate.dayNumber(year: 2025, month: 6, day: 30)

    public init(universe: Universe, seed: UInt64 = 42, endDate: DayNumber = DemoMarketGenerator.defaultEndDate,
                defects: DemoDefectPlan? = nil, profiles: [String: DemoMarketProfile] = [:]) {
        self.universe = universe
        self.seed = seed
        self.endDate = endDate
        self.defects = defects ?? .standard(for: universe)
        self.profiles = profiles
    }

    /// One generated asset: its series after the defects (nil when the asset is missing on purpose).
    public struct Asset: Sendable {
        public var ticker: String
        public var category: String
        /// The bars as written; nil for a missing asset.
        public var series: OHLCVSeries?
        /// Bars the full series had before the defects were applied.
        public var fullCount: Int
        /// What was done to it: `complete`, `gaps`, `short_history` or `missing`.
        public var defect: String
    }

    /// The profile used for `category`.
    public func profile(for category: UniverseCategory) -> DemoMarketProfile {
        profiles[category.name] ?? .standard(category: category.name, tradingDaysPerYear: category.tradingDaysPerYear)
    }

    /// The trading days of a category between `start` and `endDate` inclusive.
    public func calendar(start: DayNumber, everyDay: Bool) -> [DayNumber] {
        var days: [DayNumber] = []
        days.reserveCapacity(Int(endDate - start) + 1)
        var day = start
        while day <= endDate {
            defer { day += 1 }
            if everyDay { days.append(day); continue }
            if CivilDate.weekday(day) >= 5 { continue }
            let (_, month, dayOfMonth) = CivilDate.civil(day)
            if (month == 1 && dayOfMonth == 1) || (month == 12 && dayOfMonth == 25) { continue }
            days.append(day)
        }
        return days
    }

    /// The first calendar day of a category's history.
    func startDate(of category: UniverseCategory) -> DayNumber {
        endDate - DayNumber((category.historyYears * 365.25).rounded())
    }

    /// Generates every asset of the universe, in id order.
    public func generate() -> [Asset] {
        let firstDay = universe.categories.map(startDate(of:)).min() ?? endDate
        let dayCount = Int(endDate - firstDay) + 1
        var marketStream = PairedNormalRandom(seed: seed, stream: 1 << 40)
        let market = (0..<dayCount).map { _ in marketStream.unitStudentT(degreesOfFreedom: 5) }
        var assets: [Asset] = []
        var assetID: UInt64 = 0
        for (categoryID, category) in universe.categories.enumerated() {
            let profile = profile(for: category)
            var categoryStream = PairedNormalRandom(seed: seed, stream: (1 << 40) + 1 + UInt64(categoryID))
            let factor = (0..<dayCount).map { _ in categoryStream.unitStudentT(degreesOfFreedom: profile.degreesOfFreedom) }
            let days = calendar(start: startDate(of: category), everyDay: profile.tradesEveryDay)
            for asset in category.assets {
                var stream = PairedNormalRandom(seed: seed, stream: assetID)
                assetID += 1
                let full = Self.simulate(days: days, firstDay: firstDay, market: market, factor: factor,
                                         profile: profile, tradingDaysPerYear: category.tradingDaysPerYear, random: &stream)
                assets.append(applyDefects(to: full, ticker: asset.ticker, category: category.name))
            }
        }
        return assets
    }

    /// Removes the planned bars from one asset's full series.
    func applyDefects(to full: OHLCVSeries, ticker: String, category: String) -> Asset {
        if defects.missing.contains(ticker) {
            return Asset(ticker: ticker, category: category, series: nil, fullCount: full.count, defect: "missing")
        }
        if let days = defects.shortHistoryDays[ticker] {
            let first = full.dates.firstIndex { $0 > endDate - DayNumber(days) } ?? full.count
            return Asset(ticker: ticker, category: category, series: full.slice(first..<full.count),
                         fullCount: full.count, defect: "short_history")
        }
        if let gaps = defects.gaps[ticker], !gaps.isEmpty {
            var keep = Array(repeating: true, count: full.count)
            for gap in gaps {
                // Never remove the first or last bar: a gap is internal by definition.
                let start = max(1, min(full.count - 1, Int(gap.position * Double(full.count))))
                for index in start..<min(full.count - 1, start + gap.bars) { keep[index] = false }
            }
            let kept = keep.indices.filter { keep[$0] }
            let series = OHLCVSeries(dates: kept.map { full.dates[$0] }, open: kept.map { full.open[$0] },
                                     high: kept.map { full.high[$0] }, low: kept.map { full.low[$0] },
                                     close: kept.map { full.close[$0] }, volume: kept.map { full.volume[$0] })
            return Asset(ticker: ticker, category: category, series: series, fullCount: full.count, defect: "gaps")
        }
        return Asset(ticker: ticker, category: category, series: full, fullCount: full.count, defect: "complete")
    }

    /// One asset's full series over `days`; `market` and `factor` are indexed by day − `firstDay`.
    static func simulate(days: [DayNumber], firstDay: DayNumber, market: [Double], factor: [Double],
                         profile p: DemoMarketProfile, tradingDaysPerYear: Int, random: inout PairedNormalRandom) -> OHLCVSeries {
        let volatility = p.annualVolatility * exp(random.uniform(-0.2, 0.2))
        let meanVariance = volatility * volatility / Double(tradingDaysPerYear)
        let drift = p.annualDrift / Double(tradingDaysPerYear) - 0.5 * meanVariance
        let omega = meanVariance * (1 - p.garchAlpha - p.garchBeta)
        let ownLoading = (1 - p.marketLoading * p.marketLoading - p.categoryLoading * p.categoryLoading).squareRoot()
        let logPrice = random.uniform(log(p.startPriceRange.lowerBound), log(p.startPriceRange.upperBound))
        let volumeLevel = p.volumeRange.upperBound > 0
            ? exp(random.uniform(log(p.volumeRange.lowerBound), log(p.volumeRange.upperBound))) : 0
        var garch = GARCHProcess(omega: omega, alpha: p.garchAlpha, beta: p.garchBeta, variance: meanVariance,
                                 cap: 50 * meanVariance)
        var previousClose = exp(logPrice)
        var volumeState = 0.0
        let n = days.count
        var open = [Double](repeating: 0, count: n), high = open, low = open, close = open, volume = open
        for (index, day) in days.enumerated() {
            let dayIndex = Int(day - firstDay)
            let z = p.marketLoading * market[dayIndex] + p.categoryLoading * factor[dayIndex]
                + ownLoading * random.unitStudentT(degreesOfFreedom: p.degreesOfFreedom)
            let sigma = garch.sigma
            let shock = sigma * z
            let gap = p.overnightShare > 0 ? p.overnightShare * shock + 0.05 * sigma * random.normal() : 0
            let o = rounded(previousClose * exp(gap))
            let c = rounded(previousClose * exp(drift + shock))
            let h = rounded(max(o, c) * exp(p.rangeScale * sigma * abs(random.normal())))
            let l = rounded(min(o, c) * exp(-p.rangeScale * sigma * abs(random.normal())))
            open[index] = o
            close[index] = c
            high[index] = max(h, o, c)
            low[index] = min(l, o, c)
            volumeState = 0.7 * volumeState + 0.25 * random.normal()
            volume[index] = volumeLevel > 0 ? (volumeLevel * exp(volumeState + 0.5 * (abs(z) - 0.8))).rounded() : 0
            garch.update(innovation: shock)
            previousClose = c
        }
        return OHLCVSeries(dates: days, open: open, high: high, low: low, close: close, volume: volume)
    }

    /// `price` as it will be written: the exact value the CSV reader gets back.
    static func rounded(_ price: Double) -> Double {
        Double(OHLCVCSV.PriceFormat.fixed8.text(price)) ?? price
    }
}
