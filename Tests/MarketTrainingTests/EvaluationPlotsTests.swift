// The evaluation SVGs are well-formed XML with the expected lines and labels.

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import MarketData
import XCTest
@testable import MarketTraining
import MarketSupport

final class EvaluationPlotsTests: XCTestCase {
    /// Counts elements by name; fails the test when the document is not well-formed.
    private func elements(_ svg: String, file: StaticString = #filePath, line: UInt = #line) -> [String: Int] {
        final class Counter: NSObject, XMLParserDelegate {
            var counts: [String: Int] = [:]
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                        attributes: [String: String] = [:]) { counts[name, default: 0] += 1 }
        }
        let parser = XMLParser(data: Data(svg.utf8))
        let counter = Counter()
        parser.delegate = counter
        XCTAssertTrue(parser.parse(), "not well-formed: \(String(describing: parser.parserError))", file: file, line: line)
        return counter.counts
    }

    func testCoveragePerHorizon() {
        let svg = EvaluationPlots.coveragePerHorizon(
            coverage50: [PlotSeries(name: "model", values: [0.48, 0.5, 0.51]), PlotSeries(name: "garch", values: [0.45, 0.46, 0.47])],
            coverage90: [PlotSeries(name: "model", values: [0.86, 0.87, .nan]), PlotSeries(name: "garch", values: [0.88, 0.89, 0.9])])
        XCTAssertEqual(elements(svg)["path"], 6)  // 2 forecasters + nominal, in 2 panels
        XCTAssertTrue(svg.contains(">90% interval<") && svg.contains(">50% interval<") && svg.contains(">nominal<"))
        XCTAssertTrue(svg.contains("horizon step h"))
    }

    func testPITHistogramAndWindowNLL() {
        let pit = EvaluationPlots.pitHistogram(fractions: [0.2, 0.1, 0.08, 0.07, 0.05, 0.05, 0.07, 0.08, 0.1, 0.2])
        XCTAssertEqual(elements(pit)["path"], 3)  // filled area + outline + uniform line
        XCTAssertTrue(pit.contains(">uniform<") && pit.contains("in 10 bins"))
        let starts = [CivilDate.dayNumber(year: 2019, month: 1, day: 2), CivilDate.dayNumber(year: 2019, month: 7, day: 1),
                      CivilDate.dayNumber(year: 2020, month: 1, day: 2)]
        let nll = EvaluationPlots.nllPerWindow(windowStarts: starts,
                                               series: [PlotSeries(name: "model <1>", values: [-2.9, -2.7, .nan]),
                                                        PlotSeries(name: "ewma", values: [-2.8, -2.8, -2.6])])
        XCTAssertEqual(elements(nll)["path"], 2)
        XCTAssertTrue(nll.contains("model &lt;1&gt;"))
    }
}
