import ArgumentParser
import Foundation
import KehuActivation
import KehuAnalytics
import KehuIngest
import KehuModel
import KehuStore

struct ReachCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reach",
        abstract: "Reach plans (PCT): the right people, content and time, with a holdout to measure the effect.",
        discussion: """
            define a plan, `plan` it into a schedule (who, what, when, which channel, who is held \
            out), `deliver` it to a file or a webhook, and after the responses are ingested \
            measure its `effect` against the holdout. docs/activation.md explains the steps.
            """,
        subcommands: [
            ReachDefineCommand.self, ReachListCommand.self, ReachPlanCommand.self, ReachDeliverCommand.self,
            ReachEffectCommand.self,
        ])
}

struct ReachDefineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "define", abstract: "Define (or redefine) a reach plan.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The plan's name, e.g. 618-coupon-interested.") var name: String

    @Option(help: ArgumentHelp(
        "A saved audience's name, or an audience expression, e.g. 'stage = I and not count(pay, 30d) >= 1'.",
        valueName: "audience"))
    var audience: String

    @Option(help: ArgumentHelp("The content to send: a content id the channel knows (coupon, article, live room).", valueName: "id"))
    var content: String

    @Option(help: ArgumentHelp("The channel: \(ReachChannel.allNames).", valueName: "channel"))
    var channel: String

    @Option(help: ArgumentHelp("The days sends may go out.", valueName: "D1..D2"))
    var window: String

    @Option(help: ArgumentHelp("The hours sends may go out, inclusive, workspace time zone (9-21: 09:00 to 21:00).", valueName: "H1-H2"))
    var hours = "9-21"

    @Option(help: ArgumentHelp("At most N sends per consumer in any P days, across all plans.", valueName: "N/Pd"))
    var cap = "1/7d"

    @Option(help: ArgumentHelp("Consumers never to reach: tag:NAME, audience:NAME or keys:FILE (repeatable).", valueName: "list"))
    var suppress: [String] = []

    @Option(help: ArgumentHelp("The share of eligible consumers held out to measure the effect: 10% or 0.1 (at most 50%).", valueName: "share"))
    var holdout = "10%"

    @Option(help: "The holdout split's seed (default: a hash of the plan's name).")
    var seed: UInt64?

    @Option(name: .customLong("as-of"), help: ArgumentHelp("The day the audience is evaluated (default: the day before the window, or the last day with data).", valueName: "YYYY-MM-DD"))
    var asOf: String?

    @Option(name: .customLong("key-prefix"), help: ArgumentHelp("Only channel keys starting with this, e.g. tm_ for Tmall buyer ids.", valueName: "text"))
    var keyPrefix: String?

    func makePlan() throws -> ReachPlan {
        guard let channel = ReachChannel(rawValue: channel) else {
            throw ValidationError("--channel must be one of \(ReachChannel.allNames) (got '\(channel)').")
        }
        let days: DayRange
        do { days = try DayRange.parse(window) } catch { throw ValidationError("--window: expected D1..D2 (\(error)).") }
        let share = try ReachDefineCommand.share(holdout)
        let asOfDay: Day?
        do { asOfDay = try asOf.map { try Day.parse($0) } } catch { throw ValidationError("--as-of: \(error).") }
        do {
            let hourRange = try SendWindow.parseHours(hours)
            let plan = ReachPlan(
                name: name, audience: audience, content: content, channel: channel,
                window: SendWindow(days: days, firstHour: hourRange.lowerBound, lastHour: hourRange.upperBound),
                cap: try FrequencyCap.parse(cap), suppressions: try suppress.map { try Suppression.parse($0) },
                holdoutShare: share, seed: seed, asOf: asOfDay, keyPrefix: keyPrefix)
            try plan.validate()
            return plan
        } catch let error as ReachError {
            throw ValidationError(error.description + ".")
        }
    }

    /// `10%` or `0.1`.
    static func share(_ text: String) throws -> Double {
        let value = text.hasSuffix("%") ? Double(text.dropLast()).map { $0 / 100 } : Double(text)
        guard let value, value >= 0, value <= 0.5 else {
            throw ValidationError("--holdout must be a share from 0% to 50%, e.g. 10% or 0.1 (got '\(text)').")
        }
        return value
    }

    func validate() throws { _ = try makePlan() }

    func run() throws {
        let plan = try makePlan()
        for suppression in plan.suppressions where suppression.kind == .keys {
            guard FileManager.default.isReadableFile(atPath: suppression.value) else {
                throw ValidationError("--suppress keys:\(suppression.value): the file cannot be read.")
            }
        }
        let workspace = try global.openWorkspace()
        do {
            try ReachStore.define(plan, in: workspace)
        } catch {
            Terminal.error("kehu reach define: \(error)")
            throw ExitCode(1)
        }
        print(ReachPlanList(plans: [plan], counts: [:]).tables()[0].render())
    }
}

