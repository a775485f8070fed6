import Foundation
import KehuModel

/// Marketing spend per channel and touchpoint, read from a cost file (`docs/formats.md`):
/// CSV lines `channel,touchpoint,cost` with the cost in yuan, an empty touchpoint meaning the
/// whole channel, `#` comment lines and blank lines ignored, an optional header line.
public struct ChannelCosts: Sendable, Hashable, Codable {
    /// One line of the file.
    public struct Entry: Sendable, Hashable, Codable {
        public var channel: String
        /// Nil when the line names no touchpoint (spend on the channel as a whole).
        public var touchpoint: String?
        public var costFen: Int64
        /// 1-based line in the file.
        public var line: Int

        public init(channel: String, touchpoint: String?, costFen: Int64, line: Int) {
            self.channel = channel
            self.touchpoint = touchpoint
            self.costFen = costFen
            self.line = line
        }
    }

    /// Where the costs came from (the file name), for messages and report parameters.
    public var source: String
    public var entries: [Entry]

    public init(source: String, entries: [Entry]) {
        self.source = source
        self.entries = entries
    }

    /// The sum of every line.
    public var totalFen: Int64 { entries.reduce(0) { $0 + $1.costFen } }

    /// Reads a cost file.
    public static func load(path: String) throws(ChannelCostError) -> ChannelCosts {
        let name = (path as NSString).lastPathComponent
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ChannelCostError(source: name, line: nil, field: nil, reason: "the file cannot be read (does it exist?)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ChannelCostError(source: name, line: nil, field: nil, reason: "the file is not UTF-8 text")
        }
        return try parse(text, source: name)
    }

    /// Parses the text of a cost file; `source` names it in error messages.
    /// - Complexity: O(length of the text).
    public static func parse(_ text: String, source: String) throws(ChannelCostError) -> ChannelCosts {
        var entries: [Entry] = []
        var sawData = false
        var lineNumber = 0
        // "\r\n" is one Character in Swift, so split on every kind of line end.
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            lineNumber += 1
            var line = rawLine
            if lineNumber == 1, line.hasPrefix("\u{FEFF}") { line = line.dropFirst() }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(Self.cell)
            if !sawData, fields.map({ $0.lowercased() }) == ["channel", "touchpoint", "cost"] {
                sawData = true
                continue
            }
            sawData = true
            guard fields.count == 3 else {
                throw ChannelCostError(
                    source: source, line: lineNumber, field: nil,
                    reason: "expected 3 fields channel,touchpoint,cost (touchpoint may be empty), found \(fields.count)")
            }
            guard !fields[0].isEmpty else {
                throw ChannelCostError(source: source, line: lineNumber, field: "channel", reason: "the channel is empty")
            }
            let fen: Int64
            do { fen = try Money.parse(yuan: fields[2]).fen } catch {
                throw ChannelCostError(
                    source: source, line: lineNumber, field: "cost", reason: "'\(fields[2].prefix(40))': \(error)")
            }
            guard fen >= 0 else {
                throw ChannelCostError(source: source, line: lineNumber, field: "cost", reason: "'\(fields[2])': a cost cannot be negative")
            }
            entries.append(Entry(channel: fields[0], touchpoint: fields[1].isEmpty ? nil : fields[1], costFen: fen, line: lineNumber))
        }
        guard !entries.isEmpty else {
            throw ChannelCostError(source: source, line: nil, field: nil, reason: "no cost lines (expected channel,touchpoint,cost)")
        }
        return ChannelCosts(source: source, entries: entries)
    }

    /// A cell without surrounding spaces and double quotes.
    private static func cell(_ text: Substring) -> String {
        var cell = text.trimmingCharacters(in: .whitespaces)
        if cell.count >= 2, cell.hasPrefix("\""), cell.hasSuffix("\"") {
            cell = String(cell.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"")
                .trimmingCharacters(in: .whitespaces)
        }
        return cell
    }
}

/// Why a cost file could not be read: the file, the line, the field and what is expected.
public struct ChannelCostError: Error, Sendable, Hashable, CustomStringConvertible {
    public var source: String
    public var line: Int?
    public var field: String?
    public var reason: String

    public init(source: String, line: Int?, field: String?, reason: String) {
        self.source = source
        self.line = line
        self.field = field
        self.reason = reason
    }

    public var description: String {
        var place = source
        if let line { place += ":\(line)" }
        if let field { place += ": \(field)" }
        return place + ": " + reason
    }
}
