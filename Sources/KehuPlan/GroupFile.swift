import Foundation
import KehuModel

/// Reads the per-group files of `kehu plan gap`: `--costs` (yuan per added consumer) and
/// `--capacity` (the most consumers a group can add). Both are CSV with two columns, `stage` and
/// the amount; an optional header line, blank lines and `#` comments are skipped (docs/formats.md).
public enum GroupFile {
    public enum Kind: Sendable {
        /// Yuan, exact to the fen.
        case cost
        /// A whole number of consumers.
        case capacity
    }

    /// Parses the text of a file; `source` names it in errors (`costs.csv:3: cost: ...`).
    public static func parse(_ text: String, source: String, kind: Kind) throws(PlanError) -> [GapPlanParameters.GroupAmount] {
        var result: [GapPlanParameters.GroupAmount] = []
        var seen: [PlanGroup: Int] = [:]
        var sawData = false
        let field = kind == .cost ? "cost" : "capacity"
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(rawLine).trimmingSpaces
            let number = index + 1
            if line.isEmpty || line.hasPrefix("#") { continue }
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingSpaces }
            guard cells.count == 2 else {
                throw .invalid("\(source):\(number): expected two columns, stage and \(field) (got \(cells.count)).")
            }
            guard let group = PlanGroup(name: cells[0]) else {
                // A header is allowed as the first line.
                if !sawData && result.isEmpty && cells[0].lowercased() == "stage" { sawData = true; continue }
                throw .invalid("\(source):\(number): stage: '\(cells[0].prefix(40))' is not one of none, A, I, P, L, new.")
            }
            sawData = true
            if let earlier = seen[group] {
                throw .invalid("\(source):\(number): stage: \(group.name) is already given on line \(earlier).")
            }
            seen[group] = number
            switch kind {
            case .cost:
                let money: Money
                do { money = try Money.parse(yuan: cells[1]) } catch {
                    throw .invalid("\(source):\(number): cost: '\(cells[1].prefix(40))' is not an amount in yuan (\(error)).")
                }
                guard money.fen >= 0 else { throw .invalid("\(source):\(number): cost: a cost cannot be negative.") }
                result.append(.init(group, money.fen))
            case .capacity:
                guard let count = Int64(cells[1]), count >= 0 else {
                    throw .invalid("\(source):\(number): capacity: '\(cells[1].prefix(40))' is not a whole number of consumers.")
                }
                result.append(.init(group, count))
            }
        }
        return result
    }

    /// Reads and parses a file.
    public static func read(path: String, kind: Kind) throws(PlanError) -> [GapPlanParameters.GroupAmount] {
        guard let data = FileManager.default.contents(atPath: path) else { throw .invalid("cannot read \(path).") }
        guard let text = String(data: data, encoding: .utf8) else { throw .invalid("\(path) is not UTF-8 text.") }
        return try parse(text, source: path, kind: kind)
    }

    /// Inline form for the API and options: `A=2.50,I=4` (costs in yuan) or `A=10000` (capacities).
    public static func parseInline(_ text: String, parameter: String, kind: Kind) throws(PlanError) -> [GapPlanParameters.GroupAmount] {
        let lines = text.split(separator: ",").map { $0.replacingOccurrences(of: "=", with: ",") }
        return try parse(lines.joined(separator: "\n"), source: parameter, kind: kind)
    }

    /// Parses a target such as `5000000`, `5,000,000`, `5000000.00` or `500万` (yuan) to fen.
    public static func target(_ text: String) throws(PlanError) -> Int64 {
        var value = text.trimmingSpaces.replacingOccurrences(of: ",", with: "").replacingOccurrences(of: "¥", with: "")
        var scale: Int64 = 1
        if value.hasSuffix("万") { scale = 10_000; value.removeLast() } else if value.hasSuffix("亿") { scale = 100_000_000; value.removeLast() }
        let money: Money
        do { money = try Money.parse(yuan: value) } catch {
            throw .invalid("--target '\(text.prefix(40))' is not an amount in yuan, e.g. 5000000 or 500万 (\(error)).")
        }
        let (fen, overflow) = money.fen.multipliedReportingOverflow(by: scale)
        guard !overflow, fen > 0 else { throw .invalid("--target must be a positive amount in yuan (got '\(text.prefix(40))').") }
        return fen
    }
}
