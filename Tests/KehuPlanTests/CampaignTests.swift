import Testing
import KehuAnalytics
import KehuModel
import KehuPlan
import KehuStore
import KehuTesting

@Suite("Campaign rhythm and plan files")
struct CampaignTests {
    @Test("phases: seeding from 30 days before until growing starts 15 days before; nurturing 15 days after")
    func phases() {
        let c = CampaignDefinition(name: "双11-2026", harvest: campaign)
        #expect(c.days(of: .seeding) == DayRange(Day(year: 2026, month: 10, day: 2), Day(year: 2026, month: 10, day: 16)))
        #expect(c.days(of: .growing) == DayRange(Day(year: 2026, month: 10, day: 17), Day(year: 2026, month: 10, day: 31)))
        #expect(c.days(of: .harvest) == campaign)
        #expect(c.days(of: .nurturing) == DayRange(Day(year: 2026, month: 11, day: 12), Day(year: 2026, month: 11, day: 26)))
        #expect(throws: PlanError.self) { try CampaignDefinition(name: "x", harvest: campaign, seedingDays: 10, growingDays: 15).validate() }
    }

    @Test("the report: stages at the boundaries, flows, reach, GMV and the saved plan against the harvest")
    func report() throws {
        let (_, workspace, snapshot) = try snapshot(of: planEvents)
        let plan = try GapPlan.compute(snapshot, GapPlanParameters(targetFen: 200_000, campaign: campaign, asOf: oct31))
        try PlanStore.save(plan, name: "双11 plan", in: workspace)
        let definition = CampaignDefinition(name: "双11-2026", harvest: campaign)
        try PlanStore.define(definition, in: workspace)
        #expect(try PlanStore.campaigns(in: workspace) == [definition])
        let saved = try #require(try PlanStore.latestPlan(for: campaign, in: workspace))
        #expect(saved.plan.expectedGMVFen == 113_000)

        let report = CampaignReport.compute(snapshot, campaign: definition, plan: saved)
        let growing = report.phases[1]
        // Growing 10-17..10-31: known by 10-31 are c1..c9. At 10-16: c1, c3, c5, c6 in P, the rest
        // none; at 10-31: c2 and c9 A, c8 I, the four P stay, c4 and c7 none.
        #expect(growing.stagesAtStart == [5, 0, 0, 4, 0])
        #expect(growing.stagesAtEnd == [2, 2, 1, 4, 0])
        #expect(growing.flows[0] == [2, 2, 1, 0, 0])
        #expect(growing.flows[3] == [0, 0, 0, 4, 0])
        // Reach: c9's impression on douyin, on 10-31.
        #expect(growing.reach.map(\.channel) == ["douyin"])
        #expect(growing.reach.map { [$0.impressions, $0.clicks, $0.contentViews, $0.consumersReached] } == [[1, 0, 0, 1]])
        let harvest = report.phases[2]
        #expect(harvest.buyers == 3)
        #expect(harvest.gmvFen == 45_000)
        let comparison = try #require(report.plan)
        #expect(comparison.actualGMVFen == 45_000)
        #expect(comparison.lines.map(\.actualBuyers) == [0, 1, 1, 0, 0, 1])
        #expect(comparison.lines.map(\.plannedBuyers) == [0, 1, 1, 4, 0, 1])
        // Flows conserve: every row adds up to its start count.
        for phase in report.phases {
            for from in 0..<5 { #expect(phase.flows[from].reduce(0, +) == phase.stagesAtStart[from]) }
        }
        #expect(report.rendered(as: .table).contains("拔草"))
    }

    @Test("cost and capacity files: header, comments, Chinese stage names; errors name file:line and field")
    func files() throws {
        let costs = try GroupFile.parse("# cost per consumer\nstage,cost\nA,2.50\n兴趣, 4\nnew,30\n", source: "costs.csv", kind: .cost)
        #expect(costs == [.init(.aware, 250), .init(.interested, 400), .init(.newToBrand, 3_000)])
        let capacity = try GroupFile.parse("P,1000\n", source: "cap.csv", kind: .capacity)
        #expect(capacity == [.init(.purchased, 1_000)])
        func failure(_ text: String, _ kind: GroupFile.Kind) -> String {
            do {
                _ = try GroupFile.parse(text, source: "f.csv", kind: kind)
                return "no error"
            } catch { return error.description }
        }
        #expect(failure("A,2.505\n", .cost).hasPrefix("f.csv:1: cost:"))
        #expect(failure("stage,cost\nA,1\nX,2\n", .cost).hasPrefix("f.csv:3: stage: 'X'"))
        #expect(failure("A,1\nA,2\n", .cost).contains("already given on line 1"))
        #expect(failure("A,-1\n", .cost).hasPrefix("f.csv:1: cost: a cost cannot be negative"))
        #expect(failure("A,1,2\n", .cost).hasPrefix("f.csv:1: expected two columns"))
        #expect(failure("I,ten\n", .capacity).hasPrefix("f.csv:1: capacity:"))
        #expect(try GroupFile.target("500万") == 500_000_000)
        #expect(try GroupFile.target("5,000,000") == 500_000_000)
        #expect(throws: PlanError.self) { try GroupFile.target("-3") }
        #expect(throws: PlanError.self) { try GroupFile.target("1.234") }
    }
}
