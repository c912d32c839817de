// The deliberate defects of demo data: internal gaps, a short history and a missing file, so gap filling runs for real.
import MarketData

/// Which demo assets are damaged on purpose, and how. Tickers not named here are written complete.
public struct DemoDefectPlan: Sendable, Equatable {
    /// A run of consecutive bars removed from inside a series.
    public struct Gap: Sendable, Equatable {
        /// Where the run starts, as a fraction of the asset's full series (0…1).
        public var position: Double
        /// How many consecutive bars are removed.
        public var bars: Int

        public init(position: Double, bars: Int) {
            self.position = position
            self.bars = bars
        }
    }

    /// Internal gaps by ticker.
    public var gaps: [String: [Gap]]
    /// Tickers whose history is cut to the last `days` calendar days before the end date.
    public var shortHistoryDays: [String: Int]
    /// Tickers that get no file at all.
    public var missing: Set<String>

    public init(gaps: [String: [Gap]] = [:], shortHistoryDays: [String: Int] = [:], missing: Set<String> = []) {
        self.gaps = gaps
        self.shortHistoryDays = shortHistoryDays
        self.missing = missing
    }

    /// No defects: every asset complete.
    public static let empty = DemoDefectPlan()

    /// The standard plan, chosen by position so it works for any universe (K categories in file order):
    /// - gaps: the 2nd asset of category 0 (a 1-bar and a 3-bar gap), of category 1 (one 10-bar gap) and of
    ///   category K−2 (a 2-bar gap);
    /// - short history: the last asset of category K−2 keeps only its last 540 calendar days (≈ 1.5 years);
    /// - missing: the last asset of category 2.
    /// On `universes/demo.yaml` this is MSFT, SAP.DE and ETH-USD with gaps, SOL-USD short and VALE3.SA missing.
    /// Categories too small for a role are skipped; an asset never gets two roles.
    public static func standard(for universe: Universe) -> DemoDefectPlan {
        var plan = DemoDefectPlan()
        var used = Set<String>()
        let categories = universe.categories
        func asset(_ category: Int, _ index: (Int) -> Int) -> String? {
            guard category >= 0, category < categories.count, categories[category].assets.count >= 2 else { return nil }
            let ticker = categories[category].assets[index(categories[category].assets.count)].ticker
            return used.contains(ticker) ? nil : ticker
        }
        let count = categories.count
        if let ticker = asset(2, { $0 - 1 }) { plan.missing.insert(ticker); used.insert(ticker) }
        if let ticker = asset(count - 2, { $0 - 1 }) { plan.shortHistoryDays[ticker] = 540; used.insert(ticker) }
        let gapRoles: [(category: Int, gaps: [Gap])] = [
            (0, [Gap(position: 0.30, bars: 1), Gap(position: 0.55, bars: 3)]),
            (1, [Gap(position: 0.45, bars: 10)]),
            (count - 2, [Gap(position: 0.70, bars: 2)]),
        ]
        for role in gapRoles {
            if let ticker = asset(role.category, { _ in 1 }) { plan.gaps[ticker] = role.gaps; used.insert(ticker) }
        }
        return plan
    }
}
