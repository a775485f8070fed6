import KehuIngest
import KehuModel
import KehuStore
import KehuTesting
import Testing
@testable import KehuActivation

/// Tags and audiences stored in a workspace, on the brand of ``HandBuiltBrand``.
@Suite struct TagStoreTests {
    func memberKeys(_ set: ConsumerSet, _ snapshot: Snapshot, _ workspace: Workspace) throws -> [String] {
        try set.members.map { c in
            let identity = try ConsumerIdentity.lookup(consumerID: snapshot.consumerIDs[c], in: workspace)!
            return identity.keys.filter { $0.key.type == .member }.map(\.key.value).sorted().joined(separator: "+")
        }.sorted()
    }

    @Test func ruleTagsReferencesAndCycles() throws {
        let (_, workspace, snapshot) = try HandBuiltBrand.make()
        let tags = TagStore(workspace: workspace)
        try tags.define(name: "carters", expression: "count(cart, 30d) >= 1", description: "加购人群")
        try tags.define(name: "vip", expression: "tag:carters and stage = P")
        // carters = {A, B}; vip = carters ∩ P{A, D} = {A}.
        #expect(try memberKeys(tags.members(of: "carters", in: snapshot), snapshot, workspace) == ["A", "B"])
        #expect(try memberKeys(tags.members(of: "vip", in: snapshot), snapshot, workspace) == ["A"])
        #expect(try tags.list().map(\.name) == ["carters", "vip"])
        #expect(try tags.tag(named: "carters")?.description == "加购人群")

        // Redefining carters to mention vip would close a loop; "stage = L or " is 13 characters.
        let cycle = #expect(throws: ActivationError.self) { try tags.define(name: "carters", expression: "stage = L or tag:vip") }
        guard case .expression(let error) = cycle else { Issue.record("\(String(describing: cycle))"); return }
        #expect(error.column == 14)
        #expect(error.message == "tag 'carters' would refer to itself: carters → vip → carters")
        #expect(throws: ActivationError.self) { try tags.define(name: "self", expression: "tag:self") }
        let unknown = #expect(throws: ActivationError.self) { try tags.define(name: "x", expression: "member and tag:nope") }
        #expect(unknown?.description.hasPrefix("column 12: unknown tag 'nope' (defined: carters, vip)") == true)
        #expect(throws: ActivationError.self) { try tags.define(name: "bad name!", expression: "member") }

        // carters is used by vip; vip can go first, then carters.
        let inUse = #expect(throws: ActivationError.self) { try tags.delete(name: "carters") }
        #expect(inUse == .inUse(name: "carters", by: ["tag vip"]))
        try tags.delete(name: "vip")
        try tags.delete(name: "carters")
        #expect(try tags.list().isEmpty)
        #expect(throws: ActivationError.self) { try tags.delete(name: "carters") }
    }