struct ReachListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the reach plans and their sends.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption

    func run() throws {
        let workspace = try global.openWorkspace()
        let plans = try ReachStore.plans(in: workspace)
        guard !plans.isEmpty || output.format != .table else {
            print("No reach plans yet; `kehu reach define NAME --audience ... --content ... --channel ... --window D1..D2`.")
            return
        }
        emit(ReachPlanList(plans: plans, counts: try ReachStore.statusCounts(in: workspace)), format: output.format)
    }
}

struct ReachPlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Schedule a plan: audience minus suppressions and capped consumers, holdout split, send times.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption
    @Argument(help: "The plan's name.") var name: String
    @Flag(name: .customLong("dry-run"), help: "Show the schedule without storing it.") var dryRun = false

    func run() throws {
        let workspace = try global.openWorkspace()
        do {
            let plan = try ReachStore.plan(named: name, in: workspace)
            let progress = ProgressLine("snapshot")
            let snapshot = try workspace.buildSnapshot { progress.update($0) }
            progress.finish()
            guard let data = snapshot.dataDays else { throw ReachError.invalid("the workspace has no events yet") }
            let asOf = plan.audienceDay(lastDataDay: data.last)
            let audience = try ReachAudiences.audience(plan.audience, snapshot: snapshot, asOf: asOf, in: workspace)
            let hasher = KeyHasher(salt: workspace.salt)
            let suppressed = try ReachAudiences.suppressed(plan.suppressions, snapshot: snapshot, asOf: asOf, in: workspace) { type, value in
                try hasher.identityKey(type: type, value: value)
            }
            let schedule = try ReachRun.schedule(
                plan, snapshot: snapshot, asOf: asOf, audience: audience, suppressed: suppressed, in: workspace, dryRun: dryRun)
            emit(ReachPlanReport(schedule, dryRun: dryRun), format: output.format)
        } catch let error as ValidationError {
            throw error
        } catch {
            Terminal.error("kehu reach plan: \(error)")
            throw ExitCode(1)
        }
    }
}

struct ReachDeliverCommand: AsyncParsableCommand, AsynchronousCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliver",
        abstract: "Hand a plan's scheduled sends to a file or a webhook; delivered sends are never sent again.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption
    @Argument(help: "The plan's name.") var name: String

    @Option(help: ArgumentHelp("Write the sends to this file: .jsonl (one JSON object a line) or .csv.", valueName: "file"))
    var file: String?

    @Option(help: ArgumentHelp("POST each send as JSON to this http(s) URL, with an Idempotency-Key header.", valueName: "url"))
    var webhook: String?

    @Option(help: "Webhook: retries after the first attempt, on 5xx, 408, 429, timeouts and connection errors.")
    var retries = 5

    @Option(help: "Webhook: seconds before an attempt times out.")
    var timeout = 10.0

    @Option(help: "Webhook: requests in flight at once.")
    var concurrency = 4

    func validate() throws {
        guard (file == nil) != (webhook == nil) else { throw ValidationError("Give one of --file OUT.jsonl|OUT.csv or --webhook URL.") }
        if let file { do { _ = try FileDelivery.Format(path: file) } catch { throw ValidationError("\(error).") } }
        if let webhook {
            guard let url = URL(string: webhook), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil else {
                throw ValidationError("--webhook must be an http:// or https:// URL with a host.")
            }
        }
        guard (0...20).contains(retries) else { throw ValidationError("--retries must be 0-20 (got \(retries)).") }
        guard timeout > 0, timeout <= 600 else { throw ValidationError("--timeout must be 0-600 seconds (got \(timeout)).") }
        guard (1...64).contains(concurrency) else { throw ValidationError("--concurrency must be 1-64 (got \(concurrency)).") }
    }

    func run() async throws { try await runAsynchronously() }

    func runAsynchronously() async throws {
        let workspace = try global.openWorkspace()
        let summary: ReachRun.DeliverySummary
        let target: String
        do {
            if let file {
                let path = file.hasPrefix("/") ? file : FileManager.default.currentDirectoryPath + "/" + file
                target = "file " + file
                summary = try ReachRun.deliver(name, toFile: path, in: workspace)
            } else {
                let url = URL(string: webhook!)!
                target = "webhook " + (url.host ?? "")
                summary = try await ReachRun.deliver(
                    name, to: WebhookDelivery(url: url, retries: retries, timeout: timeout, concurrency: concurrency), in: workspace)
            }
        } catch {
            Terminal.error("kehu reach deliver: \(error)")
            throw ExitCode(1)
        }
        emit(ReachDeliveryReport(plan: name, target: target, summary: summary), format: output.format)
        if summary.failed > 0 { throw ExitCode(1) }
    }
}

