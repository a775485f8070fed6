import ArgumentParser
import KehuAnalytics

struct RetentionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "Cohort retention: who came back in each week or month after their first purchase or visit.",
        discussion: "Cohorts from the period holding --from (default: 12 periods) through --to, the as-of day.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption

    @Option(help: ArgumentHelp("What starts a cohort (default first-purchase).", valueName: "first-purchase|first-visit"))
    var cohort: String?

    @Option(help: ArgumentHelp("Cohort and return periods (default month).", valueName: "week|month"))
    var period: String?

    @Option(name: .customLong("return"), help: ArgumentHelp("What counts as coming back (default purchase).", valueName: "purchase|visit|any"))
    var returnEvent: String?

    @Flag(help: "Count a return in period k or any later period.")
    var cumulative = false

    @OptionGroup var days: FromToOptions

    func run() throws {
        var arguments = AnalysisArguments()
        arguments.set("cohort", cohort)
        arguments.set("period", period)
        arguments.set("return", returnEvent)
        if cumulative { arguments.set("cumulative", "true") }
        days.add(to: &arguments)
        try runAnalysis(.retention, arguments, global: global, format: output.format)
    }
}

struct LifecycleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lifecycle",
        abstract: "Buyer lifecycle per week or month: new, returning, resurrecting and dormant buyers.",
        discussion: "Intervals from the one holding --from (default: 12 intervals) through --to, the as-of day.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption

    @Option(help: ArgumentHelp("Intervals (default month).", valueName: "week|month"))
    var period: String?

    @OptionGroup var days: FromToOptions

    func run() throws {
        var arguments = AnalysisArguments()
        arguments.set("period", period)
        days.add(to: &arguments)
        try runAnalysis(.lifecycle, arguments, global: global, format: output.format)
    }
}
