import ArgumentParser
import KehuAnalytics

/// `kehu fast`: the FAST consumer-health figures as of a day, or over time with `--trend`.
struct FASTCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fast",
        abstract: "FAST consumer health: operable consumers, advancing rate, members and active members.",
        discussion: "docs/definitions.md defines F, A, S and T; with --trend, their values at each day or week.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption
    @OptionGroup var stages: StageOptions
    @OptionGroup var trend: TrendOptions

    @Option(name: .customLong("period-days"), help: "A: compare each consumer's stage with their stage this many days earlier (default 30).")
    var periodDays: Int?

    @Option(name: .customLong("active-days"), help: "T: a member is active with an activity event within this many days (default 180).")
    var activeDays: Int?

    func validate() throws {
        try trend.validate(asOf: stages.asOf)
    }

    func run() throws {
        var arguments = stages.rules.arguments
        arguments.set("period-days", periodDays.map(String.init))
        arguments.set("active-days", activeDays.map(String.init))
        if trend.trend != nil {
            try runAnalysis(.fastTrend, arguments.merging(trend.arguments(asOf: stages.asOf)), global: global, format: output.format)
        } else {
            arguments.set("as-of", stages.asOf)
            try runAnalysis(.fast, arguments, global: global, format: output.format)
        }
    }
}
