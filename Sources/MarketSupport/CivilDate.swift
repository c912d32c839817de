// Calendar dates as day numbers (days since 1970-01-01, UTC): cheap to store, compare and subtract.

/// A calendar date counted in days since 1970-01-01 (proleptic Gregorian, UTC).
public typealias DayNumber = Int32

/// Conversions between `DayNumber` and civil year/month/day, without Foundation (Howard Hinnant's algorithm).
public enum CivilDate {
    /// The day number of `year`-`month`-`day`; `month` in 1...12, `day` in 1...31.
    @inlinable
    public static func dayNumber(year: Int, month: Int, day: Int) -> DayNumber {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let monthIndex = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * monthIndex + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return DayNumber(era * 146097 + dayOfEra - 719468)
    }

    /// The civil (year, month, day) of a day number.
    @inlinable
    public static func civil(_ dayNumber: DayNumber) -> (year: Int, month: Int, day: Int) {
        let z = Int(dayNumber) + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let dayOfEra = z - era * 146097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Day of the week: 0 = Monday … 6 = Sunday.
    @inlinable
    public static func weekday(_ dayNumber: DayNumber) -> Int {
        let shifted = (Int(dayNumber) + 3) % 7   // 1970-01-01 was a Thursday (3)
        return shifted >= 0 ? shifted : shifted + 7
    }

    /// `YYYY-MM-DD`.
    public static func isoString(_ dayNumber: DayNumber) -> String {
        let (y, m, d) = civil(dayNumber)
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }

    /// Parses `YYYY-MM-DD` (anything after the 10th character is ignored); nil when malformed.
    public static func parseISO(_ text: String) -> DayNumber? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let digit = Int(bytes[index]) - 48
                guard digit >= 0, digit <= 9 else { return nil }
                value = value * 10 + digit
            }
            return value
        }
        guard let y = number(0..<4), let m = number(5..<7), let d = number(8..<10),
              (1...12).contains(m), (1...31).contains(d) else { return nil }
        let result = dayNumber(year: y, month: m, day: d)
        return civil(result).day == d ? result : nil
    }
}
