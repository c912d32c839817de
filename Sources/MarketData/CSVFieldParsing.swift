// Byte-level parsing of one CSV field as a number or a date: no String, no Foundation, no allocation.
import MarketSupport

/// The outcome of parsing a numeric field.
@usableFromInline
enum NumberParse {
    case value(Double)
    /// Empty, `null`, `NaN`, `-`, `n/a`.
    case missing
    case invalid
}

/// Exact powers of ten (exact in Double up to 1e22).
@usableFromInline
let exactPowersOfTen: [Double] = (0...22).map { exponent in
    var value = 1.0
    for _ in 0..<exponent { value *= 10 }
    return value
}

@inline(__always) @usableFromInline
func isSpaceOrQuote(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x09 || byte == 0x22 || byte == 0x0D
}

/// Parses bytes `[start, end)` of `p` as a decimal number: optional quotes and sign, digits, a decimal
/// separator (`.`, or `,` with `decimalComma`, when `.` and space group thousands), an exponent,
/// a `K`/`M`/`B` suffix (×1e3/1e6/1e9, as in `885,11K`). Correctly rounded for ≤ 19 significant digits
/// and decimal exponents within ±22 (every vendor price); otherwise within one ulp or two.
@usableFromInline
func parseNumber(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, decimalComma: Bool) -> NumberParse {
    // Fast path: plain `digits[.digits]` with at most 18 digits (the vendors' usual form).
    let separator: UInt8 = decimalComma ? UInt8(ascii: ",") : UInt8(ascii: ".")
    var j = start, mantissa: UInt64 = 0, digits = 0, fraction = -1
    while j < end {
        let digit = p[j] &- 48
        if digit < 10 {
            mantissa = mantissa &* 10 &+ UInt64(digit)
            digits &+= 1
            if fraction >= 0 { fraction &+= 1 }
        } else if p[j] == separator && fraction < 0 {
            fraction = 0
        } else {
            break
        }
        j &+= 1
    }
    if j == end && digits > 0 && digits <= 18 {
        return .value(fraction <= 0 ? Double(mantissa) : Double(mantissa) / exactPowerOfTen(fraction))
    }
    return parseNumberGeneral(p, start, end, decimalComma: decimalComma)
}

/// 10^k for k in 0...18, exact.
@inline(__always) @usableFromInline
func exactPowerOfTen(_ k: Int) -> Double {
    switch k {
    case 0: return 1
    case 1: return 1e1
    case 2: return 1e2
    case 3: return 1e3
    case 4: return 1e4
    case 5: return 1e5
    case 6: return 1e6
    case 7: return 1e7
    case 8: return 1e8
    case 9: return 1e9
    case 10: return 1e10
    case 11: return 1e11
    case 12: return 1e12
    case 13: return 1e13
    case 14: return 1e14
    case 15: return 1e15
    case 16: return 1e16
    case 17: return 1e17
    default: return 1e18
    }
}

/// The general number parser behind `parseNumber`'s fast path.
@usableFromInline
func parseNumberGeneral(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, decimalComma: Bool) -> NumberParse {
    var i = start, e = end
    while i < e && isSpaceOrQuote(p[i]) { i &+= 1 }
    while e > i && isSpaceOrQuote(p[e &- 1]) { e &-= 1 }
    if i == e { return .missing }
    var negative = false
    if p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+") {
        negative = p[i] == UInt8(ascii: "-")
        i &+= 1
        if i == e { return .missing }   // a lone "-" is Investing.com's "no value"
    }
    let decimalSeparator: UInt8 = decimalComma ? UInt8(ascii: ",") : UInt8(ascii: ".")
    var mantissa: UInt64 = 0
    var significantDigits = 0
    var decimalExponent = 0
    var sawDigit = false, afterPoint = false
    var multiplier = 1.0
    while i < e {
        let byte = p[i]
        let digit = byte &- 48
        if digit < 10 {
            sawDigit = true
            if significantDigits < 19 {
                if mantissa != 0 || digit != 0 { significantDigits &+= 1 }
                mantissa = mantissa &* 10 &+ UInt64(digit)
                if afterPoint { decimalExponent &-= 1 }
            } else if !afterPoint {
                decimalExponent &+= 1   // digits beyond 19 only scale the value
            }
        } else if byte == decimalSeparator {
            if afterPoint { return .invalid }
            afterPoint = true
        } else if decimalComma && (byte == UInt8(ascii: ".") || byte == 0x20) && !afterPoint {
            // thousands separator: skip
        } else if (byte | 0x20) == UInt8(ascii: "e") && sawDigit {
            i &+= 1
            var exponentNegative = false
            if i < e && (p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+")) {
                exponentNegative = p[i] == UInt8(ascii: "-")
                i &+= 1
            }
            var exponent = 0, exponentDigits = 0
            while i < e, p[i] &- 48 < 10 {
                if exponent < 100_000 { exponent = exponent &* 10 &+ Int(p[i] &- 48) }
                exponentDigits &+= 1
                i &+= 1
            }
            if exponentDigits == 0 || i != e { return .invalid }
            decimalExponent &+= exponentNegative ? -exponent : exponent
            break
        } else if sawDigit && i == e &- 1 && multiplier == 1 {
            switch byte | 0x20 {
            case UInt8(ascii: "k"): multiplier = 1e3
            case UInt8(ascii: "m"): multiplier = 1e6
            case UInt8(ascii: "b"): multiplier = 1e9
            default: return .invalid
            }
        } else {
            return sawDigit ? .invalid : missingWord(p, i, e)
        }
        i &+= 1
    }
    if !sawDigit { return .invalid }
    var value = Double(mantissa)
    if decimalExponent < 0 {
        value = -decimalExponent <= 22 ? value / exactPowersOfTen[-decimalExponent] : slowScale(value, decimalExponent)
    } else if decimalExponent > 0 {
        value = decimalExponent <= 22 ? value * exactPowersOfTen[decimalExponent] : slowScale(value, decimalExponent)
    }
    value *= multiplier
    if !value.isFinite { return .invalid }
    return .value(negative ? -value : value)
}

