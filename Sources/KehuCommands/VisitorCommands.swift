import ArgumentParser
import KehuAnalytics

struct VisitorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "visitors",
        abstract: "Customer-operations view: visitors as 新访 / 回访 / 老客, growth paths, revisits of non-buyers.",
        discussion: """
            Each visitor of the period is classified at their first visit in it, looking back \
            --lookback-days before that visit. docs/definitions.md defines every figure.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption

    @Option(help: ArgumentHelp("The first day of the period (default: 30 days ending --to).", valueName: "YYYY-MM-DD"))
    var from: String?

    @Option(help: ArgumentHelp("The last day of the period (default: the last day with data).", valueName: "YYYY-MM-DD"))
    var to: String?

    @Option(name: .customLong("lookback-days"), help: "Classify each visitor by this many days before their first visit (default 365).")
    var lookbackDays: Int?

    func run() throws {
        var arguments = AnalysisArguments()
        arguments.set("from", from)
        arguments.set("to", to)
        arguments.set("lookback-days", lookbackDays.map(String.init))
        try runAnalysis(.visitors, arguments, global: global, format: output.format)
    }
}

struct NineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nine",
        abstract: "The nine metrics: new, old and dormant customers × traffic, conversion, AOV, reconciled with GMV.",
        discussion: """
            Consumers are grouped at the start of --from: 新客 never paid, 老客 paid and active \
            within --dormant-days, 休眠 paid and inactive. docs/definitions.md defines every figure.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption

    @Option(help: ArgumentHelp("The first day of the period (default: 30 days ending --to).", valueName: "YYYY-MM-DD"))
    var from: String?

    @Option(help: ArgumentHelp("The last day of the period (default: the last day with data).", valueName: "YYYY-MM-DD"))
    var to: String?

    @Option(name: .customLong("dormant-days"), help: "A past buyer with no event in this many days before the start is dormant (default 90).")
    var dormantDays: Int?

    func run() throws {
        var arguments = AnalysisArguments()
        arguments.set("from", from)
        arguments.set("to", to)
        arguments.set("dormant-days", dormantDays.map(String.init))
        try runAnalysis(.nine, arguments, global: global, format: output.format)
    }
}
