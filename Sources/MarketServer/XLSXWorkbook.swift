// A minimal OOXML spreadsheet (.xlsx) written by hand: one sheet of a header row and typed rows, zipped with ZIPFoundation.
import Foundation
import MarketSupport
import ZIPFoundation

/// One worksheet as an `.xlsx` file: the OOXML parts (`[Content_Types].xml`, `_rels/.rels`,
/// `xl/workbook.xml`, `xl/_rels/workbook.xml.rels`, `xl/styles.xml`, `xl/worksheets/sheet1.xml`) written
/// directly. Cells are numbers, dates (Excel serial days with the built-in date format 14) or inline
/// strings; NaN/∞ become empty cells. Readable by Excel, LibreOffice and openpyxl.
public struct XLSXWorkbook {
    /// One cell value.
    public enum Cell {
        case number(Double)
        case date(Int32)          // days since 1970-01-01
        case text(String)
    }

    public var sheetName: String
    public var header: [String]
    public var rows: [[Cell]]

    public init(sheetName: String, header: [String], rows: [[Cell]]) {
        self.sheetName = sheetName
        self.header = header
        self.rows = rows
    }

    /// The parts of the workbook: (path inside the package, bytes).
    public func parts() -> [(String, Data)] {
        let contentTypes = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
            <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
            <Default Extension="xml" ContentType="application/xml"/>\
            <Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
            <Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\
            <Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
            </Types>
            """
        let rootRels = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
            <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>\
            </Relationships>
            """
        let workbook = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
            xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
            <sheets><sheet name="\(Self.escape(String(sheetName.prefix(31))))" sheetId="1" r:id="rId1"/></sheets></workbook>
            """
        let workbookRels = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
            <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>\
            <Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>\
            </Relationships>
            """
        let styles = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
            <fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>\
            <fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>\
            <borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
            <cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
            <cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
            <xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
            <xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>\
            <cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>
            """
        return [("[Content_Types].xml", Data(contentTypes.utf8)), ("_rels/.rels", Data(rootRels.utf8)),
                ("xl/workbook.xml", Data(workbook.utf8)), ("xl/_rels/workbook.xml.rels", Data(workbookRels.utf8)),
                ("xl/styles.xml", Data(styles.utf8)), ("xl/worksheets/sheet1.xml", Data(sheetXML().utf8))]
    }

    /// `xl/worksheets/sheet1.xml`: the header (bold, style 2) and the rows, cell references A1-style.
    func sheetXML() -> String {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
        out += "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"
        out.reserveCapacity(rows.count * 48 * max(1, header.count))
        out += "<row r=\"1\">"
        for (column, name) in header.enumerated() {
            out += "<c r=\"\(Self.columnName(column))1\" t=\"inlineStr\" s=\"2\"><is><t>\(Self.escape(name))</t></is></c>"
        }
        out += "</row>"
        for (index, row) in rows.enumerated() {
            let r = index + 2
            out += "<row r=\"\(r)\">"
            for (column, cell) in row.enumerated() {
                let ref = "\(Self.columnName(column))\(r)"
                switch cell {
                case .number(let value) where value.isFinite: out += "<c r=\"\(ref)\"><v>\(Self.number(value))</v></c>"
                case .number: break
                case .date(let day): out += "<c r=\"\(ref)\" s=\"1\"><v>\(Int(day) + 25569)</v></c>"   // 1970-01-01 = serial 25569
                case .text(let text): out += "<c r=\"\(ref)\" t=\"inlineStr\"><is><t>\(Self.escape(text))</t></is></c>"
                }
            }
            out += "</row>"
        }
        out += "</sheetData></worksheet>"
        return out
    }

    /// The `.xlsx` bytes: a ZIP of `parts()`, deflated, built in memory.
    public func data() throws -> Data {
        let archive = try Archive(data: Data(), accessMode: .create)
        for (path, bytes) in parts() {
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(bytes.count), compressionMethod: .deflate) { position, size in
                bytes.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        guard let bytes = archive.data else { throw CocoaError(.fileWriteUnknown) }
        return bytes
    }

    /// Writes the `.xlsx` (see `data()`) to `url` atomically.
    public func write(to url: URL) throws {
        try AtomicFile.write(try data(), to: url)
    }

    /// Column letters of a 0-based index: 0 → A, 25 → Z, 26 → AA.
    public static func columnName(_ index: Int) -> String {
        var n = index + 1, name = ""
        while n > 0 {
            let remainder = (n - 1) % 26
            name = String(UnicodeScalar(UInt8(65 + remainder))) + name
            n = (n - 1) / 26
        }
        return name
    }

    /// Shortest round-trip text of a finite double.
    static func number(_ value: Double) -> String { value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)" }

    /// XML text escaping (and control characters dropped: XML 1.0 cannot carry them).
    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default:
                if scalar.value < 0x20 && scalar != "\t" && scalar != "\n" && scalar != "\r" { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