    @Test func importHashesPhonesAndReportsBadLines() throws {
        let (dir, workspace, snapshot) = try HandBuiltBrand.make()
        let file = dir.path + "/keys.txt"
        // Lines 1-3 are keys of c1, c3 and c5 (a raw phone with spaces, hashed with the workspace
        // salt as at ingest); line 4 a phone and line 10 a buyer id the workspace never saw; line 5
        // has no type; line 6 an empty value; line 7 repeats line 1; 8 is a comment, 9 is blank.
        // Data lines: 1-7 and 10 = 8; distinct valid keys: A, C, phone 138..., phone 139..., buyer:zzz = 5.
        try """
            member:A
            member:C
            phone:138 0013 8000
            phone:13900000000
            bogus
            member:
            member:A
            # comment

            buyer:zzz
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let hasher = KeyHasher(salt: workspace.salt)
        let keys = try KeyFile.read(path: file) { type, value in try hasher.identityKey(type: type, value: value) }
        #expect(keys.lines == 8)
        #expect(keys.badLines.map(\.line) == [5, 6])
        #expect(keys.badLines[0].reason == "an identity key must be type:value (e.g. member:1001)")
        #expect(keys.badLines[1].reason == "the member key has an empty value")
        #expect(keys.keys.contains(HandBuiltBrand.phone))
        let tags = TagStore(workspace: workspace)
        let summary = try tags.importKeys(name: "crm-list", keys: keys.keys)
        #expect(summary == TagImportSummary(keys: 5, matched: 3, notInStore: 2))
        #expect(try memberKeys(tags.members(of: "crm-list", in: snapshot), snapshot, workspace) == ["A", "C", "E"])
        #expect(try tags.tag(named: "crm-list")?.kind == .imported)
        #expect(try tags.tag(named: "crm-list")?.storedKeys == 3)
        // A rule tag cannot be overwritten by an import.
        try tags.define(name: "rule", expression: "member")
        #expect(throws: ActivationError.self) { try tags.importKeys(name: "rule", keys: keys.keys) }

        // A CSV column of raw phones: line 1 is the header; line 3 is not a phone number.
        let csv = try KeyFile.parse(
            "name,mobile\n张三,138-0013-8000\n李四,not-a-phone\n", file: "list.csv", column: "mobile", keyType: .phone
        ) { type, value in try hasher.identityKey(type: type, value: value) }
        #expect(csv.keys == [HandBuiltBrand.phone])
        #expect(csv.badLines.map(\.line) == [3])
        let missing = #expect(throws: ActivationError.self) {
            try KeyFile.parse("name,phone\n", file: "list.csv", column: "mobile") { type, value in IdentityKey(type: type, value: String(value)) }
        }
        #expect(missing?.description == "list.csv:1: the header has no column 'mobile' (columns: name, phone)")
    }

    @Test func writeBackSurvivesAMergeOfIdentities() throws {
        let (dir, workspace, snapshot) = try HandBuiltBrand.make()
        // The directory must outlive the later ingest (it is removed when released).
        defer { withExtendedLifetime(dir) {} }
        let tags = TagStore(workspace: workspace)
        let audiences = AudienceStore(workspace: workspace)
        // Responders: c2 (B) and c6 (F).
        var evaluator = ExpressionEvaluator(snapshot: snapshot)
        let responders = try evaluator.evaluate("channel = douyin or visitor(30d) = returning")
        #expect(try memberKeys(responders, snapshot, workspace) == ["B", "F"])
        let summary = try tags.writeBack(name: "responded-618", consumers: responders, in: snapshot, description: "618 coupon")
        #expect(summary == WriteBackSummary(consumers: 2, added: 2, withoutKey: 0))
        // Writing the same consumers again adds nothing.
        #expect(try tags.writeBack(name: "responded-618", consumers: responders, in: snapshot).added == 0)
        try audiences.define(name: "carts", expression: "count(cart, 30d) >= 1")
        let taken = try audiences.takeSnapshot(of: "carts", in: snapshot)
        #expect(taken.size == 2)
        #expect(taken.asOf == Day(year: 2026, month: 6, day: 30))

        // A new event shows B and F are one person: the next snapshot has 5 consumers.
        try ingest([event("merge", HandBuiltBrand.at(6, 30, hour: 20), .view, ["member:B", "member:F"], channel: "tmall")], into: workspace)
        let later = try workspace.buildSnapshot()
        #expect(later.consumerCount == 5)
        let found = try tags.members(of: "responded-618", in: later)
        #expect(try memberKeys(found, later, workspace) == ["B+F"])
        // The audience snapshot (c1 and c2 then) still finds both: c1, and c2 merged with c6.
        #expect(try memberKeys(audiences.members(ofSnapshot: taken.id, in: later), later, workspace) == ["A", "B+F"])
        #expect(try audiences.snapshots(of: "carts").map(\.id) == [taken.id])
        #expect(throws: ActivationError.self) { try tags.define(name: "responded-618", expression: "member") }
    }

    @Test func exportPicksOneChannelKeyPerConsumerAndCountsTheRest() throws {
        let (_, workspace, snapshot) = try HandBuiltBrand.make()
        let everyone = ConsumerSet.all(capacity: snapshot.consumerCount)
        func export(_ channel: ExportChannel) throws -> (keys: [String], without: Int) {
            let result = try AudienceExport.compute(everyone, in: snapshot, workspace: workspace, channel: channel)
            #expect(result.consumers == 6)
            return (result.rows.map(\.key.description).sorted(), result.withoutKey)
        }
        // Buyer ids: c1 jd_a1 and tm_a1, c2 dy_b, c3 c3plain (no platform prefix).
        // Tmall: c1's tm_ id; c3's unprefixed id; c2's Douyin id is not a Tmall id -> 4 without.
        #expect(try export(.tmall) == (["buyer:c3plain", "buyer:tm_a1"], 4))
        #expect(try export(.jd) == (["buyer:c3plain", "buyer:jd_a1"], 4))
        #expect(try export(.douyin) == (["buyer:c3plain", "buyer:dy_b"], 4))
        // Openids: c1 oA, c4 oD.
        #expect(try export(.wechatMP) == (["openid:oA", "openid:oD"], 4))
        // Only c5 has a phone, stored (and exported) as the salted digest.
        #expect(try export(.sms) == ([HandBuiltBrand.phone.description], 5))
        #expect(try export(.email) == ([], 6))
        #expect(try export(.crm).keys == ["member:A", "member:B", "member:C", "member:D", "member:E", "member:F"])
        let csv = try AudienceExport.compute(everyone, in: snapshot, workspace: workspace, channel: .wechatMP).csv()
        #expect(csv.hasPrefix("consumer_id,key_type,key\n"))
        #expect(csv.split(separator: "\n").count == 3)
    }

    @Test func audiencesDefineListAndOverlap() throws {
        let (_, workspace, snapshot) = try HandBuiltBrand.make()
        let tags = TagStore(workspace: workspace)
        let audiences = AudienceStore(workspace: workspace)
        try tags.define(name: "vip", expression: "sum(pay, 365d) > 1000")
        // Complaints came from the jd customer, c3.
        var complaints = ExpressionEvaluator(snapshot: snapshot)
        try tags.writeBack(name: "complained", consumers: try complaints.evaluate("channel = jd"), in: snapshot)
        // The issue's example: vip {A, C} and stage in (I, P) {A, D, E} = {A}; not complained {C}: {A}.
        try audiences.define(name: "target", expression: "tag:vip and stage in (I,P) and not tag:complained")
        try audiences.define(name: "payers", expression: "stage in (P, L)")
        let list = try AudienceListReport.compute(audiences, snapshot, asOf: nil)
        #expect(list.audiences.map(\.name) == ["payers", "target"])
        // payers {A, C, D}.
        #expect(list.audiences.map(\.size) == [3, 1])
        var evaluator = ExpressionEvaluator(snapshot: snapshot, tags: tags)
        let a = try evaluator.evaluate("stage in (P, L)")
        let b = try evaluator.evaluate("channel = tmall")
        // A {A, C, D}, B {A, D, E, F}: both {A, D} = 2, union 5, Jaccard 0.4.
        let overlap = AudienceOverlapReport(workspace: "brand", asOf: evaluator.asOf, first: "A", second: "B", a: a, b: b)
        #expect((overlap.firstSize, overlap.secondSize, overlap.both, overlap.union) == (3, 4, 2, 5))
        #expect(overlap.jaccard == 0.4)
        #expect(throws: ActivationError.self) { try audiences.define(name: "bad", expression: "stage in (P, Q)") }
        #expect(throws: ActivationError.self) { try tags.delete(name: "vip") }
        try audiences.delete(name: "target")
        try tags.delete(name: "vip")
    }
}
