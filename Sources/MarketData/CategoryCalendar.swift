// The trading calendar of a category: the dates most of its live assets trade (every day for crypto).
import MarketSupport

/// Builds a category's calendar, the dates its assets are expected to have a bar on.
///
/// The choice (documented in the README): inside the span the category's files cover, a date is on
/// the calendar when at least half of the assets *live* that day (first bar ≤ date ≤ last bar) have a
/// bar on it (so holidays most of the category observed are not gaps); a weekend day needs more
/// than half of all the category's assets with data (so a handful of vendor weekend rows, or the
/// last asset standing at the end of the sample, do not make Saturdays trading days). Before the earliest file (the history window that back-fill covers) and on days with no
/// live asset, the calendar is Monday–Friday. A category with `trading_days_per_year ≥ 365` (crypto)
/// trades every day.
public enum CategoryCalendar {
    /// The calendar from `start` to `end` (inclusive, ascending) for assets whose bar dates are
    /// `assetDates` (each ascending); `everyDay` for 7-day markets.
    public static func build(assetDates: [[DayNumber]], start: DayNumber, end: DayNumber, everyDay: Bool) -> [DayNumber] {
        guard end >= start else { return [] }
        if everyDay { return Array(start...end) }
        let length = Int(end - start) + 1
        var present = [Int32](repeating: 0, count: length)
        var liveDelta = [Int32](repeating: 0, count: length + 1)
        for dates in assetDates where !dates.isEmpty {
            let first = max(Int(dates.first! - start), 0), last = Int(dates.last! - start)
            guard last >= 0, first < length else { continue }
            liveDelta[first] += 1
            liveDelta[min(last, length - 1) + 1] -= 1
            for day in dates {
                let offset = Int(day - start)
                if offset >= 0 && offset < length { present[offset] += 1 }
            }
        }
        var calendar: [DayNumber] = []
        calendar.reserveCapacity(length * 5 / 7 + 1)
        let withData = Int32(assetDates.filter { !$0.isEmpty }.count)
        var live: Int32 = 0
        for offset in 0..<length {
            live += liveDelta[offset]
            let day = start + DayNumber(offset)
            let weekday = CivilDate.weekday(day) < 5
            let keep: Bool
            if live == 0 {
                keep = weekday
            } else if weekday {
                keep = present[offset] * 2 >= live
            } else {
                keep = present[offset] * 2 > withData
            }
            if keep { calendar.append(day) }
        }
        return calendar
    }
}
