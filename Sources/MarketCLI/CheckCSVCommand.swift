// `marketgpt check-csv FILE`: load one OHLCV CSV file with the given layout options and print its load report.
import ArgumentParser
import Foundation
import MarketData
import MarketPipeline

/// Options describing a CSV layout, shared by commands that read CSV files.
struct CSVLayoutOptions: ParsableArguments {
    @Option(help: "Order of the date parts: ymd (2024-01-31), dmy (31/01/2024) or mdy (01/31/2024).")
    var dateOrder: DateOrder = .ymd

    @Flag(help: "',' is the decimal separator ('.' and spaces group thousands), e.g. \"1.234,56\".")
    var decimalComma = false

    @Option(help: "Lines to skip before the header (a preamble).")
    var skipLines = 0

    @Option(name: .customLong("column"), help: "Header name of a field, FIELD=NAME with FIELD one of date, open, high, low, close, adj_close, volume (repeatable), e.g. --column close=Dernier.")
    var columns: [String] = []

    /// The options as `CSVOptions`.
    func csvOptions() throws -> CSVOptions {
        var mapping: [CSVField: String] = [:]
        for entry in columns {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let field = CSVField(rawValue: parts[0].lowercased()), !parts[1].isEmpty else {
                throw ValidationError("--column \(entry): expected FIELD=NAME with FIELD one of \(CSVField.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            mapping[field] = parts[1]
        }
        guard skipLines >= 0 else { throw ValidationError("--skip-lines must be ≥ 0") }
        return CSVOptions(dateOrder: dateOrder, decimalComma: decimalComma, skipLines: skipLines, columns: mapping)
    }
}

extension DateOrder: ExpressibleByArgument {}

/// Checks one CSV file and prints its load report.
struct CheckCSVCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-csv",
        abstract: "Load one daily OHLCV CSV file and print its load report (dropped rows by reason with line numbers, order, duplicates, gaps).")

    @Argument(help: "The CSV file.")
    var file: String

    @OptionGroup var layout: CSVLayoutOptions

    @Flag(help: "Print the report as one JSON object.")
    var json = false

    func run() throws {
        let options = try layout.csvOptions()
        let result: CSVLoadResult
        do {
            result = try OHLCVCSV.load(URL(fileURLWithPath: file), options: options)
        } catch let error as DataError {
            throw DataCommandFailure(error.description)
        }
        if json {
            print(try CoverageJSON.line(CoverageJSON.report(result.report)))
        } else {
            print(result.report.summary)
        }
    }
}


/// An error whose message is printed as the one-line reason of a failed command (exit code 1).
struct DataCommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
