import KehuAnalytics
import KehuModel
import KehuStore

/// A campaign and its rhythm (DESIGN section 5): 种草 seeding from `seedingDays` before the
/// harvest until 长草 growing starts `growingDays` before it, 拔草 harvest (the campaign days),
/// and 养草 nurturing for `nurtureDays` after.
public struct CampaignDefinition: Sendable, Hashable, Codable {
    public var name: String
    public var harvest: DayRange
    public var seedingDays: Int
    public var growingDays: Int
    public var nurtureDays: Int
    /// A saved gap plan to compare with; nil means the latest plan for the harvest window.
    public var planName: String?

    public init(name: String, harvest: DayRange, seedingDays: Int = 30, growingDays: Int = 15, nurtureDays: Int = 15, planName: String? = nil) {
        self.name = name
        self.harvest = harvest
        self.seedingDays = seedingDays
        self.growingDays = growingDays
        self.nurtureDays = nurtureDays
        self.planName = planName
    }

    public func validate() throws(PlanError) {
        guard growingDays >= 1, nurtureDays >= 1, seedingDays > growingDays, seedingDays <= 365, nurtureDays <= 365 else {
            throw .invalid("the rhythm needs --seeding-days > --growing-days ≥ 1 and --nurture-days ≥ 1, at most 365 (got \(seedingDays), \(growingDays), \(nurtureDays)).")
        }
    }

    public enum Phase: Int, CaseIterable, Sendable, Codable {
        case seeding, growing, harvest, nurturing

        public var name: String { ["seeding", "growing", "harvest", "nurturing"][rawValue] }
        public var chineseName: String { ["种草", "长草", "拔草", "养草"][rawValue] }
    }

    /// The days of a phase.
    public func days(of phase: Phase) -> DayRange {
        switch phase {
        case .seeding: DayRange(harvest.first.advanced(by: -seedingDays), harvest.first.advanced(by: -growingDays - 1))
        case .growing: DayRange(harvest.first.advanced(by: -growingDays), harvest.first.advanced(by: -1))
        case .harvest: harvest
        case .nurturing: DayRange(harvest.last.advanced(by: 1), harvest.last.advanced(by: nurtureDays))
        }
    }
}

/// Per phase of a campaign: AIPL at its boundaries and the flows between them, reach by
/// channel, GMV and buyers; and the saved gap plan against what the harvest brought.
public struct CampaignReport: Report {
    public var workspace: String
    public var campaign: CampaignDefinition
    public var phases: [PhaseResult]
    public var plan: PlanComparison?
    /// The last day with data; phases after it are partial or empty.
    public var dataThrough: Day?

    public struct PhaseResult: Sendable, Codable, Hashable {
        public var phase: CampaignDefinition.Phase
        public var days: DayRange
        /// Consumers per stage (none, A, I, P, L) as of the day before the phase, and as of its
        /// last day, among consumers first seen by the phase's last day.
        public var stagesAtStart: [Int]
        public var stagesAtEnd: [Int]
        /// flows[from][to] over none, A, I, P, L.
        public var flows: [[Int]]
        public var reach: [Reach]
        public var buyers: Int
        public var gmvFen: Int64
    }

    public struct Reach: Sendable, Codable, Hashable {
        public var channel: String
        public var impressions: Int
        public var clicks: Int
        public var contentViews: Int
        /// Consumers with any impression, click or content view on the channel in the phase.
        public var consumersReached: Int
    }

    public struct PlanComparison: Sendable, Codable, Hashable {
        public var planName: String
        public var targetFen: Int64
        public var expectedGMVFen: Int64
        public var actualGMVFen: Int64
        public var lines: [Line]

        public struct Line: Sendable, Codable, Hashable {
            public var group: PlanGroup
            public var plannedBuyers: Int
            public var actualBuyers: Int
            public var plannedGMVFen: Int64
            public var actualGMVFen: Int64
        }
    }

    public var title: String { "Campaign rhythm (种草 / 长草 / 拔草 / 养草): \(campaign.name) · \(workspace)" }