/// What `kehu reach deliver` prints.
struct ReachDeliveryReport: Report {
    var plan: String
    var target: String
    var summary: ReachRun.DeliverySummary

    var title: String { "Delivery of reach plan \(plan)" }
    var parameters: [ReportParameter] { [ReportParameter("to", target)] }

    func tables() -> [TextTable] {
        var table = TextTable(headers: ["sends", "count"])
        table.rows = [
            ["delivered now", Figures.grouped(summary.delivered)],
            ["failed now (tried again next time)", Figures.grouped(summary.failed)],
            ["delivered before (not sent again)", Figures.grouped(summary.deliveredBefore)],
            ["held out (never sent)", Figures.grouped(summary.holdout)],
        ]
        table.footnotes = summary.failures.sorted { $0.key < $1.key }.map { "failed: \($0.value) × \($0.key)" }
        if summary.delivered == 0 && summary.failed == 0 { table.footnotes.append("Nothing was left to deliver.") }
        return [table]
    }
}

struct ReachEffectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "effect",
        abstract: "Conversion and GMV per consumer, treatment against holdout, with 95% intervals and the uplift.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption
    @Argument(help: "The plan's name.") var name: String

    @Option(help: ArgumentHelp("The window after each send time.", valueName: "Nd"))
    var window = "14d"

    @Option(name: .customLong("responders-tag"), help: ArgumentHelp("Store the converted treatment consumers as this tag.", valueName: "tag"))
    var respondersTag: String?

    var windowDays: Int? {
        let digits = window.hasSuffix("d") ? String(window.dropLast()) : window
        return Int(digits).flatMap { (1...366).contains($0) ? $0 : nil }
    }

    func validate() throws {
        guard windowDays != nil else { throw ValidationError("--window must be 1d-366d, e.g. 14d (got '\(window)').") }
    }

    func run() throws {
        let workspace = try global.openWorkspace()
        do {
            let plan = try ReachStore.plan(named: name, in: workspace)
            let progress = ProgressLine("snapshot")
            let snapshot = try workspace.buildSnapshot { progress.update($0) }
            progress.finish()
            let sends = try ReachRun.currentSends(plan.name, snapshot: snapshot, in: workspace)
            let effect = ReachEffect.compute(snapshot, plan: plan.name, sends: sends, windowDays: windowDays!)
            emit(effect, format: output.format)
            if let respondersTag {
                let responders = ConsumerSet(
                    capacity: snapshot.consumerCount, members: effect.responders.compactMap { snapshot.denseIndex(ofConsumer: $0) })
                let summary = try TagStore(workspace: workspace).writeBack(
                    name: respondersTag, consumers: responders, in: snapshot,
                    description: "converted within \(windowDays!)d of reach plan \(plan.name)")
                Terminal.error("tag '\(respondersTag)': \(summary.consumers) responders written back.")
            }
        } catch {
            Terminal.error("kehu reach effect: \(error)")
            throw ExitCode(1)
        }
    }
}
