// The evaluation SVGs are well-formed XML with the expected marks.

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
@testable import MarketTraining

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
        let counts = elements(svg)
        XCTAssertEqual(counts["path"], 4)
        XCTAssertEqual(counts["circle"], 11)  // one NaN left out
        XCTAssertTrue(svg.contains(">h=3<") && svg.contains("nominal 90%") && svg.contains("model 50%"))
        XCTAssertTrue(svg.contains("stroke-dasharray=\"6 4\""))
    }

    func testPITHistogramAndWindowNLL() {
        let pit = EvaluationPlots.pitHistogram(fractions: [0.2, 0.1, 0.08, 0.07, 0.05, 0.05, 0.07, 0.08, 0.1, 0.2])
        let counts = elements(pit)
        XCTAssertEqual(counts["rect"], 2 + 10)  // background, plot area, 10 bars
        XCTAssertTrue(pit.contains(">uniform<"))
        let nll = EvaluationPlots.nllPerWindow(windowLabels: ["2019-01", "2019-07", "2020-01"],
                                               series: [PlotSeries(name: "model <1>", values: [-2.9, -2.7, .nan]),
                                                        PlotSeries(name: "ewma", values: [-2.8, -2.8, -2.6])])
        XCTAssertEqual(elements(nll)["path"], 2)
        XCTAssertTrue(nll.contains("model &lt;1&gt;"))
        XCTAssertTrue(nll.contains(">2019-07<"))
    }
}
