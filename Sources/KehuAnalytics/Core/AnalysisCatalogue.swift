import Foundation
import KehuModel
import KehuStore

/// One analysis as the CLI, the HTTP API and the dashboard see it: a name, the parameters it
/// takes (with the same names everywhere) and a pure function of a snapshot and arguments.
public struct Analysis: Sendable {
    /// The URL and command name, e.g. `aipl`, `aipl-flow`, `visitors`.
    public let name: String
    public let title: String
    public let summary: String
    public let parameters: [AnalysisParameter]
    private let body: @Sendable (Snapshot, AnalysisArguments) throws(AnalysisError) -> any Report

    public init(
        name: String, title: String, summary: String, parameters: [AnalysisParameter],
        run: @escaping @Sendable (Snapshot, AnalysisArguments) throws(AnalysisError) -> any Report
    ) {
        self.name = name
        self.title = title
        self.summary = summary
        self.parameters = parameters
        self.body = run
    }

    /// Runs the analysis after checking that every argument is one of its parameters.
    public func run(_ snapshot: Snapshot, _ arguments: AnalysisArguments) throws(AnalysisError) -> any Report {
        let known = Set(parameters.map(\.name))
        if let unknown = arguments.values.keys.sorted().first(where: { !known.contains($0) }) {
            throw .unknownParameter(analysis: name, parameter: unknown, known: parameters.map(\.name))
        }
        return try body(snapshot, arguments)
    }
}

/// A parameter of an analysis, described for help text, the OpenAPI document and forms.
public struct AnalysisParameter: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Codable {
        /// `YYYY-MM-DD`.
        case day
        /// `YYYY-MM-DD..YYYY-MM-DD`.
        case dayRange
        case integer
        case number
        /// A number of days, hours or minutes: `7d`, `24h`, `90m`.
        case duration
        /// One of `choices`.
        case choice
        /// Comma-separated values.
        case list
        case string
        case boolean
        /// A file the analysis reads. On the command line any path; over HTTP only the name of a
        /// file in the workspace's `files/` folder (the server never opens a path a request names).
        case file
    }

    public var name: String
    public var kind: Kind
    public var help: String
    /// The default as text; nil when the default depends on the data (e.g. the last day with data).
    public var defaultValue: String?
    public var choices: [String]?

    public init(_ name: String, _ kind: Kind, help: String, default defaultValue: String? = nil, choices: [String]? = nil) {
        self.name = name
        self.kind = kind
        self.help = help
        self.defaultValue = defaultValue
        self.choices = choices
    }
}

/// Why an analysis could not run. The messages name the parameter and say what is accepted.
public enum AnalysisError: Error, Sendable, Hashable, CustomStringConvertible {
    case unknownParameter(analysis: String, parameter: String, known: [String])
    case invalidParameter(parameter: String, value: String, reason: String)
    case missingParameter(parameter: String)
    /// The data cannot support the analysis (e.g. an empty workspace, no buyers in a window).
    case insufficientData(String)
    case unknownAnalysis(String)

    public var description: String {
        switch self {
        case .unknownParameter(let analysis, let parameter, let known):
            "\(analysis) has no parameter '\(parameter)'; it takes: \(known.joined(separator: ", "))."
        case .invalidParameter(let parameter, let value, let reason):
            "\(parameter) '\(value.prefix(80))': \(reason)"
        case .missingParameter(let parameter):
            "\(parameter) is required."
        case .insufficientData(let reason):
            reason
        case .unknownAnalysis(let name):
            "no analysis named '\(name)'; there are: \(AnalysisCatalogue.all.map(\.name).joined(separator: ", "))."
        }
    }
}

/// Arguments by parameter name, as text (from CLI options, query strings or forms), with typed
/// accessors that fail with a message naming the parameter.
public struct AnalysisArguments: Sendable, Hashable {
    public var values: [String: String]

    public init(_ values: [String: String] = [:]) { self.values = values }

    /// Sets `name` when `value` is not nil (for CLI options).
    public mutating func set(_ name: String, _ value: String?) {
        if let value { values[name] = value }
    }

    public func string(_ name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }

    public func day(_ name: String) throws(AnalysisError) -> Day? {
        guard let text = string(name) else { return nil }
        do { return try Day.parse(text) } catch {
            throw .invalidParameter(parameter: name, value: text, reason: "expected a day as YYYY-MM-DD (\(error))")
        }
    }

