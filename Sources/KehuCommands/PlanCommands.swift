import ArgumentParser
import Foundation
import KehuAnalytics
import KehuModel
import KehuPlan
import KehuStore

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Campaign planning: the GMV gap deduction (用户缺口推演).",
        subcommands: [PlanGapCommand.self])
}

struct PlanGapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gap",
        abstract: "Split a campaign's GMV target into the consumers it needs per AIPL stage.",
        discussion: """
            Measures how consumers of each starting stage (none, A, I, P, L, new) bought in a \
            reference window, applies that to the current assets, and turns the gap to the target \
            into extra consumers per stage and, with --costs, the cheapest allocation. With \
            --backtest, plans a past campaign from the data before it and compares with what \
            happened. docs/planning.md explains the chain and its assumptions.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption

    @Option(help: ArgumentHelp("Target GMV in yuan, e.g. 5000000 or 500万.", valueName: "yuan"))
    var target: String?

    @Option(help: ArgumentHelp("The campaign window.", valueName: "D1..D2"))
    var campaign: String

    @Option(help: ArgumentHelp("The reference window (default: the campaign's days a year earlier).", valueName: "D1..D2"))
    var reference: String?

    @Option(name: .customLong("as-of"), help: ArgumentHelp("Day the current assets are counted (default: the day before the campaign, or the last day with data).", valueName: "YYYY-MM-DD"))
    var asOf: String?

    @Option(help: ArgumentHelp("CSV of stage,cost: yuan to add one consumer per stage (docs/formats.md).", valueName: "file"))
    var costs: String?

    @Option(help: ArgumentHelp("CSV of stage,capacity: the most consumers each stage can add.", valueName: "file"))
    var capacity: String?

    @Option(help: ArgumentHelp("Save the plan under this name, for `kehu campaign report`.", valueName: "name"))
    var save: String?

    @Flag(help: "Plan the --campaign (a past one) from the data before it, and compare with what happened.")
    var backtest = false

    func validate() throws {
        if backtest {
            guard target == nil, costs == nil, capacity == nil, save == nil, asOf == nil else {
                throw ValidationError("--backtest takes only --campaign and --reference: it predicts from the data before the campaign.")
            }
        } else if target == nil {
            throw ValidationError("--target is required (the campaign's GMV target in yuan), or use --backtest for a past campaign.")
        }
    }

    func run() throws {
        var arguments = AnalysisArguments()
        arguments.set("campaign", campaign)
        arguments.set("reference", reference)
        if backtest {
            try runAnalysis(.planBacktest, arguments, global: global, format: output.format)
            return
        }
        arguments.set("target", target)
        arguments.set("as-of", asOf)
        do {
            // Files become the inline form the catalogue takes (same parser, same checks).
            if let costs { arguments.set("costs", try GroupFile.read(path: costs, kind: .cost).map { "\($0.group.name)=\(Money.plainYuan(fen: $0.amount))" }.joined(separator: ",")) }
            if let capacity { arguments.set("capacity", try GroupFile.read(path: capacity, kind: .capacity).map { "\($0.group.name)=\($0.amount)" }.joined(separator: ",")) }
        } catch {
            Terminal.error("kehu plan gap: \(error)")
            throw ExitCode(1)
        }
        let workspace = try global.openWorkspace()
        let report = try runAnalysis(.planGap, arguments, global: global, format: output.format)
        if let save, let plan = report as? GapPlan {
            try PlanStore.save(plan, name: save, in: workspace)
            Terminal.error("saved the plan as '\(save)'; `kehu campaign report` compares it with the harvest.")
        }
    }
}

struct CampaignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "campaign",
        abstract: "Campaign rhythm: 种草 seeding, 长草 growing, 拔草 harvest, 养草 nurturing.",
        subcommands: [CampaignDefineCommand.self, CampaignListCommand.self, CampaignReportCommand.self])
}

struct CampaignDefineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "define", abstract: "Define (or redefine) a campaign by its harvest days and rhythm.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The campaign's name, e.g. 双11-2026.") var name: String
    @Option(help: ArgumentHelp("The harvest (campaign) days.", valueName: "D1..D2")) var harvest: String
    @Option(help: "种草 seeding starts this many days before the harvest.") var seedingDays = 30
    @Option(help: "长草 growing starts this many days before the harvest.") var growingDays = 15
    @Option(help: "养草 nurturing lasts this many days after the harvest.") var nurtureDays = 15
    @Option(help: ArgumentHelp("A saved gap plan to compare with (default: the latest for the harvest days).", valueName: "name"))
    var plan: String?

    func run() throws {
        let days: DayRange
        do { days = try DayRange.parse(harvest) } catch { throw ValidationError("--harvest: expected D1..D2 (\(error))") }
        let campaign = CampaignDefinition(
            name: name, harvest: days, seedingDays: seedingDays, growingDays: growingDays, nurtureDays: nurtureDays, planName: plan)
        do { try campaign.validate() } catch { throw ValidationError(error.description) }
        let workspace = try global.openWorkspace()
        try PlanStore.define(campaign, in: workspace)
        var table = TextTable(title: "Campaign \(name)", headers: ["phase", "阶段", "days"])
        for phase in CampaignDefinition.Phase.allCases {
            table.rows.append([phase.name, phase.chineseName, "\(campaign.days(of: phase))"])
        }
        print(table.render())
    }
}

struct CampaignListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the defined campaigns.")
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let campaigns = try PlanStore.campaigns(in: try global.openWorkspace())
        var table = TextTable(headers: ["campaign", "seeding", "growing", "harvest", "nurturing", "plan"], alignments: [.left, .left, .left, .left, .left, .left])
        for c in campaigns {
            table.rows.append([c.name] + CampaignDefinition.Phase.allCases.map { "\(c.days(of: $0))" } + [c.planName ?? "(latest)"])
        }
        print(campaigns.isEmpty ? "No campaigns yet; `kehu campaign define NAME --harvest D1..D2`." : table.render())
    }
}

struct CampaignReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Per phase: AIPL at its boundaries and the flows, reach by channel, GMV and buyers; plan against actual.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption
    @Argument(help: "The campaign's name.") var name: String

    func run() throws {
        let workspace = try global.openWorkspace()
        guard let campaign = try PlanStore.campaign(named: name, in: workspace) else {
            let known = try PlanStore.campaigns(in: workspace).map(\.name)
            Terminal.error("kehu campaign report: no campaign named '\(name)'" + (known.isEmpty ? "; define one with `kehu campaign define`." : "; there are: \(known.joined(separator: ", "))."))
            throw ExitCode(1)
        }
        let plan: PlanStore.SavedPlan?
        if let planName = campaign.planName {
            guard let saved = try PlanStore.plan(named: planName, in: workspace) else {
                Terminal.error("kehu campaign report: the campaign names plan '\(planName)', which is not saved.")
                throw ExitCode(1)
            }
            plan = saved
        } else {
            plan = try PlanStore.latestPlan(for: campaign.harvest, in: workspace)
        }
        let progress = ProgressLine("snapshot")
        let snapshot = try workspace.buildSnapshot { progress.update($0) }
        progress.finish()
        print(CampaignReport.compute(snapshot, campaign: campaign, plan: plan).rendered(as: output.format), terminator: "")
    }
}
