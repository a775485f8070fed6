import Foundation
import Hummingbird
import HummingbirdTesting
import KehuActivation
import KehuModel
import KehuStore
import KehuTesting
import Testing
@testable import KehuServer

@Suite("activation API: reach plans")
struct ReachRoutesTests {
    /// Plan p618 on ActivationData: audience `target` = stage in (I, P, L) = {c1, c2, c4}
    /// (catalogue ids 1, 2, 4), Tmall, June 16-18, 10% holdout with seed 9.
    static let planBody = #"{"audience": "target", "content": "coupon-618", "channel": "tmall", "window": "2026-06-16..2026-06-18", "holdout": "10%", "seed": 9}"#

    static func fixture(withB: Bool = false) throws -> ServerFixture {
        let fixture = try ActivationData.fixture(withB: withB)
        try AudienceStore(workspace: fixture.a).define(name: "target", expression: "stage in (I, P, L)")
        return fixture
    }

    @Test("define, list, schedule (dry run, then stored), read the sends paged and as CSV; the CLI's store holds the same plan")
    func defineAndSchedule() async throws {
        let fixture = try Self.fixture()
        try await fixture.withClient { client in
            var response = try await client.call(.put, "/v1/reach/plans/p618", fixture.aWrite, Self.planBody)
            #expect(response.status == .created, "\(response.text)")
            #expect(response.json["plan"]?["holdoutShare"] == .number("0.1") && response.json["plan"]?["seed"] == .number("9"))
            #expect(response.json["plan"]?["cap"]?.serializedText == #"{"days":7,"sends":1}"#, "\(response.text)")
            #expect(response.json["schedule"] == .string("/v1/reach/plans/p618/schedule"))
            response = try await client.call(.put, "/v1/reach/plans/p618", fixture.aWrite, Self.planBody)
            #expect(response.status == .ok)

            response = try await client.call(.get, "/v1/reach/plans", fixture.aRead)
            guard case .array(let plans)? = response.json["plans"], plans.count == 1 else {
                Issue.record("expected one plan: \(response.text)")
                return
            }
            #expect(plans[0]["plan"]?["name"] == .string("p618") && plans[0]["scheduled"] == .number("0"))

            // By hand: the audience as of 06-12 (the day before the window, capped by the last
            // day with data) is {1, 2, 4}; nobody is suppressed or capped and all have a Tmall
            // buyer id. Holdout draws under seed 9: id 1 0.830, id 2 0.062, id 4 0.919, so id 2
            // (c2) is held out and 2 are scheduled. Everyone's best hour is 20:00 (three views
            // at 20:00), and the first day the cap allows is 06-16.
            for id: UInt32 in [1, 2, 4] { #expect(Holdout.contains(consumerID: id, seed: 9, share: 0.1) == (id == 2)) }
            response = try await client.call(.post, "/v1/reach/plans/p618/schedule", fixture.aWrite, #"{"dry-run": true}"#)
            #expect(response.status == .ok, "\(response.text)")
            #expect(response.json["audience"] == .number("3") && response.json["eligible"] == .number("3"))
            #expect(response.json["holdout"] == .number("1") && response.json["scheduled"] == .number("2") && response.json["dryRun"] == .bool(true))
            #expect(response.json["sends"] == .null)
            #expect(try ReachStore.sends(of: "p618", in: fixture.a).isEmpty, "a dry run stores nothing")

            response = try await client.call(.post, "/v1/reach/plans/p618/schedule", fixture.aWrite)
            #expect(response.status == .ok, "\(response.text)")
            #expect(response.json["asOf"] == .string("2026-06-12") && response.json["scheduled"] == .number("2"))
            #expect(response.json["suppressed"] == .number("0") && response.json["capped"] == .number("0") && response.json["noChannelKey"] == .number("0"))
            #expect(response.json["slots"]?.serializedText == #"[{"day":"2026-06-16","hour":20,"sends":2}]"#, "\(response.text)")
            #expect(response.json["sends"] == .string("/v1/reach/plans/p618/sends"))
            #expect(response.json["title"] == .string("Reach plan p618"))

            response = try await client.call(.get, "/v1/reach/plans/p618/sends", fixture.aWrite)
            #expect(response.status == .ok && response.json["total"] == .number("3"), "\(response.text)")
            guard case .array(let sends)? = response.json["sends"] else { return }
            #expect(sends.map { $0["consumerId"] } == [.number("1"), .number("2"), .number("4")])
            #expect(sends.map { $0["holdout"] } == [.bool(false), .bool(true), .bool(false)])
            #expect(sends.map { $0["status"] } == [.string("scheduled"), .string("holdout"), .string("scheduled")])
            #expect(sends.map { $0["channelKey"] } == [.string("buyer:tm_b1"), .string("buyer:tm_b2"), .string("buyer:tm_b4")])
            #expect(sends.allSatisfy { $0["sendAtLocal"] == .string("2026-06-16T20:00:00.000+08:00") })
            #expect(sends.allSatisfy { $0["sendAt"] == .number(String(TestClock.at(2026, 6, 16, hour: 20))) })
            response = try await client.call(.get, "/v1/reach/plans/p618/sends?limit=2&offset=1", fixture.aWrite)
            guard case .array(let page)? = response.json["sends"] else { return }
            #expect(page.map { $0["consumerId"] } == [.number("2"), .number("4")] && response.json["next"] == .null)
            response = try await client.call(.get, "/v1/reach/plans/p618/sends?format=csv", fixture.aWrite)
            #expect(response.text == """
                consumer_id,holdout,channel_key,send_at,status,attempts
                1,false,buyer:tm_b1,2026-06-16T20:00:00.000+08:00,scheduled,0
                2,true,buyer:tm_b2,2026-06-16T20:00:00.000+08:00,holdout,0
                4,false,buyer:tm_b4,2026-06-16T20:00:00.000+08:00,scheduled,0

                """, "\(response.text)")
            response = try await client.call(.get, "/v1/reach/plans/p618", fixture.aRead)
            #expect(response.json["scheduled"] == .number("2") && response.json["holdout"] == .number("1"), "\(response.text)")
        }
        // What `kehu reach list` reads.
        let stored = try ReachStore.plan(named: "p618", in: fixture.a)
        #expect(stored.audience == "target" && stored.seed == 9 && stored.window.description == "2026-06-16..2026-06-18 09-21h")
        #expect(try ReachStore.statusCounts(in: fixture.a)["p618"] == [.scheduled: 2, .holdout: 1])
        // A plan defined the CLI's way is listed and scheduled by the API.
        try ReachStore.define(
            ReachPlan(name: "cli", audience: "stage = L", content: "c", channel: .tmall,
                      window: SendWindow(days: DayRange(Day(year: 2026, month: 6, day: 30), Day(year: 2026, month: 6, day: 30))), holdoutShare: 0),
            in: fixture.a)
        try await fixture.withClient { client in
            let response = try await client.call(.post, "/v1/reach/plans/cli/schedule", fixture.aWrite)
            // stage L = {c4}; 06-30 is 14 days after p618's send on 06-16, so the 1/7d cap allows it.
            #expect(response.json["scheduled"] == .number("1") && response.json["capped"] == .number("0"), "\(response.text)")
        }
    }

    @Test("effect: treatment against holdout as the CLI computes it; responders-tag needs a write key and writes the tag back")
    func effect() async throws {
        let fixture = try Self.fixture()
        try await fixture.withClient { client in
            var response = try await client.call(.put, "/v1/reach/plans/p618", fixture.aWrite, Self.planBody)
            #expect(response.status == .created)
            response = try await client.call(.get, "/v1/reach/plans/p618/effect", fixture.aRead)
            #expect(response.status == .conflict && response.json["code"] == .string("not_planned"), "\(response.text)")
            #expect(response.errorMessage == "plan 'p618' has no schedule yet; POST /v1/reach/plans/p618/schedule first")
            response = try await client.call(.post, "/v1/reach/plans/p618/schedule", fixture.aWrite)
            #expect(response.status == .ok)
        }
        // After the sends (06-16 20:00): c1 (treatment) pays ¥150 on 06-17; c2 (holdout) pays
        // ¥50 on 06-18; c4 (treatment) does not pay.
        try ingest([
            event("c1-p2", TestClock.at(2026, 6, 17, hour: 10), .pay, ["buyer:tm_b1"], order: "o6", amount: 15_000),
            event("c2-p", TestClock.at(2026, 6, 18, hour: 10), .pay, ["buyer:tm_b2"], order: "o7", amount: 5_000),
        ], into: fixture.a)
        let snapshot = try fixture.a.buildSnapshot()
        let expected = try MemberRoutes.document(
            of: ReachEffect.compute(snapshot, plan: "p618", sends: try ReachRun.currentSends("p618", snapshot: snapshot, in: fixture.a), windowDays: 14))
        try await fixture.withClient { client in
            var response = try await client.call(.get, "/v1/reach/plans/p618/effect", fixture.aRead)
            #expect(response.status == .ok, "\(response.text)")
            // Treatment {c1, c4}: 1 converted, 15,000 fen; holdout {c2}: 1 converted, 5,000 fen.
            // Conversion 50% against 100%: uplift −0.5. Every window (to 06-30) runs past the data (06-18).
            #expect(response.json["treatment"]?["consumers"] == .number("2") && response.json["treatment"]?["converted"] == .number("1"))
            #expect(response.json["treatment"]?["gmvFen"] == .number("15000") && response.json["holdout"]?["gmvFen"] == .number("5000"))
            #expect(response.json["conversionUplift"]?["absolute"] == .number("-0.5") && response.json["windowPastData"] == .number("3"))
            #expect(response.json["respondersCount"] == .number("1") && response.json["respondersTag"] == nil)
            #expect(response.json == expected)
            response = try await client.call(.get, "/v1/reach/plans/p618/effect?window=2d", fixture.aRead)
            #expect(response.json["windowDays"] == .number("2"), "\(response.text)")

            response = try await client.call(.get, "/v1/reach/plans/p618/effect?responders-tag=responded", fixture.aRead)
            #expect(response.status == .forbidden, "\(response.text)")
            response = try await client.call(.get, "/v1/reach/plans/p618/effect?responders-tag=responded", fixture.aWrite)
            #expect(response.status == .ok, "\(response.text)")
            #expect(response.json["respondersTag"]?.serializedText == #"{"added":1,"consumers":1,"name":"responded","path":"/v1/tags/responded","withoutKey":0}"#)
            response = try await client.call(.get, "/v1/tags/responded", fixture.aRead)
            #expect(response.json["kind"] == .string("writeback") && response.json["size"] == .number("1"), "\(response.text)")

            for (query, message) in [
                ("window=0d", "window: must be 1d-366d, e.g. 14d (got '0d')"),
                ("colour=red", "colour: not a parameter of GET /v1/reach/plans/{name}/effect (window, responders-tag)"),
                ("responders-tag=%20x", "responders-tag: ' x' is not a valid tag name"),
            ] {
                response = try await client.call(.get, "/v1/reach/plans/p618/effect?" + query, fixture.aWrite)
                #expect(response.status == .badRequest && response.errorMessage?.hasPrefix(message) == true, "\(query): \(response.text)")
            }
            response = try await client.call(.get, "/v1/reach/plans/nope/effect", fixture.aRead)
            #expect(response.status == .notFound && response.errorMessage == "no reach plan named 'nope'; there are: p618")
        }
        // Once a send is delivered (by the CLI), the schedule and the plan stay as they are.
        try ReachStore.markDelivered(plan: "p618", consumers: [1], via: "file:test", in: fixture.a)
        try await fixture.withClient { client in
            var response = try await client.call(.put, "/v1/reach/plans/p618", fixture.aWrite, Self.planBody)
            #expect(response.status == .conflict && response.json["code"] == .string("already_delivered"), "\(response.text)")
            response = try await client.call(.post, "/v1/reach/plans/p618/schedule", fixture.aWrite)
            #expect(response.status == .conflict && response.json["code"] == .string("already_delivered"), "\(response.text)")
        }
    }

    /// Bad plan bodies and the start of the message, which names the field.
    static let badPlans: [(body: String, message: String)] = [
        (#"{"content": "c", "channel": "tmall", "window": "2026-06-16..2026-06-18"}"#, "audience: missing"),
        (#"{"audience": "target", "content": "c", "channel": "fax", "window": "2026-06-16..2026-06-18"}"#, "channel: expected one of tmall, jd, douyin, wechat_mp, sms, email, app_push (got 'fax')"),
        (#"{"audience": "target", "content": "c", "channel": "tmall", "window": "june"}"#, "window: expected D1..D2"),
        (#"{"audience": "target", "content": "c", "channel": "tmall", "window": "2026-06-16..2026-06-18", "hours": "22-9"}"#, "hours: hours must be H1-H2"),
        (#"{"audience": "target", "content": "c", "channel": "tmall", "window": "2026-06-16..2026-06-18", "cap": "x"}"#, "cap: a frequency cap is N/Pd"),
        (#"{"audience": "target", "content": "c", "channel": "tmall", "window": "2026-06-16..2026-06-18", "holdout": "60%"}"#, "holdout: a share from 0% to 50%"),
        (#"{"audience": "target", "content": "c", "channel": "tmall", "window": "2026-06-16..2026-06-18", "seed": -1}"#, "seed: expected a whole number"),
        (#"{"audience": "target", "content": "c", "channel": "tmall", "window": "2026-06-16..2026-06-18", "suppress": ["keys:/etc/passwd"]}"#, "suppress[0]: keys:FILE names a file on the server, which the API never reads"),
        (#"{"audience": "target", "content": "c", "channel": "tmall", "window": "2026-06-16..2026-06-18", "suppress": "tag:nope"}"#, "suppress[0]: no tag called 'nope'"),
        (#"{"audience": "target", "content": "c", "channel": "tmall", "window": "2026-06-16..2026-06-18", "suppress": [1]}"#, "suppress[0]: expected a string like tag:NAME, got a number"),
        (#"{"audience": "target", "content": "c", "channel": "tmall", "window": "2026-06-16..2026-06-18", "as-of": "2026-06-16"}"#, "plan p: as-of 2026-06-16 must be before"),
        (#"{"audience": "target", "content": "c", "channel": "tmall", "window": "2026-06-16..2026-06-18", "webhook": "http://10.0.0.1/"}"#, "webhook: not a field of a reach plan"),
        (#"{"audience": "count(cart, 30x) >= 2", "content": "c", "channel": "tmall", "window": "2026-06-16..2026-06-18"}"#, "audience: not a saved audience (the saved audiences are target) nor an expression: column 13"),
        (#"{"audience": "tag:nope", "content": "c", "channel": "tmall", "window": "2026-06-16..2026-06-18"}"#, "audience: unknown tag 'nope' (no tags are defined)"),
    ]

    @Test("a bad plan body is a 400 naming the field; nothing is stored", arguments: ReachRoutesTests.badPlans.indices)
    func badPlan(_ index: Int) async throws {
        let (body, message) = Self.badPlans[index]
        let fixture = try Self.fixture()
        try await fixture.withClient { client in
            let response = try await client.call(.put, "/v1/reach/plans/p", fixture.aWrite, body)
            #expect(response.status == .badRequest, "\(body): \(response.text)")
            #expect(response.errorMessage?.hasPrefix(message) == true, "\(body): \(response.errorMessage ?? response.text)")
            if message.contains("column 13") { #expect(response.json["column"] == .number("13")) }
        }
        #expect(try ReachStore.plans(in: fixture.a).isEmpty)
    }

    @Test("writes need a write key (401 without a key, 403 with a read key); B never sees or changes A's plans")
    func authAndIsolation() async throws {
        let fixture = try Self.fixture(withB: true)
        try await fixture.withClient { client in
            let writes: [(HTTPRequest.Method, String, String)] = [
                (.put, "/v1/reach/plans/p618", Self.planBody), (.post, "/v1/reach/plans/p618/schedule", "{}"),
            ]
            for (method, path, body) in writes {
                var response = try await client.call(method, path, nil, body)
                #expect(response.status == .unauthorized, "\(path)")
                response = try await client.call(method, path, fixture.aRead, body)
                #expect(response.status == .forbidden, "\(path)")
            }
            for path in ["/v1/reach/plans", "/v1/reach/plans/p618", "/v1/reach/plans/p618/sends", "/v1/reach/plans/p618/effect"] {
                let response = try await client.call(.get, path, nil)
                #expect(response.status == .unauthorized, "\(path)")
            }
            var response = try await client.call(.put, "/v1/reach/plans/p618", fixture.aWrite, Self.planBody)
            #expect(response.status == .created)
            response = try await client.call(.post, "/v1/reach/plans/p618/schedule", fixture.aWrite)
            #expect(response.status == .ok)

            response = try await client.call(.get, "/v1/reach/plans", fixture.bRead)
            #expect(response.json["plans"] == .array([]), "\(response.text)")
            // The sends carry channel keys: a read key gets 403 even in its own workspace.
            response = try await client.call(.get, "/v1/reach/plans/p618/sends", fixture.aRead)
            #expect(response.status == .forbidden, "\(response.text)")
            for path in ["/v1/reach/plans/p618", "/v1/reach/plans/p618/sends", "/v1/reach/plans/p618/effect"] {
                response = try await client.call(.get, path, path.hasSuffix("/sends") ? fixture.bWrite : fixture.bRead)
                #expect(response.status == .notFound && response.errorMessage == "no reach plan named 'p618'; define one with PUT /v1/reach/plans/{name}", "\(path)")
            }
            response = try await client.call(.post, "/v1/reach/plans/p618/schedule", fixture.bWrite)
            #expect(response.status == .notFound)
            // B's plan cannot use A's audience: in B, 'target' is neither saved nor an expression.
            response = try await client.call(.put, "/v1/reach/plans/p618", fixture.bWrite, Self.planBody)
            #expect(response.status == .badRequest && response.errorMessage?.hasPrefix("audience: not a saved audience (no audiences are saved)") == true, "\(response.text)")
        }
        #expect(try ReachStore.plans(in: fixture.b).isEmpty)
        #expect(try ReachStore.sends(of: "p618", in: fixture.a).count == 3)
    }
}
