import Foundation

/// A table for the terminal: columns aligned by display width, where Chinese characters take
/// two columns, numbers right-aligned, with a title and a rule under the header.
public struct TextTable: Sendable, Hashable, Codable {
    public enum Alignment: String, Sendable, Codable { case left, right }

    public var title: String?
    public var headers: [String]
    public var alignments: [Alignment]
    public var rows: [[String]]
    /// Lines printed under the table (notes, totals).
    public var footnotes: [String]

    public init(title: String? = nil, headers: [String], alignments: [Alignment]? = nil, rows: [[String]] = [], footnotes: [String] = []) {
        self.title = title
        self.headers = headers
        self.alignments = alignments ?? headers.indices.map { $0 == 0 ? .left : .right }
        self.rows = rows
        self.footnotes = footnotes
    }

    /// Renders with two spaces between columns.
    public func render() -> String {
        let columnCount = headers.count
        var widths = headers.map(Self.displayWidth)
        for row in rows {
            for (c, cell) in row.prefix(columnCount).enumerated() { widths[c] = max(widths[c], Self.displayWidth(cell)) }
        }
        func line(_ cells: [String]) -> String {
            var out = ""
            for c in 0..<columnCount {
                let cell = c < cells.count ? cells[c] : ""
                let pad = String(repeating: " ", count: widths[c] - Self.displayWidth(cell))
                let aligned = alignments[c] == .right ? pad + cell : cell + (c == columnCount - 1 ? "" : pad)
                out += (c == 0 ? "" : "  ") + aligned
            }
            while out.hasSuffix(" ") { out.removeLast() }
            return out
        }
        var lines: [String] = []
        if let title { lines.append(title) }
        lines.append(line(headers))
        lines.append(widths.map { String(repeating: "─", count: $0) }.joined(separator: "  "))
        for row in rows { lines.append(line(row)) }
        lines.append(contentsOf: footnotes)
        return lines.joined(separator: "\n")
    }

    /// Columns a string takes in a terminal: East Asian wide and full-width characters take two.
    public static func displayWidth(_ text: String) -> Int {
        var width = 0
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x0300...0x036F, 0x200B...0x200F, 0xFE00...0xFE0F: continue
            case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
                0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
                0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
                width += 2
            default: width += 1
            }
        }
        return width
    }

    /// RFC 4180 CSV of the header and rows.
    public func csv() -> String {
        func quote(_ cell: String) -> String {
            cell.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : cell
        }
        return ([headers] + rows).map { $0.map(quote).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }
}
