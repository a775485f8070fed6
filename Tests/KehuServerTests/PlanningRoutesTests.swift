import Foundation
import Hummingbird
import HummingbirdTesting
import KehuAnalytics
import KehuModel
import KehuPlan
import KehuStore
import Testing
@testable import KehuServer

@Suite("planning API: saved plans and campaigns")
struct PlanningRoutesTests {
    /// The plan-gap parameters QueryTests runs plan-gap with (c1 pays on 06-03 in the reference
    /// window), and a target of 1,000 yuan = 100,000 fen.
    static let planFields = #""target": "1000", "campaign": "2026-06-12..2026-06-14", "reference": "2026-06-03..2026-06-05", "as-of": "2026-06-11""#

    static func planArguments(costs: String? = nil) -> AnalysisArguments {
        var arguments = AnalysisArguments([
            "target": "1000", "campaign": "2026-06-12..2026-06-14", "reference": "2026-06-03..2026-06-05", "as-of": "2026-06-11",
        ])
        arguments.set("costs", costs)
        return arguments
    }

    func json(_ key: APIKey) -> HTTPFields {
        var fields = bearer(key)
        fields[.contentType] = "application/json"
        return fields
    }

    /// `618-冲刺` in a URL path.
    static let planName = "618-冲刺"
    static let planPath = "/v1/plans/618-%E5%86%B2%E5%88%BA"

