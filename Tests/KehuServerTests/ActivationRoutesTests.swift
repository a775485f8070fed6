import Foundation
import Hummingbird
import HummingbirdTesting
import KehuActivation
import KehuIngest
import KehuModel
import KehuStore
import KehuTesting
import Testing
@testable import KehuServer

/// Hand-built data for the activation API: four consumers, as of 2026-06-12 (the last day with
/// data: c2's cart). Stage breakdowns list `-` (no stage) first, then A, I, P, L.
///
/// | consumer | keys | events (20:00 Shanghai) | stage as of 06-12 | channels |
/// |---|---|---|---|---|
/// | c1 | buyer:tm_b1, member:m1, phone 13800138001 (hashed) | views 06-01..03 tmall, pay 06-05 ¥100 | P (one purchase, no review) | tmall |
/// | c2 | buyer:tm_b2, openid:o2 | views 06-01..03 tmall, cart 06-12 | I (cart on the day) | tmall |
/// | c3 | openid:o3, member:m3 | views 06-01..03 and 06-10 wechat_mp | A (views in 15 days) | wechat_mp |
/// | c4 | buyer:tm_b4 | views 06-01..03 jd, pays 06-04 ¥200 and 06-06 ¥300 tmall | L (two purchases) | jd, tmall |
///
/// Catalogue ids follow the order the consumers first appear: c1 = 1 ... c4 = 4.
enum ActivationData {
    static let phone = "13800138001"

    /// The records, with c1's phone hashed with `workspace`'s salt as ingestion would.
    static func records(for workspace: Workspace) throws -> [EventRecord] {
        let hashedPhone = try KeyHasher(salt: workspace.salt).identityKey(raw: "phone:" + phone).description
        var records: [EventRecord] = []
        func views(_ name: String, _ keys: [String], channel: String) {
            for day in 1...3 {
                records.append(event("\(name)-v\(day)", TestClock.at(2026, 6, day, hour: 20), .view, day == 1 ? keys : [keys[0]], channel: channel))
            }
        }
        views("c1", ["buyer:tm_b1", "member:m1", hashedPhone], channel: "tmall")
        views("c2", ["buyer:tm_b2", "openid:o2"], channel: "tmall")
        views("c3", ["openid:o3", "member:m3"], channel: "wechat_mp")
        views("c4", ["buyer:tm_b4"], channel: "jd")
        records.append(event("c1-p", TestClock.at(2026, 6, 5, hour: 20), .pay, ["buyer:tm_b1"], order: "o1", amount: 10_000))
        records.append(event("c2-c", TestClock.at(2026, 6, 12, hour: 20), .cart, ["buyer:tm_b2"]))
        records.append(event("c3-v", TestClock.at(2026, 6, 10, hour: 20), .view, ["openid:o3"], channel: "wechat_mp"))
        records.append(event("c4-p1", TestClock.at(2026, 6, 4, hour: 20), .pay, ["buyer:tm_b4"], order: "o4", amount: 20_000))
        records.append(event("c4-p2", TestClock.at(2026, 6, 6, hour: 20), .pay, ["buyer:tm_b4"], order: "o5", amount: 30_000))
        return records
    }

    /// A fixture whose workspace `a` holds the records (and `b` the same events, for isolation tests).
    static func fixture(withB: Bool = false) throws -> ServerFixture {
        let fixture = try ServerFixture()
        try ingest(try records(for: fixture.a), into: fixture.a)
        if withB { try ingest(try records(for: fixture.b), into: fixture.b) }
        return fixture
    }
}

func jsonHeaders(_ key: APIKey) -> HTTPFields {
    var fields = bearer(key)
    fields[.contentType] = "application/json"
    return fields
}

extension TestClientProtocol {
    /// A request with `key` as a bearer token and `body` as JSON.
    func call(_ method: HTTPRequest.Method, _ uri: String, _ key: APIKey?, _ body: String? = nil) async throws -> TestResponse {
        try await execute(uri: uri, method: method, headers: key.map(jsonHeaders) ?? [:], body: body.map(buffer))
    }
}

/// `[{"group", "consumers"}]` as (group, consumers) pairs.
func groups(_ value: JSONValue?) -> [String] {
    guard case .array(let items)? = value else { return [] }
    return items.map { "\($0["group"]?.text ?? "?")=\($0["consumers"]?.text ?? "?")" }
}

