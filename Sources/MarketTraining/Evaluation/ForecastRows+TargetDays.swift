// ForecastRows.targetDays: the day each (origin, step) target is realised, from the store the rows were collected on.
import MarketData
import MarketSupport

extension ForecastRows {
    /// (S, H) the day of target (s, h): the date of bar `origins[s] + h + 1` of asset `assets[s]` of `store` (the store the
    /// rows were collected on); `DayNumber.max` for a target beyond the asset's last bar (never realised).
    public func targetDays(store: FeatureStore) -> [DayNumber] {
        var out = [DayNumber](repeating: .max, count: count * horizon)
        for s in 0..<count {
            let dates = store.assets[assets[s]].dates
            for step in 0..<horizon where origins[s] + step + 1 < dates.count { out[s * horizon + step] = dates[origins[s] + step + 1] }
        }
        return out
    }
}
