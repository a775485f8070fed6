import Foundation
import KehuModel

/// An industry AIPL composition (行业人群结构): the share of each of A, I, P and L among a typical
/// brand's assets, overall and optionally per category, read from a small CSV file
/// (docs/formats.md, "AIPL benchmark").
public struct AIPLBenchmark: Sendable, Hashable, Codable {
    /// One composition: the shares of A, I, P and L, summing to 1 (±0.01).
    public struct Composition: Sendable, Hashable, Codable {
        /// nil for the overall composition.
        public var category: String?
        /// Shares of A, I, P, L in that order, each 0...1.
        public var shares: [Double]
        /// The file line of the composition's first row.
        public var line: Int

        public init(category: String?, shares: [Double], line: Int) {
            self.category = category
            self.shares = shares
            self.line = line
        }

        /// The share of a stage (A to L); nil for none.
        public func share(_ stage: AIPLStage) -> Double? {
            stage == .none ? nil : shares[Int(stage.rawValue) - 1]
        }
    }

    /// Where the composition came from (the file name as given), for reports.
    public var source: String
    /// In file order: the overall composition (if any) and the per-category ones.
    public var compositions: [Composition]

    public init(source: String, compositions: [Composition]) {
        self.source = source
        self.compositions = compositions
    }

    /// How far the shares of a composition may sum from 1.
    public static let sumTolerance = 0.01

