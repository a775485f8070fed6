import ArgumentParser
import Foundation
import KehuAnalytics
import KehuStore

/// Runs a catalogued analysis for a command: builds the snapshot (progress on stderr), runs the
/// analysis with the arguments gathered from the command's options, and prints the result.
/// Bad arguments and data that cannot support the analysis end with a message and exit 1.
func runAnalysis(_ analysis: Analysis, _ arguments: AnalysisArguments, global: GlobalOptions, format: OutputFormat) throws {
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
}

/// `--as-of D` and the AIPL rule options, shared by stage-based commands.
struct StageOptions: ParsableArguments {
    @Option(name: .customLong("as-of"), help: ArgumentHelp("The day (default: the last day with data).", valueName: "YYYY-MM-DD"))
    var asOf: String?

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
        arguments.set("as-of", asOf)
        arguments.set("a-days", awarenessDays.map(String.init))
        arguments.set("i-days", interestDays.map(String.init))
        arguments.set("p-days", purchaseDays.map(String.init))
        arguments.set("l-orders", loyalOrders.map(String.init))
        return arguments
    }
}

struct AIPLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aipl",
        abstract: "AIPL consumer assets: consumers per stage (认知 / 兴趣 / 购买 / 忠诚) as of a day.",
        discussion: "docs/definitions.md defines each stage; every window is an option.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption
    @OptionGroup var stages: StageOptions

    func run() throws {
        try runAnalysis(.aipl, stages.arguments, global: global, format: output.format)
    }
}