@Suite("activation API: tags and audiences")
struct ActivationRoutesTests {
    @Test("tags: define (201, then 200), list with sizes, show by stage and channel; the CLI's store sees the same tags, and back")
    func tags() async throws {
        let fixture = try ActivationData.fixture()
        #expect(try ConsumerIdentity.lookup(IdentityKey(type: .buyer, value: "tm_b4"), in: fixture.a)?.consumerID == 4)
        try await fixture.withClient { client in
            var response = try await client.call(.put, "/v1/tags/buyers", fixture.aWrite, #"{"expression": "stage in (P, L)", "description": "买过的"}"#)
            #expect(response.status == .created, "\(response.text)")
            #expect(response.json["kind"] == .string("rule") && response.json["expression"] == .string("stage in (P, L)"))
            #expect(response.json["description"] == .string("买过的") && response.json["path"] == .string("/v1/tags/buyers"))
            response = try await client.call(.put, "/v1/tags/buyers", fixture.aWrite, #"{"expression": "stage in (P, L)"}"#)
            #expect(response.status == .ok, "\(response.text)")
            // 加购 percent-encoded in the path.
            response = try await client.call(.put, "/v1/tags/%E5%8A%A0%E8%B4%AD", fixture.aWrite, #"{"expression": "count(cart, 30d) >= 1"}"#)
            #expect(response.status == .created && response.json["path"] == .string("/v1/tags/%E5%8A%A0%E8%B4%AD"), "\(response.text)")
        }
        // Defined through the library, as `kehu tag define` does.
        try TagStore(workspace: fixture.a).define(name: "cli_l", expression: "stage = L")
        #expect(try TagStore(workspace: fixture.a).list().map(\.name) == ["buyers", "cli_l", "加购"])
        try await fixture.withClient { client in
            // buyers = P or L = {c1, c4}; cli_l = {c4}; 加购 = a cart in 30 days = {c2}.
            var response = try await client.call(.get, "/v1/tags", fixture.aRead)
            #expect(response.status == .ok, "\(response.text)")
            #expect(response.json["asOf"] == .string("2026-06-12") && response.json["consumers"] == .number("4"))
            #expect(response.json["title"] == .string("Tags 标签"))
            guard case .array(let lines)? = response.json["tags"] else {
                Issue.record("no tags: \(response.text)")
                return
            }
            #expect(lines.map { "\($0["name"]?.text ?? "")=\($0["size"]?.text ?? "")" } == ["buyers=2", "cli_l=1", "加购=1"])

            // show buyers: stages A 0, I 0, P 1 (c1), L 1 (c4); channels tmall 2 (c1, c4), jd 1 (c4).
            response = try await client.call(.get, "/v1/tags/buyers", fixture.aRead)
            #expect(response.status == .ok, "\(response.text)")
            #expect(response.json["size"] == .number("2") && response.json["kind"] == .string("rule"))
            #expect(groups(response.json["byStage"]) == ["-=0", "A=0", "I=0", "P=1", "L=1"])
            #expect(groups(response.json["byChannel"]) == ["tmall=2", "jd=1"])
            #expect(response.json["title"] == .string("Tag 标签 buyers"))
            // As of 06-03 nobody had paid yet.
            response = try await client.call(.get, "/v1/tags/buyers?as-of=2026-06-03", fixture.aRead)
            #expect(response.json["size"] == .number("0") && response.json["asOf"] == .string("2026-06-03"), "\(response.text)")
        }
    }

    @Test("tags: import keys (phones hashed as at ingest; unknown keys counted, never echoed), delete refused while used (409), then deleted")
    func importAndDelete() async throws {
        let fixture = try ActivationData.fixture()
        try await fixture.withClient { client in
            // 6 entries: 4 valid distinct keys (c1's phone in clear, c4's buyer id, two the
            // workspace never saw) and 2 bad ones (no type; a number).
            let keys = #"["phone:13800138001", "buyer:tm_b4", "buyer:tm_unknown", "member:nobody", "bogus", 7]"#
            var response = try await client.call(.post, "/v1/tags/vip/import", fixture.aWrite, keys)
            #expect(response.status == .created, "\(response.text)")
            #expect(response.json["given"] == .number("6") && response.json["bad"] == .number("2"))
            #expect(response.json["keys"] == .number("4") && response.json["matched"] == .number("2") && response.json["notInStore"] == .number("2"))
            guard case .array(let bad)? = response.json["badKeys"] else {
                Issue.record("no badKeys: \(response.text)")
                return
            }
            #expect(bad.map { $0["index"] } == [.number("4"), .number("5")])
            #expect(bad.last?["reason"] == .string("expected a string, got a number"))
            for secret in ["13800138001", "tm_unknown", "nobody", "bogus"] { #expect(!response.text.contains(secret), "\(secret) echoed") }
            // vip = {c1, c4}: stages P 1, L 1.
            response = try await client.call(.get, "/v1/tags/vip", fixture.aRead)
            #expect(response.json["size"] == .number("2") && response.json["kind"] == .string("imported"), "\(response.text)")

            // Again with raw phones and key-type: replaces the members with c1 alone.
            response = try await client.call(
                .post, "/v1/tags/vip/import", fixture.aWrite, #"{"keys": ["13800138001"], "key-type": "phone", "description": "VIP 名单"}"#)
            #expect(response.status == .ok && response.json["matched"] == .number("1"), "\(response.text)")
            response = try await client.call(.get, "/v1/tags/vip", fixture.aRead)
            #expect(response.json["size"] == .number("1") && groups(response.json["byStage"]) == ["-=0", "A=0", "I=0", "P=1", "L=0"], "\(response.text)")

            // An imported tag cannot be redefined by a rule.
            response = try await client.call(.put, "/v1/tags/vip", fixture.aWrite, #"{"expression": "stage = P"}"#)
            #expect(response.status == .conflict && response.json["code"] == .string("kind_conflict"), "\(response.text)")

            // In use by an audience: 409 naming it; the tag stays.
            response = try await client.call(.put, "/v1/audiences/vips", fixture.aWrite, #"{"expression": "tag:vip and stage = P"}"#)
            #expect(response.status == .created, "\(response.text)")
            response = try await client.call(.delete, "/v1/tags/vip", fixture.aWrite)
            #expect(response.status == .conflict && response.json["code"] == .string("in_use"), "\(response.text)")
            #expect(response.errorMessage == "'vip' is used by audience vips; change or delete those first")
            response = try await client.call(.delete, "/v1/audiences/vips", fixture.aWrite)
            #expect(response.status == .ok && response.json["deleted"] == .string("vips"), "\(response.text)")
            response = try await client.call(.delete, "/v1/tags/vip", fixture.aWrite)
            #expect(response.status == .ok, "\(response.text)")
            response = try await client.call(.get, "/v1/tags/vip", fixture.aRead)
            #expect(response.status == .notFound && response.errorMessage == "no tag called 'vip' (no tags are defined; see kehu tag define)")
            response = try await client.call(.delete, "/v1/tags/vip", fixture.aWrite)
            #expect(response.status == .notFound)
        }
        #expect(try TagStore(workspace: fixture.a).list().isEmpty)
    }

    /// Bad tag requests: method, path, body, and the start of the message (or its code).
    static let badTags: [(method: HTTPRequest.Method, path: String, body: String, status: HTTPResponse.Status, message: String)] = [
        (.put, "/v1/tags/x", #"{"expression": "count(cart, 30x) >= 2"}"#, .badRequest, "expression: column 13: expected a window like 30d, got '30x'"),
        (.put, "/v1/tags/x", #"{"expression": "tag:nope"}"#, .badRequest, "expression: column 1: unknown tag 'nope'"),
        (.put, "/v1/tags/x", #"{"expression": "tag:x"}"#, .badRequest, "expression: column 1: tag 'x' would refer to itself"),
        (.put, "/v1/tags/x", #"{"expression": "stage = P", "colour": 1}"#, .badRequest, "colour: not a field of a tag definition"),
        (.put, "/v1/tags/x", #"{"expression": 5}"#, .badRequest, "expression: expected a string, got a number"),
        (.put, "/v1/tags/x", #"{"description": "d"}"#, .badRequest, "expression: missing"),
        (.put, "/v1/tags/x", #"[1]"#, .badRequest, "body: expected a JSON object, got an array"),
        (.put, "/v1/tags/%20bad", #"{"expression": "stage = P"}"#, .badRequest, "name: the tag name ' bad' is not valid"),
        (.get, "/v1/tags?colour=red", "", .badRequest, "colour: not a parameter of GET /v1/tags (as-of)"),
        (.get, "/v1/tags/x?as-of=June", "", .badRequest, "as-of: 'June' is not a day (YYYY-MM-DD)"),
        (.get, "/v1/tags/x", "", .notFound, "no tag called 'x' (no tags are defined; see kehu tag define)"),
        (.post, "/v1/tags/x/import", #"[]"#, .badRequest, "keys: the list is empty"),
        (.post, "/v1/tags/x/import", #"["bogus", "fax:1"]"#, .badRequest, "keys: none of the 2 keys is valid (keys[0]: "),
        (.post, "/v1/tags/x/import", #"{"keys": ["1"], "key-type": "fax"}"#, .badRequest, "key-type: expected one of"),
        (.post, "/v1/tags/x/import", #"{"keys": "member:1"}"#, .badRequest, "keys: expected a list of strings, got a string"),
        (.post, "/v1/tags/x/import", #"{"key": ["member:1"]}"#, .badRequest, "key: not a field of a tag import"),
        (.post, "/v1/tags/x/import", #""member:1""#, .badRequest, "body: expected a list of identity keys or an object with keys, got a string"),
    ]

    @Test("a bad tag request is a 400 (or 404) naming the field; an expression mistake carries its column", arguments: ActivationRoutesTests.badTags.indices)
    func badTag(_ index: Int) async throws {
        let request = Self.badTags[index]
        let fixture = try ActivationData.fixture()
        try await fixture.withClient { client in
            let response = try await client.call(request.method, request.path, request.method == .get ? fixture.aRead : fixture.aWrite, request.body)
            #expect(response.status == request.status, "\(request.path) \(request.body): \(response.text)")
            #expect(response.errorMessage?.hasPrefix(request.message) == true, "\(request.body): \(response.errorMessage ?? response.text)")
            if request.message.contains("column 13") {
                #expect(response.json["column"] == .number("13") && response.json["error"]?["column"] == .number("13"))
                #expect(response.json["code"] == .string("bad_expression"))
                // The caret line, as the CLI prints it.
                #expect(response.errorMessage?.hasSuffix("  count(cart, 30x) >= 2\n              ^^^") == true, "\(response.errorMessage ?? "")")
            }
        }
        #expect(try TagStore(workspace: fixture.a).list().isEmpty)
    }

    @Test("audiences: define, list, size by stage and channel, estimate (read key), overlap, snapshots kept after delete")
    func audiences() async throws {
        let fixture = try ActivationData.fixture()
        try TagStore(workspace: fixture.a).define(name: "buyers", expression: "stage in (P, L)")
        try TagStore(workspace: fixture.a).define(name: "加购", expression: "count(cart, 30d) >= 1")
        try await fixture.withClient { client in
            // target = buyers {c1, c4} or 加购 {c2} = {c1, c2, c4}; interested = I or A = {c2, c3}.
            var response = try await client.call(.put, "/v1/audiences/target", fixture.aWrite, #"{"expression": "tag:buyers or tag:加购", "description": "618"}"#)
            #expect(response.status == .created && response.json["path"] == .string("/v1/audiences/target"), "\(response.text)")
            response = try await client.call(.put, "/v1/audiences/interested", fixture.aWrite, #"{"expression": "stage in (I, A)"}"#)
            #expect(response.status == .created, "\(response.text)")
            response = try await client.call(.put, "/v1/audiences/interested", fixture.aWrite, #"{"expression": "stage in (I, A)"}"#)
            #expect(response.status == .ok, "\(response.text)")

            response = try await client.call(.get, "/v1/audiences", fixture.aRead)
            guard case .array(let lines)? = response.json["audiences"] else {
                Issue.record("no audiences: \(response.text)")
                return
            }
            #expect(lines.map { "\($0["name"]?.text ?? "")=\($0["size"]?.text ?? "")" } == ["interested=2", "target=3"])

            // target: stages I 1 (c2), P 1 (c1), L 1 (c4); channels tmall 3, jd 1.
            response = try await client.call(.get, "/v1/audiences/target", fixture.aRead)
            #expect(response.status == .ok && response.json["size"] == .number("3"), "\(response.text)")
            #expect(groups(response.json["byStage"]) == ["-=0", "A=0", "I=1", "P=1", "L=1"])
            #expect(groups(response.json["byChannel"]) == ["tmall=3", "jd=1"])
            #expect(response.json["expression"] == .string("tag:buyers or tag:加购") && response.json["description"] == .string("618"))

            // An unsaved expression, with a read key: stage A = {c3} on wechat_mp; as of 06-03
            // everyone had only views, so all four are in A.
            response = try await client.call(.post, "/v1/audiences/estimate", fixture.aRead, #"{"expression": "stage = A"}"#)
            #expect(response.status == .ok && response.json["size"] == .number("1"), "\(response.text)")
            #expect(response.json["kind"] == .string("expression") && groups(response.json["byChannel"]) == ["wechat_mp=1"])
            response = try await client.call(.post, "/v1/audiences/estimate", fixture.aRead, #"{"expression": "stage = A", "as-of": "2026-06-03"}"#)
            #expect(response.json["size"] == .number("4") && response.json["asOf"] == .string("2026-06-03"), "\(response.text)")
            response = try await client.call(.post, "/v1/audiences/estimate", fixture.aRead, #"{"expression": "stage in (P, Q)"}"#)
            #expect(response.status == .badRequest && response.json["column"] != nil && response.json["code"] == .string("bad_expression"), "\(response.text)")

            // Overlap: target ∩ interested = {c2}; union 4; Jaccard 1/4.
            response = try await client.call(.get, "/v1/audiences/target/overlap/interested", fixture.aRead)
            #expect(response.status == .ok, "\(response.text)")
            #expect(response.json["firstSize"] == .number("3") && response.json["secondSize"] == .number("2"))
            #expect(response.json["both"] == .number("1") && response.json["union"] == .number("4") && response.json["jaccard"] == .number("0.25"))
            response = try await client.call(.get, "/v1/audiences/target/overlap/nope", fixture.aRead)
            #expect(response.status == .notFound && response.errorMessage == "no audience called 'nope' (defined: interested, target)")

            // Snapshots: taken now (3 consumers, each with a key), listed, and kept after the audience goes.
            response = try await client.call(.post, "/v1/audiences/target/snapshots", fixture.aWrite)
            #expect(response.status == .created, "\(response.text)")
            guard case .array(let taken)? = response.json["snapshots"], taken.count == 1 else {
                Issue.record("no snapshot: \(response.text)")
                return
            }
            #expect(taken[0]["size"] == .number("3") && taken[0]["withoutKey"] == .number("0") && taken[0]["asOf"] == .string("2026-06-12"))
            response = try await client.call(.post, "/v1/audiences/target/snapshots", fixture.aWrite, #"{"as-of": "2026-06-03"}"#)
            guard case .array(let second)? = response.json["snapshots"] else { return }
            // As of 06-03 nobody had paid or carted: target is empty.
            #expect(second.first?["size"] == .number("0"), "\(response.text)")
            response = try await client.call(.delete, "/v1/audiences/target", fixture.aWrite)
            #expect(response.status == .ok)
            response = try await client.call(.get, "/v1/audiences/target/snapshots", fixture.aRead)
            guard case .array(let kept)? = response.json["snapshots"] else {
                Issue.record("no snapshots: \(response.text)")
                return
            }
            #expect(kept.map { $0["size"] } == [.number("0"), .number("3")], "newest first")
            response = try await client.call(.get, "/v1/audiences/target", fixture.aRead)
            #expect(response.status == .notFound && response.errorMessage == "no audience called 'target' (defined: interested)")
            response = try await client.call(.get, "/v1/audiences/nope/snapshots", fixture.aRead)
            #expect(response.status == .notFound)
        }
        // The CLI's store sees the API's audience, and the API the CLI's.
        #expect(try AudienceStore(workspace: fixture.a).audience(named: "interested").expression == "stage in (I, A)")
        try AudienceStore(workspace: fixture.a).define(name: "cli", expression: "stage = L")
        try await fixture.withClient { client in
            let response = try await client.call(.get, "/v1/audiences/cli", fixture.aRead)
            #expect(response.json["size"] == .number("1") && groups(response.json["byStage"]) == ["-=0", "A=0", "I=0", "P=0", "L=1"], "\(response.text)")
        }
    }

    @Test("export: one key per consumer for the channel, paged JSON or CSV, with the count lacking such a key")
    func export() async throws {
        let fixture = try ActivationData.fixture()
        try AudienceStore(workspace: fixture.a).define(name: "target", expression: "stage in (I, P, L)")
        let hashedPhone = try KeyHasher(salt: fixture.a.salt).identityKey(raw: "phone:" + ActivationData.phone).value
        try await fixture.withClient { client in
            // target = {c1, c2, c4}: tmall buyer ids for all three.
            var response = try await client.call(.get, "/v1/audiences/target/export?channel=tmall", fixture.aWrite)
            #expect(response.status == .ok, "\(response.text)")
            #expect(response.json["exported"] == .number("3") && response.json["withoutKey"] == .number("0") && response.json["keyType"] == .string("buyer"))
            #expect(response.json["keys"]?.serializedText == #"[{"consumerId":1,"key":"tm_b1","keyType":"buyer"},{"consumerId":2,"key":"tm_b2","keyType":"buyer"},{"consumerId":4,"key":"tm_b4","keyType":"buyer"}]"#)
            #expect(response.json["total"] == .number("3") && response.json["next"] == .null && response.json["file"] == nil)
            // WeChat: only c2 has an openid (c3 has one but is not in the audience); 2 without.
            response = try await client.call(.get, "/v1/audiences/target/export?channel=wechat_mp", fixture.aWrite)
            #expect(response.json["exported"] == .number("1") && response.json["withoutKey"] == .number("2"), "\(response.text)")
            #expect(response.json["keys"]?.serializedText == #"[{"consumerId":2,"key":"o2","keyType":"openid"}]"#)
            // SMS: c1's phone, as the salted digest stored at ingest.
            response = try await client.call(.get, "/v1/audiences/target/export?channel=sms", fixture.aWrite)
            #expect(response.json["keys"]?.serializedText == #"[{"consumerId":1,"key":"\#(hashedPhone)","keyType":"phone"}]"#, "\(response.text)")
            // Pages of 2.
            response = try await client.call(.get, "/v1/audiences/target/export?channel=tmall&limit=2", fixture.aWrite)
            #expect(response.json["next"] == .number("2") && response.json["limit"] == .number("2"))
            response = try await client.call(.get, "/v1/audiences/target/export?channel=tmall&limit=2&offset=2", fixture.aWrite)
            #expect(response.json["keys"]?.serializedText == #"[{"consumerId":4,"key":"tm_b4","keyType":"buyer"}]"# && response.json["next"] == .null)
            // CSV: every row, the counts in headers.
            response = try await client.call(.get, "/v1/audiences/target/export?channel=wechat_mp&format=csv", fixture.aWrite)
            #expect(response.status == .ok && response.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(response.text == "consumer_id,key_type,key\n2,openid,o2\n")
            #expect(response.headers[.init("Kehu-Without-Key")!] == "2" && response.headers[.init("Kehu-Consumers")!] == "3")

            response = try await client.call(.get, "/v1/audiences/target/export?channel=fax", fixture.aWrite)
            #expect(response.status == .badRequest && response.errorMessage == "channel: expected one of tmall, jd, douyin, wechat_mp, sms, email, crm (got 'fax')")
            response = try await client.call(.get, "/v1/audiences/target/export", fixture.aWrite)
            #expect(response.status == .badRequest && response.errorMessage?.hasPrefix("channel: missing") == true)
            response = try await client.call(.get, "/v1/audiences/target/export?channel=tmall&format=xml", fixture.aWrite)
            #expect(response.status == .badRequest && response.errorMessage == "format: expected json or csv (got 'xml')")
            response = try await client.call(.get, "/v1/audiences/target/export?channel=tmall&limit=0", fixture.aWrite)
            #expect(response.status == .badRequest && response.errorMessage == "limit: expected a whole number from 1 to 10000")
            response = try await client.call(.get, "/v1/audiences/nope/export?channel=tmall", fixture.aWrite)
            #expect(response.status == .notFound && response.errorMessage == "no audience called 'nope' (defined: target)")
        }
    }

    /// Every write of tags and audiences, with a body that would succeed.
    static let writes: [(method: HTTPRequest.Method, path: String, body: String)] = [
        (.put, "/v1/tags/t", #"{"expression": "stage = P"}"#),
        (.post, "/v1/tags/imp/import", #"["member:m1"]"#),
        (.delete, "/v1/tags/buyers", ""),
        (.put, "/v1/audiences/a", #"{"expression": "stage = P"}"#),
        (.post, "/v1/audiences/target/snapshots", ""),
        (.delete, "/v1/audiences/target", ""),
    ]

    @Test("no key is 401 everywhere; a read key on a write is 403 and changes nothing")
    func auth() async throws {
        let fixture = try ActivationData.fixture()
        try TagStore(workspace: fixture.a).define(name: "buyers", expression: "stage in (P, L)")
        try AudienceStore(workspace: fixture.a).define(name: "target", expression: "stage = L")
        try await fixture.withClient { client in
            for (method, path) in [(HTTPRequest.Method.get, "/v1/tags"), (.get, "/v1/tags/buyers"), (.get, "/v1/audiences"), (.get, "/v1/audiences/target"),
                                   (.post, "/v1/audiences/estimate"), (.get, "/v1/audiences/target/overlap/target"),
                                   (.get, "/v1/audiences/target/export?channel=tmall"), (.get, "/v1/audiences/target/snapshots")] + Self.writes.map({ ($0.method, $0.path) }) {
                let response = try await client.call(method, path, nil, "{}")
                #expect(response.status == .unauthorized, "\(method) \(path)")
            }
            // Exported keys leave Kehu: a read key gets 403 there too.
            let export = try await client.call(.get, "/v1/audiences/target/export?channel=tmall", fixture.aRead)
            #expect(export.status == .forbidden, "\(export.text)")
            for write in Self.writes {
                let response = try await client.call(write.method, write.path, fixture.aRead, write.body)
                #expect(response.status == .forbidden, "\(write.method) \(write.path): \(response.text)")
                #expect(response.errorMessage == "this endpoint needs a write key; the key given is a read key")
            }
        }
        #expect(try TagStore(workspace: fixture.a).list().map(\.name) == ["buyers"])
        #expect(try AudienceStore(workspace: fixture.a).list().map(\.name) == ["target"])
        #expect(try AudienceStore(workspace: fixture.a).snapshots().isEmpty)
        // With a write key the same requests succeed: the 403s above were about the role only.
        try await fixture.withClient { client in
            for write in Self.writes {
                let response = try await client.call(write.method, write.path, fixture.aWrite, write.body.isEmpty ? nil : write.body)
                #expect(response.status.code < 300, "\(write.method) \(write.path): \(response.text)")
            }
        }
    }

    @Test("a key of workspace B never sees or changes A's tags and audiences")
    func isolation() async throws {
        let fixture = try ActivationData.fixture(withB: true)
        try TagStore(workspace: fixture.a).define(name: "buyers", expression: "stage in (P, L)")
        try AudienceStore(workspace: fixture.a).define(name: "target", expression: "tag:buyers")
        try await fixture.withClient { client in
            var response = try await client.call(.get, "/v1/tags", fixture.bRead)
            #expect(response.status == .ok && response.json["tags"] == .array([]), "\(response.text)")
            response = try await client.call(.get, "/v1/audiences", fixture.bRead)
            #expect(response.json["audiences"] == .array([]))
            response = try await client.call(.get, "/v1/tags/buyers", fixture.bRead)
            #expect(response.status == .notFound)
            response = try await client.call(.get, "/v1/audiences/target", fixture.bRead)
            #expect(response.status == .notFound && response.errorMessage == "no audience called 'target' (no audiences are defined; see kehu audience define)")
            response = try await client.call(.delete, "/v1/audiences/target", fixture.bWrite)
            #expect(response.status == .notFound)
            response = try await client.call(.delete, "/v1/tags/buyers", fixture.bWrite)
            #expect(response.status == .notFound)
            // B's expressions cannot reach A's tags.
            response = try await client.call(.post, "/v1/audiences/estimate", fixture.bRead, #"{"expression": "tag:buyers"}"#)
            #expect(response.status == .badRequest || response.status == .notFound, "\(response.text)")
            // B defines its own buyers: A's stays as it was.
            response = try await client.call(.put, "/v1/tags/buyers", fixture.bWrite, #"{"expression": "stage = A"}"#)
            #expect(response.status == .created, "\(response.text)")
            response = try await client.call(.get, "/v1/tags/buyers", fixture.aRead)
            #expect(response.json["size"] == .number("2") && response.json["expression"] == .string("stage in (P, L)"), "\(response.text)")
            response = try await client.call(.get, "/v1/tags/buyers", fixture.bRead)
            #expect(response.json["size"] == .number("1") && response.json["expression"] == .string("stage = A"), "\(response.text)")
        }
        #expect(try AudienceStore(workspace: fixture.a).list().map(\.name) == ["target"])
        #expect(try AudienceStore(workspace: fixture.b).list().isEmpty)
    }
}