    public func dayRange(_ name: String) throws(AnalysisError) -> DayRange? {
        guard let text = string(name) else { return nil }
        do { return try DayRange.parse(text) } catch {
            throw .invalidParameter(parameter: name, value: text, reason: "expected YYYY-MM-DD..YYYY-MM-DD (\(error))")
        }
    }

    public func integer(_ name: String, default value: Int, in range: ClosedRange<Int>) throws(AnalysisError) -> Int {
        guard let text = string(name) else { return value }
        guard let parsed = Int(text), range.contains(parsed) else {
            throw .invalidParameter(parameter: name, value: text, reason: "expected a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return parsed
    }

    public func number(_ name: String, default value: Double, in range: ClosedRange<Double>) throws(AnalysisError) -> Double {
        guard let text = string(name) else { return value }
        guard let parsed = Double(text), parsed.isFinite, range.contains(parsed) else {
            throw .invalidParameter(parameter: name, value: text, reason: "expected a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return parsed
    }

    public func boolean(_ name: String, default value: Bool = false) throws(AnalysisError) -> Bool {
        guard let text = string(name) else { return value }
        switch text.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw .invalidParameter(parameter: name, value: text, reason: "expected true or false")
        }
    }

    /// A duration in milliseconds from `7d`, `24h` or `90m` (a bare number is days).
    public func duration(_ name: String, default value: Int64) throws(AnalysisError) -> Int64 {
        guard let text = string(name) else { return value }
        let unit = text.last.flatMap { $0.isLetter ? $0 : nil }
        let digits = unit == nil ? Substring(text) : text.dropLast()
        let scale: Int64
        switch unit {
        case nil, "d": scale = 86_400_000
        case "h": scale = 3_600_000
        case "m": scale = 60_000
        default: throw .invalidParameter(parameter: name, value: text, reason: "expected a duration such as 7d, 24h or 90m")
        }
        guard let count = Int64(digits), count > 0, count <= 3_660 * 86_400_000 / scale else {
            throw .invalidParameter(parameter: name, value: text, reason: "expected a positive duration such as 7d, 24h or 90m, at most 10 years")
        }
        return count * scale
    }

    /// One of a fixed set of values (e.g. `day|week`).
    public func choice<T: RawRepresentable & CaseIterable>(_ name: String, default value: T) throws(AnalysisError) -> T
    where T.RawValue == String {
        guard let text = string(name) else { return value }
        guard let parsed = T(rawValue: text) else {
            throw .invalidParameter(parameter: name, value: text, reason: "expected one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return parsed
    }

    /// Comma-separated values, empty when absent.
    public func list(_ name: String) -> [String] {
        guard let text = string(name) else { return [] }
        return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The "as of" day: the argument, or the last day with data.
    public func asOf(_ name: String = "as-of", in snapshot: Snapshot) throws(AnalysisError) -> Day {
        if let day = try day(name) { return day }
        guard let days = snapshot.dataDays else { throw .insufficientData("the workspace has no events yet; run `kehu ingest` first.") }
        return days.last
    }

    /// A period: the `from`/`to` arguments, defaulting to the `days` days ending the last day with data.
    public func period(from: String = "from", to: String = "to", defaultDays: Int, in snapshot: Snapshot) throws(AnalysisError) -> DayRange {
        let last: Day
        if let toDay = try day(to) { last = toDay } else { last = try asOf("__none", in: snapshot) }
        let fromDay = try day(from)
        let first = fromDay ?? last.advanced(by: -(defaultDays - 1))
        guard first <= last else {
            throw .invalidParameter(parameter: from, value: "\(first)", reason: "the period starts after it ends (\(to) \(last))")
        }
        return DayRange(first, last)
    }
}

/// Every analysis, in the order help and the dashboard list them.
public enum AnalysisCatalogue {
    public static let all: [Analysis] = [
        .aipl, .aiplTrend, .aiplFlow, .aiplBenchmark, .fast, .fastTrend,
        .visitors, .nine,
        .funnel, .ordersUnpaid, .retention, .lifecycle,
        .rfm, .profile,
        .channels, .price, .content,
    ]

    public static func named(_ name: String) throws(AnalysisError) -> Analysis {
        guard let analysis = all.first(where: { $0.name == name }) else { throw .unknownAnalysis(name) }
        return analysis
    }
}
