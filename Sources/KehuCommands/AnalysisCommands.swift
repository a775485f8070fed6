import ArgumentParser
import Foundation
import KehuAnalytics
import KehuStore

/// Runs a catalogued analysis for a command: builds the snapshot (progress on stderr), runs the
/// analysis with the arguments gathered from the command's options, and prints the result.
/// Bad arguments and data that cannot support the analysis end with a message and exit 1.
@discardableResult
func runAnalysis(_ analysis: Analysis, _ arguments: AnalysisArguments, global: GlobalOptions, format: OutputFormat) throws -> any Report {
    let workspace = try global.openWorkspace()
    let progress = ProgressLine("snapshot")
    let snapshot = try workspace.buildSnapshot { progress.update($0) }
    progress.finish()
    let report: any Report
    let started = ContinuousClock.now
    do {
        report = try analysis.run(snapshot, arguments)
        // The analysis alone (with any per-snapshot index it builds first), for performance work.
        if ProcessInfo.processInfo.environment["KEHU_TRACE"] != nil {
            Terminal.error("trace: \(analysis.name) \(ContinuousClock.now - started)")
        }
    } catch {
        Terminal.error("kehu \(analysis.name): \(error)")
        throw ExitCode(1)
    }
    print(report.rendered(as: format), terminator: "")
    return report
}

/// `--as-of D` and the AIPL rule options, shared by stage-based commands.
struct StageOptions: ParsableArguments {
    @Option(name: .customLong("as-of"), help: ArgumentHelp("The day (default: the last day with data).", valueName: "YYYY-MM-DD"))
    var asOf: String?

    @OptionGroup var rules: AIPLRuleOptions

    /// The options as analysis arguments.
    var arguments: AnalysisArguments {
        var arguments = rules.arguments
        arguments.set("as-of", asOf)
        return arguments
    }
}

/// The AIPL rule options (`--a-days`, `--i-days`, `--p-days`, `--l-orders`).
struct AIPLRuleOptions: ParsableArguments {
    @Option(name: .customLong("a-days"), help: "A 认知: an A-signal event within this many days (default 15).")
    var awarenessDays: Int?

    @Option(name: .customLong("i-days"), help: "I 兴趣: an I-signal event within this many days (default 15).")
    var interestDays: Int?

    @Option(name: .customLong("p-days"), help: "P 购买: a paid order within this many days (default 365).")
    var purchaseDays: Int?

    @Option(name: .customLong("l-orders"), help: "L 忠诚: this many paid orders within the P window (default 2).")
    var loyalOrders: Int?

    /// The options as analysis arguments.
    var arguments: AnalysisArguments {
        var arguments = AnalysisArguments()
        arguments.set("a-days", awarenessDays.map(String.init))
        arguments.set("i-days", interestDays.map(String.init))
        arguments.set("p-days", purchaseDays.map(String.init))
        arguments.set("l-orders", loyalOrders.map(String.init))
        return arguments
    }
}

/// `--trend day|week` with `--from` / `--to`, shared by commands that show a figure over time.
struct TrendOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Show the figures at the end of each day or ISO week of a period.", valueName: "day|week"))
    var trend: TrendInterval?

    @Option(help: ArgumentHelp("With --trend: the first day (default: 30 days or 12 ISO weeks before --to).", valueName: "YYYY-MM-DD"))
    var from: String?

    @Option(help: ArgumentHelp("With --trend: the last day (default: --as-of, or the last day with data).", valueName: "YYYY-MM-DD"))
    var to: String?

    /// Checks the combination with `--as-of`.
    func validate(asOf: String?) throws {
        if trend == nil && (from != nil || to != nil) {
            throw ValidationError("--from and --to set the period of a trend; add --trend day or --trend week, or use --as-of for one day.")
        }
        if trend != nil && asOf != nil && to != nil {
            throw ValidationError("With --trend, give the last day as --to or --as-of, not both.")
        }
    }

    /// `trend`, `from` and `to` as analysis arguments (`to` falls back to `asOf`).
    func arguments(asOf: String?) -> AnalysisArguments {
        var arguments = AnalysisArguments()
        arguments.set("trend", trend?.rawValue)
        arguments.set("from", from)
        arguments.set("to", to ?? asOf)
        return arguments
    }
}

extension TrendInterval: ExpressibleByArgument {}

extension AnalysisArguments {
    /// These arguments with `other`'s added.
    func merging(_ other: AnalysisArguments) -> AnalysisArguments {
        AnalysisArguments(values.merging(other.values) { _, new in new })
    }
}