    public var parameters: [ReportParameter] {
        [
            ReportParameter("harvest", "\(campaign.harvest)"), ReportParameter("seeding from", "\(campaign.seedingDays)d before"),
            ReportParameter("growing from", "\(campaign.growingDays)d before"), ReportParameter("nurturing", "\(campaign.nurtureDays)d after"),
        ]
    }

    public func tables() -> [TextTable] {
        let letters = ["none", "A", "I", "P", "L"]
        var overview = TextTable(
            title: "Phases", headers: ["phase", "阶段", "days", "A", "I", "P", "L", "buyers", "GMV"])
        for p in phases {
            overview.rows.append(
                [p.phase.name, p.phase.chineseName, "\(p.days)"]
                    + (1...4).map { "\(Figures.grouped(p.stagesAtStart[$0])) → \(Figures.grouped(p.stagesAtEnd[$0]))" }
                    + [Figures.grouped(p.buyers), Money.format(fen: p.gmvFen)])
        }
        overview.footnotes = ["A/I/P/L: consumers the day before the phase → at its last day."]
        if let dataThrough, let last = phases.last, dataThrough < last.days.last {
            overview.footnotes.append("The data ends \(dataThrough): later days are not in yet.")
        }
        var tables = [overview]
        for p in phases {
            var flow = TextTable(
                title: "\(p.phase.chineseName) \(p.phase.name) flows \(p.days.first.advanced(by: -1)) → \(p.days.last)",
                headers: ["from \\ to"] + letters + ["start"])
            for from in 0..<5 {
                flow.rows.append([letters[from]] + (0..<5).map { Figures.grouped(p.flows[from][$0]) } + [Figures.grouped(p.stagesAtStart[from])])
            }
            tables.append(flow)
            var reach = TextTable(
                title: "\(p.phase.chineseName) \(p.phase.name) reach by channel",
                headers: ["channel", "impressions 曝光", "clicks 点击", "content views 内容浏览", "consumers reached"])
            for r in p.reach {
                reach.rows.append([
                    r.channel, Figures.grouped(r.impressions), Figures.grouped(r.clicks), Figures.grouped(r.contentViews),
                    Figures.grouped(r.consumersReached),
                ])
            }
            if p.reach.isEmpty { reach.footnotes = ["no impressions, clicks or content views in this phase"] }
            tables.append(reach)
        }
        if let plan {
            var table = TextTable(
                title: "Plan '\(plan.planName)' against the harvest", headers: ["group", "阶段", "planned buyers", "actual buyers", "planned GMV", "actual GMV"])
            for line in plan.lines {
                table.rows.append([
                    line.group.name, line.group.chineseName, Figures.grouped(line.plannedBuyers), Figures.grouped(line.actualBuyers),
                    Money.format(fen: line.plannedGMVFen), Money.format(fen: line.actualGMVFen),
                ])
            }
            table.footnotes = [
                "target \(Money.format(fen: plan.targetFen)) · expected from the assets \(Money.format(fen: plan.expectedGMVFen)) · actual \(Money.format(fen: plan.actualGMVFen)) (\(Figures.percent(Int(clamping: plan.actualGMVFen / 100), Int(clamping: max(1, plan.targetFen / 100)))) of target)"
            ]
            tables.append(table)
        } else {
            tables.append(TextTable(title: "Plan against actual", headers: ["note"], alignments: [.left], rows: [[
                "no gap plan saved for \(campaign.harvest); run `kehu plan gap --campaign \(campaign.harvest) --target ... --save NAME`"
            ]]))
        }
        return tables
    }

