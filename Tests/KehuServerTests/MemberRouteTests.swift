import Foundation
import HummingbirdTesting
import KehuMembers
import KehuModel
import KehuStore
import KehuTesting
import Testing
@testable import KehuServer

@Suite("member API")
struct MemberRouteTests {
    /// member:1001 joins on 2026-06-01 through tmall and pays ¥128.50 (order o1) on 06-02; a visitor
    /// without membership views on 06-03.
    static let records: [EventRecord] = [
        event("j", TestClock.at(2026, 6, 1), .memberJoin, ["member:1001"]),
        event("p", TestClock.at(2026, 6, 2), .pay, ["member:1001"], order: "o1", amount: 12_850),
        event("v", TestClock.at(2026, 6, 3), .view, ["anon:x"]),
    ]

    static let programme = """
        name = API 会员
        basis = points
        [tier]
        code = normal
        name = 普通会员
        threshold = 0
        [tier]
        code = vip
        name = VIP
        threshold = 1000
        """

    /// The fixture with the programme set and one sync: member:1001 has earned ⌊12 850 / 100⌋ = 128.
    func fixture() throws -> ServerFixture {
        let fixture = try ServerFixture(aRecords: Self.records)
        try MemberStore.setProgramme(try ProgrammeFile.parse(Self.programme, file: "p.txt"), source: "p.txt", in: fixture.a)
        _ = try MemberSync.run(try fixture.a.buildSnapshot(), workspace: fixture.a, asOf: Day(year: 2026, month: 6, day: 3))
        return fixture
    }

    @Test("POST points: 201 posted, 200 replayed, 409 for a reused id or an overdraft, 400 for a bad body, 403 for a read key")
    func postPoints() async throws {
        let fixture = try fixture()
        try await fixture.withClient { client in
            let uri = "/v1/members/member:1001/points"
            let posted = try await client.execute(
                uri: uri, method: .post, headers: bearer(fixture.aWrite), body: buffer(#"{"operation_id": "gift-1", "kind": "earn", "points": 100, "reason": "生日礼"}"#))
            #expect(posted.status == .created)
            #expect(posted.json["entry"]?["balanceAfter"] == .number("228"))
            #expect(posted.json["replayed"] == .bool(false))
            let replayed = try await client.execute(
                uri: uri, method: .post, headers: bearer(fixture.aWrite), body: buffer(#"{"operation_id": "gift-1", "kind": "earn", "points": 100}"#))
            #expect(replayed.status == .ok)
            #expect(replayed.json["replayed"] == .bool(true))
            #expect(replayed.json["entry"]?["id"] == posted.json["entry"]?["id"])
            let conflict = try await client.execute(
                uri: uri, method: .post, headers: bearer(fixture.aWrite), body: buffer(#"{"operation_id": "gift-1", "kind": "earn", "points": 200}"#))
            #expect(conflict.status == .conflict)
            #expect(conflict.json["error"]?["code"] == .string("operation_conflict"))
            #expect(conflict.errorMessage?.contains("operation 'gift-1' was already posted with different content (points 100, now 200)") == true)
            let overdraft = try await client.execute(
                uri: uri, method: .post, headers: bearer(fixture.aWrite), body: buffer(#"{"operation_id": "r-1", "kind": "redeem", "points": 229}"#))
            #expect(overdraft.status == .conflict)
            #expect(overdraft.json["error"]?["code"] == .string("insufficient_points"))
            #expect(overdraft.errorMessage == "operation 'r-1': the balance is 228 points; taking 229 would make it negative, so nothing was posted")
            let redeemed = try await client.execute(
                uri: "/v1/members/1001/points", method: .post, headers: bearer(fixture.aWrite), body: buffer(#"{"operation_id": "r-2", "kind": "redeem", "points": 228}"#))
            #expect(redeemed.status == .created)
            #expect(redeemed.json["entry"]?["points"] == .number("-228"))
            let bad = try await client.execute(
                uri: uri, method: .post, headers: bearer(fixture.aWrite), body: buffer(#"{"operation_id": "x", "kind": "earn", "points": 1.5}"#))
            #expect(bad.status == .badRequest && bad.errorMessage == "points: expected a whole number")
            let badKind = try await client.execute(
                uri: uri, method: .post, headers: bearer(fixture.aWrite), body: buffer(#"{"operation_id": "x", "kind": "expire", "points": -5}"#))
            #expect(badKind.status == .badRequest && badKind.errorMessage == "kind: expected earn, redeem or adjust")
            let unknown = try await client.execute(
                uri: "/v1/members/member:404/points", method: .post, headers: bearer(fixture.aWrite), body: buffer(#"{"operation_id": "y", "kind": "earn", "points": 5}"#))
            #expect(unknown.status == .notFound)
            let readKey = try await client.execute(
                uri: uri, method: .post, headers: bearer(fixture.aRead), body: buffer(#"{"operation_id": "z", "kind": "earn", "points": 5}"#))
            #expect(readKey.status == .forbidden)
            // Another workspace's key never sees this member.
            let otherWorkspace = try await client.execute(uri: "/v1/members/member:1001", method: .get, headers: bearer(fixture.bRead))
            #expect(otherWorkspace.status == .notFound)
        }
        #expect(try MemberStore.member("member:1001", in: fixture.a)?.balance == 0)
        #expect(try PointsLedger(fixture.a).verify().isEmpty)
    }

    @Test("GET a member and the report")
    func reads() async throws {
        let fixture = try fixture()
        try await fixture.withClient { client in
            let member = try await client.execute(uri: "/v1/members/member%3A1001", method: .get, headers: bearer(fixture.aRead))
            #expect(member.status == .ok)
            #expect(member.json["member"]?["balance"] == .number("128"))
            #expect(member.json["tierName"] == .string("普通会员"))
            #expect(member.json["ledger"]?[0]?["operationID"] == .string("earn:o1"))
            #expect(member.json["title"] == .string("Member member:1001"))
            let report = try await client.execute(uri: "/v1/members/report?from=2026-06-01&to=2026-06-30", method: .get, headers: bearer(fixture.aRead))
            #expect(report.status == .ok)
            // member:1001 joined and first bought (one day later) in June.
            #expect(report.json["recruited"] == .number("1"))
            #expect(report.json["converted"] == .number("1"))
            if case .number(let days)? = report.json["medianDaysToFirstPurchase"] { #expect(Double(days) == 1) } else { Issue.record("no median: \(report.text)") }
            let bad = try await client.execute(uri: "/v1/members/report?from=June", method: .get, headers: bearer(fixture.aRead))
            #expect(bad.status == .badRequest && bad.errorMessage == "from: 'June' is not a day (YYYY-MM-DD)")
        }
    }
}

extension JSONValue {
    fileprivate subscript(index: Int) -> JSONValue? {
        if case .array(let items) = self, index < items.count { return items[index] }
        return nil
    }
}
