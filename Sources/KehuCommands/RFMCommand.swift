import ArgumentParser
import Foundation
import KehuAnalytics

struct RFMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rfm",
        abstract: "RFM: recency, frequency and monetary scores, the R rfm package segments and the eight classes (重要价值 ...).",
        discussion: """
            Scores every consumer with a paid order in the --days window ending --as-of (5 = best; ties \
            share a score) and groups them. docs/definitions.md defines R, F, M, the scores and both \
            segmentations.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption

    @Option(name: .customLong("as-of"), help: ArgumentHelp("The day (default: the last day with data).", valueName: "YYYY-MM-DD"))
    var asOf: String?

    @Option(help: "Window length in days, ending the as-of day (default 365).")
    var days: Int?

    @Option(help: "Write every RFM consumer's row (consumer id, R, F, M yuan, scores, segment, eight-class) to this CSV file.")
    var export: String?

    func run() throws {
        var arguments = AnalysisArguments()
        arguments.set("as-of", asOf)
        arguments.set("days", days.map(String.init))
        let workspace = try global.openWorkspace()
        let progress = ProgressLine("snapshot")
        let snapshot = try workspace.buildSnapshot { progress.update($0) }
        progress.finish()
        let report: any Report
        do {
            report = try Analysis.rfm.run(snapshot, arguments)
        } catch {
            Terminal.error("kehu rfm: \(error)")
            throw ExitCode(1)
        }
        print(report.rendered(as: output.format), terminator: "")
        if let export, let rfm = report as? RFMReport {
            try rfm.exportTable(consumerIDs: snapshot.consumerIDs).csv().write(toFile: export, atomically: true, encoding: .utf8)
            Terminal.error("wrote \(rfm.customers) consumers to \(export)")
        }
    }
}