    public static func compute(_ snapshot: Snapshot, campaign: CampaignDefinition, plan: PlanStore.SavedPlan?, rules: AIPLRules = .standard) -> CampaignReport {
        let calendar = AnalysisCalendar(snapshot)
        let channels = snapshot.dictionaries[EventField.channel.rawValue]
        let channelCount = max(1, channels.codeCount)
        var phases: [PhaseResult] = []
        var stagesBefore = AIPLStages.compute(snapshot, asOf: campaign.days(of: .seeding).first.advanced(by: -1), rules: rules)
        for phase in CampaignDefinition.Phase.allCases {
            let days = campaign.days(of: phase)
            let stagesAfter = AIPLStages.compute(snapshot, asOf: days.last, rules: rules)
            var flows = [[Int]](repeating: [Int](repeating: 0, count: 5), count: 5)
            var start = [Int](repeating: 0, count: 5)
            var end = [Int](repeating: 0, count: 5)
            let known = calendar.end(of: days.last)
            for c in 0..<snapshot.consumerCount {
                // Consumers first seen after the phase are not in its flows.
                let rows = snapshot.events(of: c)
                guard !rows.isEmpty, snapshot.ts[rows.lowerBound] < known else { continue }
                let a = Int(stagesBefore[c].rawValue), b = Int(stagesAfter[c].rawValue)
                flows[a][b] += 1
                start[a] += 1
                end[b] += 1
            }
            let span = calendar.span(days)
            struct Tally: Sendable {
                var counts: [[Int]]
                var reached: [Int]
                var buyers = 0
                var gmv: Int64 = 0
            }
            let parts = ConsumerPartitions.map(snapshot, partitions: 8) { range -> Tally in
                var tally = Tally(counts: [[Int]](repeating: [0, 0, 0], count: channelCount), reached: [Int](repeating: 0, count: channelCount))
                var touched = [Bool](repeating: false, count: channelCount)
                for c in range {
                    var i = snapshot.firstEvent(of: c, atOrAfter: span.lowerBound)
                    let last = snapshot.events(of: c).upperBound
                    var paid = false
                    var seen: [Int] = []
                    while i < last && snapshot.ts[i] < span.upperBound {
                        let slot: Int
                        switch snapshot.kind[i] {
                        case .impression: slot = 0
                        case .click: slot = 1
                        case .contentView: slot = 2
                        case .pay:
                            paid = true
                            tally.gmv += snapshot.amount(i) ?? 0
                            slot = -1
                        default: slot = -1
                        }
                        if slot >= 0 {
                            let channel = Int(snapshot.code(.channel, i))
                            tally.counts[channel][slot] += 1
                            if !touched[channel] {
                                touched[channel] = true
                                seen.append(channel)
                            }
                        }
                        i += 1
                    }
                    for channel in seen {
                        tally.reached[channel] += 1
                        touched[channel] = false
                    }
                    if paid { tally.buyers += 1 }
                }
                return tally
            }
            var reach: [Reach] = []
            for channel in 0..<channelCount {
                let counts = (0..<3).map { slot in parts.reduce(0) { $0 + $1.counts[channel][slot] } }
                let reached = parts.reduce(0) { $0 + $1.reached[channel] }
                guard reached > 0 else { continue }
                reach.append(Reach(
                    channel: channels.string(UInt32(channel)) ?? "(none)", impressions: counts[0], clicks: counts[1],
                    contentViews: counts[2], consumersReached: reached))
            }
            reach.sort { ($0.consumersReached, $1.channel) > ($1.consumersReached, $0.channel) }
            phases.append(PhaseResult(
                phase: phase, days: days, stagesAtStart: start, stagesAtEnd: end, flows: flows, reach: reach,
                buyers: parts.reduce(0) { $0 + $1.buyers }, gmvFen: parts.reduce(0) { $0 + $1.gmv }))
            stagesBefore = stagesAfter
        }
        var comparison: PlanComparison?
        if let plan {
            let actual = WindowOutcome.measure(snapshot, window: campaign.harvest, rules: plan.plan.parametersUsed.rules)
            comparison = PlanComparison(
                planName: plan.name, targetFen: plan.plan.parametersUsed.targetFen, expectedGMVFen: plan.plan.expectedGMVFen,
                actualGMVFen: actual.gmvFen,
                lines: PlanGroup.allCases.map { group in
                    let g = plan.plan.groups[group.rawValue]
                    let a = actual.row(group)
                    return .init(group: group, plannedBuyers: g.expectedBuyers, actualBuyers: a.buyers, plannedGMVFen: g.expectedGMVFen, actualGMVFen: a.gmvFen)
                })
        }
        return CampaignReport(workspace: snapshot.workspace, campaign: campaign, phases: phases, plan: comparison, dataThrough: snapshot.dataDays?.last)
    }
}
