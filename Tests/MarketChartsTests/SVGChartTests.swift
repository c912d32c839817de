// SVG charts: a well-formed document with escaped titles, one path per series, date ticks and gaps.
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
import MarketCharts
import MarketSupport

final class SVGChartTests: XCTestCase {
    func testRendersWellFormedSVGWithEscapedTextAndDateTicks() throws {
        let days = (0..<400).map { CivilDate.dayNumber(year: 2024, month: 1, day: 1) + DayNumber($0) }
        var values = days.indices.map { 100 + Double($0) }
        values[10] = .nan   // a gap
        let chart = SVGChart(title: "A & B <test>", subtitle: "one\ntwo", x: .dates(days), panels: [
            SVGChart.Panel(label: "equity", series: [.init(name: "strategy", values: values, color: "#1f77b4"),
                                                     .init(name: "benchmark", values: values.map { $0 * 0.9 }, color: "#999", dashed: true)]),
            SVGChart.Panel(label: "drawdown", series: [.init(name: "dd", values: days.map { _ in -0.05 }, color: "#d62728", fill: true)],
                           weight: 0.4, format: .percent, baseline: 0),
        ])
        let svg = chart.render()
        XCTAssertTrue(svg.hasPrefix("<svg") || svg.hasPrefix("<?xml"), String(svg.prefix(80)))
        XCTAssertTrue(svg.contains("A &amp; B &lt;test&gt;"), "title escaped")
        XCTAssertFalse(svg.contains("<test>"))
        XCTAssertTrue(svg.contains("2024") && svg.contains("2025"), "year ticks")
        XCTAssertTrue(svg.contains("%"), "percent ticks on the drawdown panel")
        XCTAssertNoThrow(try XMLDocument(data: Data(svg.utf8)))
    }
}