    /// Reads and parses a benchmark file.
    public static func load(path: String) throws(AIPLBenchmarkError) -> AIPLBenchmark {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw AIPLBenchmarkError(file: path, line: nil, field: nil, message: "cannot be read as UTF-8 text (\(error.localizedDescription))")
        }
        return try parse(text, file: path)
    }

    /// Parses the CSV text of a benchmark file: `#` comment lines and blank lines are skipped; the
    /// first other line is the header with `stage` and `share` and optionally `category` in any
    /// order; every row is one stage's share. Each composition (the rows without a category, and
    /// the rows of each category) needs exactly one row per stage A, I, P, L with shares from 0 to
    /// 1 (or 0% to 100%) summing to 1 (±0.01).
    /// - Throws: ``AIPLBenchmarkError`` naming `file`, the line and the field.
    public static func parse(_ text: String, file: String) throws(AIPLBenchmarkError) -> AIPLBenchmark {
        func fail(_ line: Int?, _ field: String?, _ message: String) -> AIPLBenchmarkError {
            AIPLBenchmarkError(file: file, line: line, field: field, message: message)
        }
        var header: [String]?
        var stageColumn = -1
        var shareColumn = -1
        var categoryColumn: Int?
        // Per composition key ("" overall): first line and the share per stage with its line.
        var order: [String] = []
        var groups: [String: (line: Int, shares: [(share: Double, line: Int)?])] = [:]
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        for (index, rawLine) in lines.enumerated() {
            let number = index + 1
            var line = String(rawLine)
            if line.hasSuffix("\r") { line.removeLast() }
            if number == 1 && line.hasPrefix("\u{FEFF}") { line.removeFirst() }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let fields: [String]
            do { fields = try splitCSV(line) } catch let message { throw fail(number, nil, message.text) }
            guard let columns = header else {
                let names = fields.map { $0.lowercased() }
                for (c, name) in names.enumerated() {
                    switch name {
                    case "stage": stageColumn = c
                    case "share": shareColumn = c
                    case "category": categoryColumn = c
                    default:
                        throw fail(number, name.isEmpty ? "column \(c + 1)" : name, "unknown column; the header is `stage,share` with an optional `category`")
                    }
                    if names[..<c].contains(name) { throw fail(number, name, "the column appears twice") }
                }
                guard stageColumn >= 0 else { throw fail(number, "stage", "the header has no `stage` column; expected `stage,share` with an optional `category`") }
                guard shareColumn >= 0 else { throw fail(number, "share", "the header has no `share` column; expected `stage,share` with an optional `category`") }
                header = fields
                continue
            }
            guard fields.count == columns.count else {
                throw fail(number, nil, "\(fields.count) fields; the header has \(columns.count)")
            }
            let stageText = fields[stageColumn]
            guard let stage = Self.stage(stageText) else {
                throw fail(number, "stage", "'\(stageText.prefix(40))' is not a stage; expected A, I, P or L (or 认知, 兴趣, 购买, 忠诚)")
            }
            let shareText = fields[shareColumn]
            guard let share = Self.share(shareText) else {
                throw fail(number, "share", "'\(shareText.prefix(40))' is not a share; expected a number from 0 to 1 (e.g. 0.25) or a percentage (25%)")
            }
            let category = categoryColumn.map { fields[$0] } ?? ""
            if groups[category] == nil {
                order.append(category)
                groups[category] = (number, Array(repeating: nil, count: 4))
            }
            let slot = Int(stage.rawValue) - 1
            if let previous = groups[category]!.shares[slot] {
                throw fail(number, "stage", "\(stage.letter) appears twice for \(describe(category)) (first on line \(previous.line))")
            }
            groups[category]!.shares[slot] = (share, number)
        }
        guard header != nil else { throw fail(nil, nil, "has no header line; expected `stage,share` with an optional `category`") }
        guard !order.isEmpty else { throw fail(nil, nil, "has a header but no stage rows") }
        var compositions: [Composition] = []
        for key in order {
            let group = groups[key]!
            if let missing = group.shares.firstIndex(where: { $0 == nil }) {
                let stage = AIPLStage(rawValue: UInt8(missing + 1))!
                throw fail(group.line, "stage", "\(describe(key)) has no \(stage.letter) row; every stage A, I, P and L needs one")
            }
            let shares = group.shares.map { $0!.share }
            let sum = shares.reduce(0, +)
            guard abs(sum - 1) <= sumTolerance + 1e-9 else {
                throw fail(
                    group.line, "share",
                    "the shares of \(describe(key)) sum to \(String(format: "%.4f", sum)); they must sum to 1 (±\(sumTolerance))")
            }
            compositions.append(Composition(category: key.isEmpty ? nil : key, shares: shares, line: group.line))
        }
        return AIPLBenchmark(source: file, compositions: compositions)
    }

    /// The composition for a category, or the overall one for nil.
    public func composition(category: String?) -> Composition? {
        compositions.first { $0.category == category }
    }

    private static func describe(_ category: String) -> String {
        category.isEmpty ? "the overall composition" : "category '\(category.prefix(40))'"
    }

    static func stage(_ text: String) -> AIPLStage? {
        switch text.uppercased() {
        case "A", "认知": .aware
        case "I", "兴趣": .interested
        case "P", "购买": .purchased
        case "L", "忠诚": .loyal
        default: nil
        }
    }

    static func share(_ text: String) -> Double? {
        let percent = text.hasSuffix("%")
        guard let value = Double(percent ? String(text.dropLast()).trimmingCharacters(in: .whitespaces) : text),
            value.isFinite
        else { return nil }
        let share = percent ? value / 100 : value
        return (0...1).contains(share) ? share : nil
    }

    private struct SplitError: Error { var text: String }

    /// Splits one CSV line: fields are trimmed; a field may be quoted with `"` (a doubled `""` is a quote).
    private static func splitCSV(_ line: String) throws(SplitError) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var wasQuoted = false
        var iterator = Array(line).makeIterator()
        var pending: Character? = nil
        while let ch = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if ch == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { current.append("\"") } else { quoted = false; pending = next }
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(ch)
                }
            } else if ch == "," {
                fields.append(wasQuoted ? current : current.trimmingCharacters(in: .whitespaces))
                current = ""
                wasQuoted = false
            } else if ch == "\"" && current.trimmingCharacters(in: .whitespaces).isEmpty {
                current = ""
                quoted = true
                wasQuoted = true
            } else {
                current.append(ch)
            }
        }
        if quoted { throw SplitError(text: "a quoted field is not closed") }
        fields.append(wasQuoted ? current : current.trimmingCharacters(in: .whitespaces))
        return fields
    }
}

/// A benchmark file that cannot be used: the file, line and field, and what is wrong.
public struct AIPLBenchmarkError: Error, Sendable, Hashable, CustomStringConvertible {
    public var file: String
    /// 1-based; nil for problems with the whole file.
    public var line: Int?
    /// The column (`stage`, `share`, `category`), when one field is at fault.
    public var field: String?
    public var message: String

    public init(file: String, line: Int?, field: String?, message: String) {
        self.file = file
        self.line = line
        self.field = field
        self.message = message
    }

    /// `file:line: field: message`.
    public var description: String {
        file + (line.map { ":\($0)" } ?? "") + ": " + (field.map { "\($0): " } ?? "") + message
    }
}
