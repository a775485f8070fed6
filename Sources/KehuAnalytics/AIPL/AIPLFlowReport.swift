import KehuModel
import KehuStore

/// AIPL flows between two days (DESIGN 4.1, 人群流转): every consumer's stage at the end of `from`
/// against their stage at the end of `to`, as a 5x5 matrix (none, A, I, P, L), and per start stage
/// how many stayed, converted out (moved deeper) and churned (moved shallower, including to none).
public struct AIPLFlowReport: Report {
    public var workspace: String
    public var from: Day
    public var to: Day
    public var rules: AIPLRules
    /// `matrix[s][t]`: consumers in stage `s` at `from` and `t` at `to`, by ``AIPLStage/rawValue``
    /// (0 none, 1 A, 2 I, 3 P, 4 L). Consumers with no event by a day are `none` at it.
    public var matrix: [[Int]]
    /// Per start stage, none to L.
    public var stages: [StageFlow]

    public struct StageFlow: Sendable, Codable, Hashable {
        public var stage: String
        public var chineseName: String
        /// Consumers in the stage at `from`; always stayed + convertedOut + churned.
        public var start: Int
        public var stayed: Int
        /// Moved to a deeper stage.
        public var convertedOut: Int
        /// Moved to a shallower stage, or to none.
        public var churned: Int
        /// Consumers in the stage at `to`.
        public var end: Int
    }

    public var title: String { "AIPL flows (人群流转) · \(workspace)" }

    public var parameters: [ReportParameter] {
        [ReportParameter("from", "\(from)"), ReportParameter("to", "\(to)")] + rules.reportParameters
    }

    public func tables() -> [TextTable] {
        let labels = AIPLStage.allCases.map { $0 == .none ? "none 无" : "\($0.letter) \($0.chineseName)" }
        var matrixTable = TextTable(
            title: "stage at \(from) (rows) → stage at \(to) (columns)", headers: ["from \\ to"] + labels + ["total"])
        for (s, row) in matrix.enumerated() {
            matrixTable.rows.append([labels[s]] + (row + [row.reduce(0, +)]).map(Figures.grouped))
        }
        let ends = (0..<5).map { t in matrix.reduce(0) { $0 + $1[t] } }
        matrixTable.rows.append(["total"] + (ends + [ends.reduce(0, +)]).map(Figures.grouped))
        matrixTable.footnotes = ["none includes consumers with no event yet by the day"]

        var flows = TextTable(
            title: "per stage at \(from)",
            headers: ["stage", "start", "stayed", "converted out", "churned", "conversion", "churn", "end"])
        for (s, row) in stages.enumerated() {
            flows.rows.append(
                [labels[s]] + [row.start, row.stayed, row.convertedOut, row.churned].map(Figures.grouped)
                    + [Figures.percent(row.convertedOut, row.start), Figures.percent(row.churned, row.start),
                       Figures.grouped(row.end)])
        }
        flows.footnotes = ["converted out = moved to a deeper stage; churned = moved to a shallower stage or none"]
        return [matrixTable, flows]
    }

    /// The matrix from one pass per consumer over both days.
    /// - Complexity: O(events in the windows), on all cores.
    public static func compute(_ snapshot: Snapshot, from: Day, to: Day, rules: AIPLRules = .standard) -> AIPLFlowReport {
        let parts = AIPLStages.trace(snapshot, at: [from, to], rules: rules, initial: { [Int](repeating: 0, count: 25) }) {
            cells, _, stages in
            cells[Int(stages[0].rawValue) &* 5 &+ Int(stages[1].rawValue)] &+= 1
        }
        var cells = [Int](repeating: 0, count: 25)
        for part in parts {
            for i in 0..<25 { cells[i] += part[i] }
        }
        let matrix = (0..<5).map { Array(cells[$0 * 5..<$0 * 5 + 5]) }
        return AIPLFlowReport(workspace: snapshot.workspace, from: from, to: to, rules: rules, matrix: matrix, stages: flows(matrix))
    }

    /// Stayed, converted out and churned per start stage of a matrix.
    static func flows(_ matrix: [[Int]]) -> [StageFlow] {
        AIPLStage.allCases.map { stage in
            let s = Int(stage.rawValue)
            let row = matrix[s]
            return StageFlow(
                stage: stage.letter, chineseName: stage.chineseName, start: row.reduce(0, +), stayed: row[s],
                convertedOut: row[(s + 1)...].reduce(0, +), churned: row[..<s].reduce(0, +),
                end: matrix.reduce(0) { $0 + $1[s] })
        }
    }
}

extension AnalysisArguments {
    /// The `from` and `to` days of a flow: `to` defaults to the last day with data, `from` to
    /// `defaultDays` days before it; `from` may equal `to` but not come after it.
    func flowDays(defaultDays: Int, in snapshot: Snapshot) throws(AnalysisError) -> (from: Day, to: Day) {
        var to: Day
        if let day = try day("to") { to = day } else { to = try asOf("__none", in: snapshot) }
        let from = try day("from") ?? to.advanced(by: -defaultDays)
        guard from <= to else {
            throw .invalidParameter(parameter: "from", value: "\(from)", reason: "must be on or before `to` (\(to))")
        }
        return (from, to)
    }
}

extension Analysis {
    public static let aiplFlow = Analysis(
        name: "aipl-flow", title: "AIPL flows between two days",
        summary: "The 5x5 matrix of AIPL stage at one day against another, with stayed, converted out and churned per stage.",
        parameters: [
            AnalysisParameter("from", .day, help: "The start day (default: 30 days before `to`)."),
            AnalysisParameter("to", .day, help: "The end day (default: the last day with data)."),
        ] + AIPLRules.analysisParameters
    ) { snapshot, arguments throws(AnalysisError) in
        let days = try arguments.flowDays(defaultDays: 30, in: snapshot)
        return AIPLFlowReport.compute(snapshot, from: days.from, to: days.to, rules: try AIPLRules(arguments))
    }
}
