import Foundation

/// How a result is shown.
public enum OutputFormat: String, CaseIterable, Sendable, Codable {
    case table, json, csv
}

/// What every analysis returns: parameters it used, tables for people, JSON for programs.
public protocol Report: Encodable, Sendable {
    /// The heading, e.g. "Workspace overview".
    var title: String { get }
    /// The parameters the result was computed with, shown next to it everywhere.
    var parameters: [ReportParameter] { get }
    /// The tables a person reads.
    func tables() -> [TextTable]
}

/// One parameter and its value, as shown to the user.
public struct ReportParameter: Sendable, Hashable, Codable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

extension Report {
    /// The result rendered in a format: aligned tables, pretty JSON (sorted keys), or CSV of the
    /// tables (one block per table, separated by a blank line).
    public func rendered(as format: OutputFormat) -> String {
        switch format {
        case .table:
            var out = title + "\n"
            if !parameters.isEmpty {
                out += parameters.map { "\($0.name): \($0.value)" }.joined(separator: " · ") + "\n"
            }
            out += "\n" + tables().map { $0.render() }.joined(separator: "\n\n") + "\n"
            return out
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let data = (try? encoder.encode(self)) ?? Data("{}".utf8)
            return String(decoding: data, as: UTF8.self) + "\n"
        case .csv:
            return tables().map { $0.csv() }.joined(separator: "\n")
        }
    }
}

/// Number formatting as operations teams read it.
public enum Figures {
    /// 1234567 -> "1,234,567".
    public static func grouped(_ value: Int) -> String {
        let negative = value < 0
        var digits = String(value.magnitude)
        var out = ""
        while digits.count > 3 {
            out = "," + digits.suffix(3) + out
            digits.removeLast(3)
        }
        return (negative ? "-" : "") + digits + out
    }

    /// A share as a percentage with one decimal: 0.1234 -> "12.3%"; "-" when undefined.
    public static func percent(_ numerator: Int, _ denominator: Int) -> String {
        guard denominator > 0 else { return "-" }
        let tenths = (Int64(numerator) * 1000 * 2 + Int64(denominator)) / (Int64(denominator) * 2)
        return "\(tenths / 10).\(abs(tenths % 10))%"
    }
}
