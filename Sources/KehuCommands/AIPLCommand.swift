import ArgumentParser
import KehuAnalytics

/// `kehu aipl`: consumers per stage as of a day (the default `show`), over time (`--trend`), per
/// category (`--by category`), flows between two days (`flow`) and a benchmark (`benchmark`).
struct AIPLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aipl",
        abstract: "AIPL consumer assets: consumers per stage (认知 / 兴趣 / 购买 / 忠诚) as of a day.",
        discussion: "docs/definitions.md defines each stage; every window is an option.",
        subcommands: [Show.self, Flow.self, Benchmark.self],
        defaultSubcommand: Show.self)

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Consumers per stage as of a day, per category (--by category), or over time (--trend).")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: FormatOption
        @OptionGroup var stages: StageOptions
        @OptionGroup var trend: TrendOptions

        @Option(help: ArgumentHelp("Break the stages down: category (each category's stages from its own events).", valueName: "category"))
        var by: String?

        func validate() throws {
            try trend.validate(asOf: stages.asOf)
            if trend.trend != nil && by != nil {
                throw ValidationError("--by category shows one day; drop --by for a trend, or --trend for categories.")
            }
        }

        func run() throws {
            if trend.trend != nil {
                try runAnalysis(
                    .aiplTrend, stages.rules.arguments.merging(trend.arguments(asOf: stages.asOf)), global: global,
                    format: output.format)
            } else {
                var arguments = stages.arguments
                arguments.set("by", by)
                try runAnalysis(.aipl, arguments, global: global, format: output.format)
            }
        }
    }

    struct Flow: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Flows between two days: the 5x5 matrix of stage at --from against stage at --to.",
            discussion: "Per stage at --from: stayed + converted out (deeper) + churned (shallower or none) = start.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: FormatOption

        @Option(help: ArgumentHelp("The start day (default: 30 days before --to).", valueName: "YYYY-MM-DD"))
        var from: String?

        @Option(help: ArgumentHelp("The end day (default: the last day with data).", valueName: "YYYY-MM-DD"))
        var to: String?

        @OptionGroup var rules: AIPLRuleOptions

        func run() throws {
            var arguments = rules.arguments
            arguments.set("from", from)
            arguments.set("to", to)
            try runAnalysis(.aiplFlow, arguments, global: global, format: output.format)
        }
    }

    struct Benchmark: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare the brand's AIPL composition with an industry composition file.",
            discussion: "FILE is CSV `stage,share` with an optional `category` column (docs/formats.md).")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: FormatOption

        @Argument(help: ArgumentHelp("The industry composition file.", valueName: "file"))
        var file: String

        @Option(help: "Percentage points from the industry share that count as thin or strong (default 5).")
        var threshold: Double?

        @OptionGroup var stages: StageOptions

        func run() throws {
            var arguments = stages.arguments
            arguments.set("file", file)
            arguments.set("threshold", threshold.map { String($0) })
            try runAnalysis(.aiplBenchmark, arguments, global: global, format: output.format)
        }
    }
}
