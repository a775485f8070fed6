import ArgumentParser
import KehuAnalytics

/// `--from D1 --to D2`: the period of the diagnostics (default: 30 days ending the last day with data).
struct DiagnosticPeriodOptions: ParsableArguments {
    @Option(name: .customLong("from"), help: ArgumentHelp("First day of the period (default: 30 days ending --to).", valueName: "YYYY-MM-DD"))
    var from: String?

    @Option(name: .customLong("to"), help: ArgumentHelp("Last day of the period (default: the last day with data).", valueName: "YYYY-MM-DD"))
    var to: String?

    var arguments: AnalysisArguments {
        var arguments = AnalysisArguments()
        arguments.set("from", from)
        arguments.set("to", to)
        return arguments
    }
}

struct ChannelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "channels",
        abstract: "Channel quality (渠道质量): reach, A→I and I→P conversion, buyers, GMV, new-to-brand buyers, cost and ROI.",
        discussion: "docs/definitions.md defines each figure; docs/formats.md the cost file.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption
    @OptionGroup var period: DiagnosticPeriodOptions

    @Option(name: .customLong("by"), help: "Rows: channel, touchpoint or both.")
    var by: String?

    @Option(name: .customLong("costs"), help: ArgumentHelp("Cost file: CSV channel,touchpoint,cost in yuan.", valueName: "file"))
    var costs: String?

    func run() throws {
        var arguments = period.arguments
        arguments.set("by", by)
        arguments.set("costs", costs)
        try runAnalysis(.channels, arguments, global: global, format: output.format)
    }
}

struct PriceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "price",
        abstract: "Price sensitivity (价格敏感): buyers by share of discounted purchases, and 以价换量 per SKU.",
        discussion: "docs/definitions.md defines discounted purchases, the bands, discounted days and the elasticity.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption
    @OptionGroup var period: DiagnosticPeriodOptions

    @Option(name: .customLong("depth"), help: "Discount depth below list price, as a fraction (default 0.2).")
    var depth: String?

    @Option(name: .customLong("coupon-days"), help: "A coupon claimed this many days before a payment makes it discounted; 0 ignores coupons (default 7).")
    var couponDays: Int?

    @Option(name: .customLong("top"), help: "SKUs shown, by units (default 20).")
    var top: Int?

    func run() throws {
        var arguments = period.arguments
        arguments.set("depth", depth)
        arguments.set("coupon-days", couponDays.map(String.init))
        arguments.set("top", top.map(String.init))
        try runAnalysis(.price, arguments, global: global, format: output.format)
    }
}

struct ContentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "content",
        abstract: "Content seeding (内容种草): purchase rate after a content view against non-viewers in the same AIPL stage.",
        discussion: "docs/definitions.md defines viewers, the matched non-viewers and the lift.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption
    @OptionGroup var period: DiagnosticPeriodOptions

    @Option(name: .customLong("within"), help: "A purchase counts within this many days after the reference (default 15).")
    var within: Int?

    @Option(name: .customLong("top"), help: "Content items shown, by viewers (default 10).")
    var top: Int?

    @Option(name: .customLong("a-days"), help: "A 认知: an A-signal event within this many days (default 15).")
    var awarenessDays: Int?

    @Option(name: .customLong("i-days"), help: "I 兴趣: an I-signal event within this many days (default 15).")
    var interestDays: Int?

    @Option(name: .customLong("p-days"), help: "P 购买: a paid order within this many days (default 365).")
    var purchaseDays: Int?

    @Option(name: .customLong("l-orders"), help: "L 忠诚: this many paid orders within the P window (default 2).")
    var loyalOrders: Int?

    func run() throws {
        var arguments = period.arguments
        arguments.set("within", within.map(String.init))
        arguments.set("top", top.map(String.init))
        arguments.set("a-days", awarenessDays.map(String.init))
        arguments.set("i-days", interestDays.map(String.init))
        arguments.set("p-days", purchaseDays.map(String.init))
        arguments.set("l-orders", loyalOrders.map(String.init))
        try runAnalysis(.content, arguments, global: global, format: output.format)
    }
}
