// The stdout summary of a signal run: counts per category and the strongest BUY and SELL.
import Foundation
import MarketData

/// Formats the human summary printed after a signal run.
public enum SignalSummary {
    /// A table of BUY/SELL/HOLD counts per category (file order of first appearance, then a total row),
    /// the strongest BUY and SELL by confidence, and the tickers without data.
    public static func format(_ records: [SignalRecord]) -> String {
        var order: [String] = []
        var counts: [String: [Int]] = [:]   // category → [BUY, SELL, HOLD]
        for record in records {
            let category = record.category.isEmpty ? "-" : record.category
            if counts[category] == nil { order.append(category); counts[category] = [0, 0, 0] }
            let slot = record.signal == .buy ? 0 : record.signal == .sell ? 1 : 2
            counts[category]![slot] += 1
        }
        let width = max(8, order.map(\.count).max() ?? 0)
        func line(_ name: String, _ values: [Int]) -> String {
            name.padding(toLength: width, withPad: " ", startingAt: 0)
                + values.map { String($0).leftPadded(to: 6) }.joined() + String(values.reduce(0, +)).leftPadded(to: 7)
        }
        var lines = ["category".padding(toLength: width, withPad: " ", startingAt: 0) + "   BUY  SELL  HOLD  total"]
        var total = [0, 0, 0]
        for category in order {
            let values = counts[category]!
            lines.append(line(category, values))
            for i in 0..<3 { total[i] += values[i] }
        }
        lines.append(line("total", total))
        for action in [SignalAction.buy, .sell] {
            // Strongest = highest confidence; ties broken by |expected return|, then ticker, so the output is stable.
            let best = records.filter { $0.signal == action }.max { a, b in
                if a.confidence != b.confidence { return a.confidence < b.confidence }
                if abs(a.expectedReturn) != abs(b.expectedReturn) { return abs(a.expectedReturn) < abs(b.expectedReturn) }
                return a.ticker > b.ticker
            }
            let label = "strongest \(action.rawValue):"
            if let best {
                lines.append("\(label) \(best.ticker) (\(best.category)) confidence \(String(format: "%.3f", best.confidence)), "
                             + "expected return \(String(format: "%+.2f%%", best.expectedReturn * 100))")
            } else {
                lines.append("\(label) none")
            }
        }
        let missing = records.filter { $0.reason == SignalRule.Reason.noData }.map(\.ticker)
        if !missing.isEmpty { lines.append("no data (\(missing.count)): " + missing.joined(separator: ", ")) }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension String {
    /// Right-aligns the text in a field of `width` characters.
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