/// Scales by 10^exponent for exponents beyond the exact table (rare: huge or tiny numbers).
@usableFromInline
func slowScale(_ value: Double, _ exponent: Int) -> Double {
    if value == 0 { return 0 }
    if exponent > 400 { return .infinity }
    if exponent < -400 { return 0 }
    var result = value
    var remaining = exponent
    while remaining > 22 { result *= 1e22; remaining -= 22 }
    while remaining < -22 { result /= 1e22; remaining += 22 }
    return remaining >= 0 ? result * exactPowersOfTen[remaining] : result / exactPowersOfTen[-remaining]
}

/// Recognises the words vendors write for "no value": null, nan, n/a, na, none.
@usableFromInline
func missingWord(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> NumberParse {
    let length = end - start
    guard length >= 2 && length <= 4 else { return .invalid }
    var word: UInt32 = 0
    for k in start..<end { word = word << 8 | UInt32(p[k] | 0x20) }
    switch word {
    case 0x6E75_6C6C /* null */, 0x006E_616E /* nan */, 0x006E_2F61 /* n/a */, 0x0000_6E61 /* na */,
         0x6E6F_6E65 /* none */:
        return .missing
    default:
        return .invalid
    }
}

@inline(__always) @usableFromInline
func daysInMonth(year: Int, month: Int) -> Int {
    switch month {
    case 2: return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
}

/// Parses the date at the start of bytes `[start, end)`: three digit groups separated by one
/// non-digit each (`2024-01-31`, `31/01/2024`, `2024.01.31`) or 8 digits (`20240131`) in ymd order;
/// whatever follows the third group (a time, a timezone) is ignored. Nil when malformed.
@usableFromInline
func parseDate(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, order: DateOrder) -> DayNumber? {
    var i = start
    while i < end && isSpaceOrQuote(p[i]) { i &+= 1 }
    var groups = (0, 0, 0)
    var widths = (0, 0, 0)
    var groupIndex = 0
    while groupIndex < 3 {
        var value = 0, width = 0
        while i < end, p[i] &- 48 < 10, width < 9 {
            value = value &* 10 &+ Int(p[i] &- 48)
            width &+= 1
            i &+= 1
        }
        if width == 0 { return nil }
        switch groupIndex {
        case 0: groups.0 = value; widths.0 = width
        case 1: groups.1 = value; widths.1 = width
        default: groups.2 = value; widths.2 = width
        }
        groupIndex &+= 1
        if groupIndex == 1 && width == 8 && order == .ymd {   // YYYYMMDD
            groups = (value / 10000, value / 100 % 100, value % 100)
            widths = (4, 2, 2)
            groupIndex = 3
            break
        }
        if groupIndex < 3 {
            guard i < end else { return nil }
            let separator = p[i]
            guard separator == UInt8(ascii: "-") || separator == UInt8(ascii: "/") || separator == UInt8(ascii: ".") else { return nil }
            i &+= 1
        }
    }
    if i < end, p[i] &- 48 < 10 { return nil }   // more digits glued to the day
    let year: Int, month: Int, day: Int
    switch order {
    case .ymd:
        guard widths.0 == 4, widths.1 <= 2, widths.2 <= 2 else { return nil }
        (year, month, day) = (groups.0, groups.1, groups.2)
    case .dmy:
        guard widths.2 == 4, widths.0 <= 2, widths.1 <= 2 else { return nil }
        (year, month, day) = (groups.2, groups.1, groups.0)
    case .mdy:
        guard widths.2 == 4, widths.0 <= 2, widths.1 <= 2 else { return nil }
        (year, month, day) = (groups.2, groups.0, groups.1)
    }
    guard month >= 1, month <= 12, day >= 1, day <= daysInMonth(year: year, month: month) else { return nil }
    return CivilDate.dayNumber(year: year, month: month, day: day)
}
