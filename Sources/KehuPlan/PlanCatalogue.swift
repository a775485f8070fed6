import KehuAnalytics
import KehuModel
import KehuStore

extension Analysis {
    /// `plan-gap`: the gap deduction, with costs and capacities inline (`A=2.50,I=4`).
    public static let planGap = Analysis(
        name: "plan-gap", title: "GMV gap deduction (用户缺口推演)",
        summary: "Splits a campaign's GMV target into the consumers it needs per AIPL stage, and the cheapest way to add them.",
        parameters: [
            AnalysisParameter("target", .string, help: "Target GMV in yuan, e.g. 5000000 or 500万."),
            AnalysisParameter("campaign", .dayRange, help: "The campaign window, D1..D2."),
            AnalysisParameter("reference", .dayRange, help: "The reference window (default: the campaign's days a year earlier)."),
            AnalysisParameter("as-of", .day, help: "Day the current assets are counted (default: the day before the campaign, or the last day with data if earlier)."),
            AnalysisParameter("costs", .list, help: "Cost in yuan of adding one consumer per group: none, A, I, P, L, new; e.g. A=2.50,I=4."),
            AnalysisParameter("capacity", .list, help: "The most consumers each group can add, e.g. A=100000,I=20000."),
            AnalysisParameter("benchmark", .file, help: "An industry AIPL composition file (docs/formats.md, AIPL benchmark) to show thin stages."),
            AnalysisParameter("threshold", .number, help: "Percentage points from the industry share that count as thin or strong.", default: "5"),
        ] + AIPLRules.analysisParameters
    ) { snapshot, arguments throws(AnalysisError) in
        do {
            guard let targetText = arguments.string("target") else { throw AnalysisError.missingParameter(parameter: "target") }
            guard let campaign = try arguments.dayRange("campaign") else { throw AnalysisError.missingParameter(parameter: "campaign") }
            var parameters = GapPlanParameters(
                targetFen: try GroupFile.target(targetText), campaign: campaign, reference: try arguments.dayRange("reference"),
                asOf: try arguments.day("as-of") ?? GapPlanParameters.defaultAsOf(snapshot, campaign: campaign),
                costs: try arguments.string("costs").map { try GroupFile.parseInline($0, parameter: "costs", kind: .cost) } ?? [],
                capacities: try arguments.string("capacity").map { try GroupFile.parseInline($0, parameter: "capacity", kind: .capacity) } ?? [],
                rules: try AIPLRules(arguments))
            if let path = arguments.string("benchmark") {
                do { parameters.benchmark = try AIPLBenchmark.load(path: path) } catch {
                    throw AnalysisError.invalidParameter(parameter: "benchmark", value: path, reason: "\(error)")
                }
            }
            parameters.benchmarkThresholdPoints = try arguments.number("threshold", default: 5, in: 0.1...100)
            return try GapPlan.compute(snapshot, parameters)
        } catch let error as AnalysisError {
            throw error
        } catch let error as PlanError {
            throw AnalysisError.insufficientData(error.description)
        } catch {
            throw AnalysisError.insufficientData("\(error)")
        }
    }

    /// `plan-backtest`: the deduction for a past campaign from the data before it, against what happened.
    public static let planBacktest = Analysis(
        name: "plan-backtest", title: "Gap deduction backtest",
        summary: "Runs the gap deduction for a past campaign from the data before it and reports predicted against actual buyers and GMV per stage.",
        parameters: [
            AnalysisParameter("campaign", .dayRange, help: "The past campaign window, D1..D2."),
            AnalysisParameter("reference", .dayRange, help: "The reference window (default: the campaign's days a year earlier)."),
        ] + AIPLRules.analysisParameters
    ) { snapshot, arguments throws(AnalysisError) in
        guard let campaign = try arguments.dayRange("campaign") else { throw .missingParameter(parameter: "campaign") }
        let reference = try arguments.dayRange("reference")
        let rules = try AIPLRules(arguments)
        do {
            return try GapBacktest.compute(snapshot, campaign: campaign, reference: reference, rules: rules)
        } catch {
            throw .insufficientData("\(error)")
        }
    }
}

/// The planning analyses, for the API beside ``AnalysisCatalogue/all``.
public enum PlanCatalogue {
    public static let all: [Analysis] = [.planGap, .planBacktest]
}

extension GapPlanParameters {
    /// The day before the campaign, or the last day with data when that is earlier.
    public static func defaultAsOf(_ snapshot: Snapshot, campaign: DayRange) throws(AnalysisError) -> Day {
        guard let days = snapshot.dataDays else { throw .insufficientData("the workspace has no events yet; run `kehu ingest` first.") }
        return min(days.last, campaign.first.advanced(by: -1))
    }
}