    @Test("POST /v1/plans runs plan-gap on the data and saves it (costs as an object or a string); GET lists it and returns it by name")
    func savePlan() async throws {
        let fixture = try ServerFixture(aRecords: QueryTests.records)
        // The same numbers as running plan-gap directly with costs A=2.5,I=4.
        let expected = try QueryRoutes.document(
            of: Analysis.planGap.run(try fixture.a.buildSnapshot(), Self.planArguments(costs: "A=2.5,I=4")), analysis: .planGap)
        try await fixture.withClient { client in
            let body = #"{"name": "\#(Self.planName)", \#(Self.planFields), "costs": {"A": 2.5, "I": "4"}}"#
            let saved = try await client.execute(uri: "/v1/plans", method: .post, headers: json(fixture.aWrite), body: buffer(body))
            #expect(saved.status == .created, "\(saved.text)")
            #expect(saved.json["name"] == .string(Self.planName))
            #expect(saved.json["plan"] == expected)
            guard case .string(let savedAt)? = saved.json["savedAt"] else {
                Issue.record("no savedAt: \(saved.text)")
                return
            }
            #expect(savedAt.hasSuffix("+08:00"))

            let list = try await client.execute(uri: "/v1/plans", method: .get, headers: bearer(fixture.aRead))
            #expect(list.status == .ok)
            guard case .array(let plans)? = list.json["plans"], plans.count == 1 else {
                Issue.record("expected one plan: \(list.text)")
                return
            }
            #expect(plans[0]["name"] == .string(Self.planName))
            #expect(plans[0]["campaign"] == .string("2026-06-12..2026-06-14"))
            #expect(plans[0]["targetFen"] == .number("100000"))
            #expect(plans[0]["expectedGMVFen"] == expected["expectedGMVFen"])
            #expect(plans[0]["gapFen"] == expected["gapFen"])
            #expect(plans[0]["path"] == .string(Self.planPath))

            let one = try await client.execute(uri: Self.planPath, method: .get, headers: bearer(fixture.aRead))
            #expect(one.status == .ok, "\(one.text)")
            #expect(one.json == saved.json)

            // Costs as the CLI's inline string: the same plan.
            let again = try await client.execute(
                uri: "/v1/plans", method: .post, headers: json(fixture.aWrite),
                body: buffer(#"{"name": "inline", \#(Self.planFields), "costs": "A=2.5,I=4"}"#))
            #expect(again.status == .created && again.json["plan"] == expected, "\(again.text)")
        }
        // The CLI sees what the API saved (kehu campaign report compares with it).
        #expect(try PlanStore.plan(named: Self.planName, in: fixture.a)?.plan.parametersUsed.targetFen == 100_000)
        #expect(try PlanStore.plans(in: fixture.a).map(\.name) == [Self.planName, "inline"].sorted())
    }

    @Test("plans need a write key to save and a key of the same workspace to read: B sees none of A's plans")
    func planAuthAndIsolation() async throws {
        let fixture = try ServerFixture(aRecords: QueryTests.records, bRecords: QueryTests.records)
        try await fixture.withClient { client in
            let body = buffer(#"{"name": "p", \#(Self.planFields)}"#)
            var response = try await client.execute(uri: "/v1/plans", method: .post, headers: [.contentType: "application/json"], body: body)
            #expect(response.status == .unauthorized)
            response = try await client.execute(uri: "/v1/plans", method: .post, headers: json(fixture.aRead), body: body)
            #expect(response.status == .forbidden)
            response = try await client.execute(uri: "/v1/plans", method: .get, headers: [:])
            #expect(response.status == .unauthorized)
            response = try await client.execute(uri: "/v1/plans", method: .post, headers: json(fixture.aWrite), body: body)
            #expect(response.status == .created)

            response = try await client.execute(uri: "/v1/plans", method: .get, headers: bearer(fixture.bRead))
            #expect(response.status == .ok && response.json == .object(["plans": .array([])]), "\(response.text)")
            response = try await client.execute(uri: "/v1/plans/p", method: .get, headers: bearer(fixture.bRead))
            #expect(response.status == .notFound)
            #expect(response.errorMessage == "no plan named 'p'; save one with POST /v1/plans")
            // B cannot define a campaign against A's plan either.
            response = try await client.execute(
                uri: "/v1/campaigns", method: .post, headers: json(fixture.bWrite),
                body: buffer(#"{"name": "c", "harvest": "2026-06-12..2026-06-14", "plan": "p"}"#))
            #expect(response.status == .badRequest)
            #expect(response.errorMessage?.hasPrefix("plan: no plan named 'p' is saved in this workspace") == true, "\(response.text)")
            response = try await client.execute(uri: "/v1/plans/nope", method: .get, headers: bearer(fixture.aRead))
            #expect(response.errorMessage == "no plan named 'nope'; there are: p")
        }
        #expect(try PlanStore.plans(in: fixture.b).isEmpty)
        #expect(try PlanStore.plans(in: fixture.a).count == 1)
    }

    /// Bad plan bodies and the start of the message that must name the field.
    static let badPlans: [(body: String, message: String)] = [
        ("[1]", "body: expected a JSON object, got an array"),
        (#"{"name": "x", "target": "1000", "#, "not valid JSON"),
        (#"{\#(planFields)}"#, "name: missing"),
        (#"{"name": 5, \#(planFields)}"#, "name: expected a string, got a number"),
        (#"{"name": "", \#(planFields)}"#, "name: 1-64 characters on one line"),
        (#"{"name": "a/b", \#(planFields)}"#, "name: 1-64 characters on one line, without '/'"),
        (#"{"name": "x", "campaign": "2026-06-12..2026-06-14"}"#, "target is required"),
        (#"{"name": "x", "target": "1000", "campaign": "june"}"#, "campaign 'june'"),
        (#"{"name": "x", \#(planFields), "colour": "red"}"#, "plan-gap has no parameter 'colour'"),
        (#"{"name": "x", \#(planFields), "costs": {"A": [1]}}"#, "costs.A: expected a number, got an array"),
        (#"{"name": "x", \#(planFields), "capacity": [1, 2]}"#, "capacity: expected a string or a number, got an array"),
    ]

    @Test("a bad plan body is a 400 naming the field; nothing is saved", arguments: PlanningRoutesTests.badPlans.indices)
    func badPlan(_ index: Int) async throws {
        let (body, message) = Self.badPlans[index]
        let fixture = try ServerFixture(aRecords: QueryTests.records)
        try await fixture.withClient { client in
            let response = try await client.execute(uri: "/v1/plans", method: .post, headers: json(fixture.aWrite), body: buffer(body))
            #expect(response.status == .badRequest, "\(body): \(response.text)")
            #expect(response.errorMessage?.contains(message) == true, "\(body): \(response.errorMessage ?? response.text)")
        }
        #expect(try PlanStore.plans(in: fixture.a).isEmpty)
    }

    @Test("POST /v1/campaigns defines the rhythm (phase days worked out); the report is the CLI's, with the saved plan against the harvest")
    func campaigns() async throws {
        let fixture = try ServerFixture(aRecords: QueryTests.records)
        try await fixture.withClient { client in
            var response = try await client.execute(
                uri: "/v1/campaigns", method: .post, headers: json(fixture.aWrite), body: buffer(#"{"name": "618", "harvest": "2026-06-12..2026-06-14"}"#))
            #expect(response.status == .created, "\(response.text)")
            // Defaults 30 / 15 / 15 around a harvest of 06-12..06-14: seeding from 06-12 − 30 days
            // = 05-13 to 06-12 − 16 = 05-27; growing 05-28 to 06-11; nurturing 06-15 to 06-29.
            let phases: JSONValue = .array([
                .object(["phase": .string("seeding"), "chineseName": .string("种草"), "days": .string("2026-05-13..2026-05-27")]),
                .object(["phase": .string("growing"), "chineseName": .string("长草"), "days": .string("2026-05-28..2026-06-11")]),
                .object(["phase": .string("harvest"), "chineseName": .string("拔草"), "days": .string("2026-06-12..2026-06-14")]),
                .object(["phase": .string("nurturing"), "chineseName": .string("养草"), "days": .string("2026-06-15..2026-06-29")]),
            ])
            #expect(response.json["phases"] == phases)
            #expect(response.json["seedingDays"] == .number("30") && response.json["plan"] == .null)
            #expect(response.json["report"] == .string("/v1/campaigns/618/report"))

            // A second campaign with its own rhythm: seeding 20 days before 06-20 = 05-31..06-09
            // (06-20 − 11), growing 06-10..06-19, harvest 06-20, nurturing 06-21..06-27.
            response = try await client.execute(
                uri: "/v1/campaigns", method: .post, headers: json(fixture.aWrite),
                body: buffer(#"{"name": "夏日", "harvest": "2026-06-20..2026-06-20", "seeding-days": 20, "growing-days": "10", "nurture-days": 7}"#))
            #expect(response.status == .created, "\(response.text)")
            #expect(response.json["phases"]?.serializedText.contains(#""days":"2026-05-31..2026-06-09""#) == true, "\(response.text)")
            #expect(response.json["phases"]?.serializedText.contains(#""days":"2026-06-21..2026-06-27""#) == true)

            response = try await client.execute(uri: "/v1/campaigns", method: .get, headers: bearer(fixture.aRead))
            guard case .array(let listed)? = response.json["campaigns"] else {
                Issue.record("no campaigns: \(response.text)")
                return
            }
            #expect(listed.map { $0["name"] } == [.string("618"), .string("夏日")])

            // No plan saved for 06-12..06-14 yet: the report has no plan comparison.
            let snapshot = try fixture.a.buildSnapshot()
            let campaign = try #require(try PlanStore.campaign(named: "618", in: fixture.a))
            response = try await client.execute(uri: "/v1/campaigns/618/report", method: .get, headers: bearer(fixture.aRead))
            #expect(response.status == .ok, "\(response.text)")
            #expect(response.json == (try PlanningRoutes.document(of: CampaignReport.compute(snapshot, campaign: campaign, plan: nil))))
            #expect(response.json["plan"] == nil)
            #expect(response.json["title"] == .string("Campaign rhythm (种草 / 长草 / 拔草 / 养草): 618 · brand_a"))

            // With a plan saved for the harvest days, the report compares it with the harvest.
            response = try await client.execute(
                uri: "/v1/plans", method: .post, headers: json(fixture.aWrite), body: buffer(#"{"name": "618-plan", \#(Self.planFields)}"#))
            #expect(response.status == .created)
            let saved = try #require(try PlanStore.plan(named: "618-plan", in: fixture.a))
            response = try await client.execute(uri: "/v1/campaigns/618/report", method: .get, headers: bearer(fixture.aRead))
            #expect(response.json == (try PlanningRoutes.document(of: CampaignReport.compute(snapshot, campaign: campaign, plan: saved))))
            #expect(response.json["plan"]?["planName"] == .string("618-plan"))
            #expect(response.json["plan"]?["targetFen"] == .number("100000"))
            // In the harvest (06-12..06-14) only c1 pays: order o2, 88.00 yuan = 8,800 fen.
            #expect(response.json["plan"]?["actualGMVFen"] == .number("8800"))

            // A campaign named with Chinese characters, percent-encoded in the path.
            response = try await client.execute(
                uri: "/v1/campaigns/%E5%A4%8F%E6%97%A5/report", method: .get, headers: bearer(fixture.aRead))
            #expect(response.status == .ok && response.json["campaign"]?["name"] == .string("夏日"), "\(response.text)")
        }
    }

    /// Bad campaign bodies and the start of the message that must name the field.
    static let badCampaigns: [(body: String, message: String)] = [
        (#"{"harvest": "2026-06-12..2026-06-14"}"#, "name: missing"),
        (#"{"name": "c"}"#, "harvest: missing"),
        (#"{"name": "c", "harvest": "june"}"#, "harvest 'june': expected D1..D2"),
        (#"{"name": "c", "harvest": 20260612}"#, "harvest: expected a string, got a number"),
        (#"{"name": "c", "harvest": "2026-06-12..2026-06-14", "seeding-days": 10}"#, "seeding-days: must be more than growing-days (15)"),
        (#"{"name": "c", "harvest": "2026-06-12..2026-06-14", "growing-days": 0}"#, "growing-days: must be 1-365 (got 0)"),
        (#"{"name": "c", "harvest": "2026-06-12..2026-06-14", "nurture-days": "abc"}"#, "nurture-days: expected a whole number of days, got 'abc'"),
        (#"{"name": "c", "harvest": "2026-06-12..2026-06-14", "nurture-days": 2.5}"#, "nurture-days: expected a whole number of days, got a number"),
        (#"{"name": "c", "harvest": "2026-06-12..2026-06-14", "colour": "red"}"#, "colour: not a campaign field; the fields are name, harvest"),
        (#"{"name": "c", "harvest": "2026-06-12..2026-06-14", "plan": "nope"}"#, "plan: no plan named 'nope' is saved"),
    ]

    @Test("a bad campaign body is a 400 naming the field; nothing is defined", arguments: PlanningRoutesTests.badCampaigns.indices)
    func badCampaign(_ index: Int) async throws {
        let (body, message) = Self.badCampaigns[index]
        let fixture = try ServerFixture(aRecords: QueryTests.records)
        try await fixture.withClient { client in
            let response = try await client.execute(uri: "/v1/campaigns", method: .post, headers: json(fixture.aWrite), body: buffer(body))
            #expect(response.status == .badRequest, "\(body): \(response.text)")
            #expect(response.errorMessage?.hasPrefix(message) == true, "\(body): \(response.errorMessage ?? response.text)")
        }
        #expect(try PlanStore.campaigns(in: fixture.a).isEmpty)
    }

    @Test("campaigns: a read key cannot define; B sees none of A's; an unknown campaign is 404; a workspace without events is 400")
    func campaignAuthAndErrors() async throws {
        let fixture = try ServerFixture(aRecords: QueryTests.records)
        try await fixture.withClient { client in
            let body = buffer(#"{"name": "618", "harvest": "2026-06-12..2026-06-14"}"#)
            var response = try await client.execute(uri: "/v1/campaigns", method: .post, headers: json(fixture.aRead), body: body)
            #expect(response.status == .forbidden)
            response = try await client.execute(uri: "/v1/campaigns/618/report", method: .get, headers: [:])
            #expect(response.status == .unauthorized)
            response = try await client.execute(uri: "/v1/campaigns", method: .post, headers: json(fixture.aWrite), body: body)
            #expect(response.status == .created)

            response = try await client.execute(uri: "/v1/campaigns", method: .get, headers: bearer(fixture.bRead))
            #expect(response.json == .object(["campaigns": .array([])]), "\(response.text)")
            response = try await client.execute(uri: "/v1/campaigns/618/report", method: .get, headers: bearer(fixture.bRead))
            #expect(response.status == .notFound)
            #expect(response.errorMessage == "no campaign named '618'; define one with POST /v1/campaigns")
            response = try await client.execute(uri: "/v1/campaigns/619/report", method: .get, headers: bearer(fixture.aRead))
            #expect(response.errorMessage == "no campaign named '619'; there are: 618")

            // B defines the same campaign but has no events.
            response = try await client.execute(uri: "/v1/campaigns", method: .post, headers: json(fixture.bWrite), body: body)
            #expect(response.status == .created)
            response = try await client.execute(uri: "/v1/campaigns/618/report", method: .get, headers: bearer(fixture.bRead))
            #expect(response.status == .badRequest)
            #expect(response.errorMessage?.contains("no events yet") == true, "\(response.text)")
        }
        #expect(try PlanStore.campaigns(in: fixture.a).map(\.name) == ["618"])
    }
}
