import ArgumentParser
import KehuAnalytics

/// `--from D1 --to D2`, shared by the period-based commands.
struct FromToOptions: ParsableArguments {
    @Option(help: ArgumentHelp("First day of the period.", valueName: "YYYY-MM-DD"))
    var from: String?

    @Option(help: ArgumentHelp("Last day of the period (default: the last day with data).", valueName: "YYYY-MM-DD"))
    var to: String?

    func add(to arguments: inout AnalysisArguments) {
        arguments.set("from", from)
        arguments.set("to", to)
    }
}

struct FunnelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "funnel",
        abstract: "Conversion funnel: consumers per step within a window, drop-off, time to convert.",
        discussion: """
            Steps are event kinds in order, each with optional conditions in brackets: \
            view[channel=tmall|jd],cart,order,pay. A chain starts at a step-1 event from --from to --to; \
            later steps count when at most --window after it (ClickHouse windowFunnel semantics). \
            docs/definitions.md has the exact rules (equal times, restarts, strict mode).
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption

    @Option(help: ArgumentHelp("Event kinds in order, with optional [field=value,...] conditions.", valueName: "STEPS"))
    var steps: String

    @Option(help: "Conversion window after the step-1 event: 7d, 24h, 90m (default 7d).")
    var window: String?

    @Option(help: ArgumentHelp("Break down by the step-1 event's channel or touchpoint.", valueName: "channel|touchpoint"))
    var by: String?

    @Flag(help: "Strict order: any other funnel event between two steps ends the chain.")
    var strict = false

    @Option(help: ArgumentHelp("Conditions every step must meet, e.g. channel=tmall (repeatable).", valueName: "FIELD=VALUE"))
    var filter: [String] = []

    @OptionGroup var period: FromToOptions

    func run() throws {
        var arguments = AnalysisArguments()
        arguments.set("steps", steps)
        arguments.set("window", window)
        arguments.set("by", by)
        if strict { arguments.set("strict", "true") }
        if !filter.isEmpty { arguments.set("filter", filter.joined(separator: ",")) }
        period.add(to: &arguments)
        try runAnalysis(.funnel, arguments, global: global, format: output.format)
    }
}

struct OrdersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orders",
        abstract: "Orders not paid within a time limit (kehu orders unpaid).",
        subcommands: [UnpaidOrdersCommand.self])
}

struct UnpaidOrdersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unpaid",
        abstract: "Orders with no payment within --within (default 24h): count, amount, by channel, the largest.",
        discussion: "Orders placed from --from to --to (default: the 30 days ending the last day with data).")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption
    @OptionGroup var period: FromToOptions

    @Option(help: "An order is paid when its payment follows within this long: 24h, 3d, 90m (default 24h).")
    var within: String?

    @Option(help: "How many of the largest unpaid orders to list (default 20).")
    var top: Int?

    func run() throws {
        var arguments = AnalysisArguments()
        period.add(to: &arguments)
        arguments.set("within", within)
        arguments.set("top", top.map(String.init))
        try runAnalysis(.ordersUnpaid, arguments, global: global, format: output.format)
    }
}
