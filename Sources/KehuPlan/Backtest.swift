import KehuAnalytics
import KehuModel
import KehuStore

/// A gap plan for a past campaign made from the data before it, against what happened.
public struct GapBacktest: Report {
    public var plan: GapPlan
    public var actual: WindowOutcome
    public var lines: [Line]

    public struct Line: Sendable, Hashable, Codable {
        public var group: PlanGroup
        /// Consumers in the group the day before the campaign (for `new`: the reference's count
        /// predicted, the campaign's first-time consumers actual).
        public var predictedConsumers: Int
        public var actualConsumers: Int
        public var predictedBuyers: Int
        public var actualBuyers: Int
        public var predictedGMVFen: Int64
        public var actualGMVFen: Int64
    }

    public var title: String { "Gap deduction backtest (回测) · \(plan.workspace)" }

    public var parameters: [ReportParameter] {
        [
            ReportParameter("campaign", "\(plan.parametersUsed.campaign)"),
            ReportParameter("reference", "\(plan.parametersUsed.reference)"),
            ReportParameter("assets as of", "\(plan.parametersUsed.asOf)"),
        ] + plan.parametersUsed.rules.reportParameters
    }

    /// (predicted - actual) / actual as a signed percentage with one decimal; "-" when actual is 0.
    public static func relativeError(_ predicted: Int64, _ actual: Int64) -> String {
        guard actual != 0 else { return predicted == 0 ? "0.0%" : "-" }
        let tenths = Fraction.rounded((predicted - actual).magnitude.int64, times: 1_000, over: actual.magnitude.int64)
        return (predicted < actual ? "-" : "+") + "\(tenths / 10).\(tenths % 10)%"
    }

    public func tables() -> [TextTable] {
        var table = TextTable(
            title: "Predicted from the data before \(plan.parametersUsed.campaign.first) against actual",
            headers: [
                "group", "阶段", "consumers", "pred. buyers", "actual buyers", "error", "pred. GMV", "actual GMV", "error",
            ])
        for line in lines {
            table.rows.append([
                line.group.name, line.group.chineseName, Figures.grouped(line.actualConsumers),
                Figures.grouped(line.predictedBuyers), Figures.grouped(line.actualBuyers),
                Self.relativeError(Int64(line.predictedBuyers), Int64(line.actualBuyers)), Money.format(fen: line.predictedGMVFen),
                Money.format(fen: line.actualGMVFen), Self.relativeError(line.predictedGMVFen, line.actualGMVFen),
            ])
        }
        let pb = lines.reduce(0) { $0 + $1.predictedBuyers }, ab = lines.reduce(0) { $0 + $1.actualBuyers }
        let pg = lines.reduce(Int64(0)) { $0 + $1.predictedGMVFen }, ag = lines.reduce(Int64(0)) { $0 + $1.actualGMVFen }
        table.rows.append([
            "total", "", "", Figures.grouped(pb), Figures.grouped(ab), Self.relativeError(Int64(pb), Int64(ab)), Money.format(fen: pg),
            Money.format(fen: ag), Self.relativeError(pg, ag),
        ])
        table.footnotes = [
            "For `new` the prediction assumes as many first-time consumers as in the reference (\(Figures.grouped(lines.last?.predictedConsumers ?? 0))); \(Figures.grouped(lines.last?.actualConsumers ?? 0)) came.",
            "The error is (predicted - actual) / actual.",
        ]
        return [table]
    }

    /// Plans `campaign` as of the day before it, from `reference` (default: a year earlier),
    /// and measures the campaign.
    public static func compute(
        _ snapshot: Snapshot, campaign: DayRange, reference: DayRange? = nil, rules: AIPLRules = .standard
    ) throws(PlanError) -> GapBacktest {
        guard let days = snapshot.dataDays, days.last >= campaign.last else {
            throw .invalid("a backtest needs data through the end of the campaign \(campaign) (the data ends \(snapshot.dataDays.map { "\($0.last)" } ?? "nowhere: the workspace is empty")).")
        }
        let asOf = campaign.first.advanced(by: -1)
        // The target does not matter to a backtest; the actual GMV keeps the chain meaningful.
        let actual = WindowOutcome.measure(snapshot, window: campaign, rules: rules)
        let parameters = GapPlanParameters(
            targetFen: max(1, actual.gmvFen), campaign: campaign, reference: reference, asOf: asOf, rules: rules)
        let plan = try GapPlan.compute(snapshot, parameters)
        let lines = PlanGroup.allCases.map { group in
            let predicted = plan.groups[group.rawValue]
            let real = actual.row(group)
            return Line(
                group: group, predictedConsumers: predicted.currentConsumers, actualConsumers: real.consumers,
                predictedBuyers: predicted.expectedBuyers, actualBuyers: real.buyers, predictedGMVFen: predicted.expectedGMVFen,
                actualGMVFen: real.gmvFen)
        }
        return GapBacktest(plan: plan, actual: actual, lines: lines)
    }
}

extension UInt64 {
    fileprivate var int64: Int64 { Int64(clamping: self) }
}
