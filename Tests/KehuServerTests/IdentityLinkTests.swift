import Foundation
import GRDB
import HummingbirdTesting
import KehuIngest
import KehuModel
import KehuStore
import Testing
@testable import KehuServer

@Suite("identify and alias link identity keys")
struct IdentityLinkTests {
    /// POSTs a batch and returns the response.
    func post(_ client: some TestClientProtocol, _ key: APIKey, _ messages: [String]) async throws -> TestResponse {
        try await client.execute(
            uri: "/v1/batch", method: .post, headers: basic(key), body: buffer(#"{"batch": ["# + messages.joined(separator: ",") + "]}"))
    }

    static func track(_ id: String, _ who: String, _ event: String, _ day: Int, properties: String = "", context: String = "") -> String {
        #"{"type": "track", "messageId": "\#(id)", \#(who), "event": "\#(event)", "timestamp": "2026-06-\#(String(format: "%02d", day))T10:00:00+08:00", "properties": {"channel": "tmall"\#(properties)}\#(context)}"#
    }

    /// The kinds of every consumer's events, consumers in snapshot order.
    func consumers(_ workspace: Workspace) throws -> [[EventKind]] {
        let snapshot = try workspace.buildSnapshot()
        return (0..<snapshot.consumerCount).map { c in snapshot.events(of: c).map { snapshot.kind[$0] } }
    }

    func consumerID(_ key: IdentityKey, _ workspace: Workspace) throws -> UInt32? {
        try ConsumerIdentity.lookup(key, in: workspace)?.consumerID
    }

    @Test("identify: an anonymous visitor's views and the same person's later logged-in purchase become one consumer")
    func identifyJoinsAnonymousHistory() async throws {
        let fixture = try ServerFixture()
        try await fixture.withClient { client in
            // Visitor v1 views on 06-01 and 06-02 without signing in; member u1 buys on 06-10
            // (Order Completed: an order and a payment).
            var response = try await post(client, fixture.aWrite, [
                Self.track("v-1", #""anonymousId": "v1""#, "Product Viewed", 1),
                Self.track("v-2", #""anonymousId": "v1""#, "Product Viewed", 2),
                Self.track("u-1", #""userId": "u1""#, "Order Completed", 10, properties: #", "order_id": "O-1", "total": 199"#),
            ])
            #expect(response.status == .ok && response.json["stored"] == .number("4"), "\(response.text)")
            try InboxFlusher.flushAll(fixture.a)
            // Two consumers: v1 with two views, u1 with the order and payment.
            #expect(Set(try consumers(fixture.a)) == [[.view, .view], [.order, .pay]])

            // The identify on sign-in says v1 is u1.
            response = try await post(client, fixture.aWrite, [
                #"{"type": "identify", "messageId": "i-1", "userId": "u1", "anonymousId": "v1", "timestamp": "2026-06-10T09:59:00+08:00"}"#
            ])
            #expect(response.status == .ok, "\(response.text)")
            #expect(response.json["stored"] == .number("0") && response.json["linked"] == .number("1"))
            #expect(response.json["ignored"] == nil)
        }
        // Committed before the 200: the link waits in the inbox.
        #expect(try Inbox.linkCount(in: fixture.a) == 1)
        try InboxFlusher.flushAll(fixture.a)
        #expect(try Inbox.linkCount(in: fixture.a) == 0)
        // One consumer: two views, then the order and payment, in time order.
        #expect(try consumers(fixture.a) == [[.view, .view, .order, .pay]])
        let member = try consumerID(IdentityKey(type: .member, value: "u1"), fixture.a)
        let visitor = try consumerID(IdentityKey(type: .anon, value: "v1"), fixture.a)
        #expect(member != nil)
        #expect(member == visitor)
    }

    @Test("alias: previousId (the anonymous id) becomes userId; an earlier userId that the workspace knows is linked as a member key")
    func alias() async throws {
        let fixture = try ServerFixture()
        try await fixture.withClient { client in
            var response = try await post(client, fixture.aWrite, [
                Self.track("v-1", #""anonymousId": "v2""#, "Product Added", 3),
                Self.track("u-1", #""userId": "u2""#, "Order Completed", 12, properties: #", "order_id": "O-2", "total": 88.8"#),
                Self.track("o-1", #""userId": "old-7""#, "Product Viewed", 4),
                Self.track("n-1", #""userId": "new-7""#, "Product Viewed", 14),
            ])
            #expect(response.status == .ok, "\(response.text)")
            try InboxFlusher.flushAll(fixture.a)
            #expect(try consumers(fixture.a).count == 4)
            response = try await post(client, fixture.aWrite, [
                #"{"type": "alias", "messageId": "al-1", "previousId": "v2", "userId": "u2"}"#,
                #"{"type": "alias", "messageId": "al-2", "previousId": "old-7", "userId": "new-7"}"#,
            ])
            #expect(response.status == .ok && response.json["linked"] == .number("2"), "\(response.text)")
            // /v1/alias takes one message the same way (re-stating a link is harmless).
            response = try await client.execute(
                uri: "/v1/alias", method: .post, headers: basic(fixture.aWrite), body: buffer(#"{"previousId": "v2", "userId": "u2"}"#))
            #expect(response.status == .ok && response.json["linked"] == .number("1"), "\(response.text)")
        }
        try InboxFlusher.flushAll(fixture.a)
        // v2 + u2: cart, order, pay; old-7 + new-7: two views.
        #expect(Set(try consumers(fixture.a)) == [[.cart, .order, .pay], [.view, .view]])
        #expect(try consumerID(IdentityKey(type: .anon, value: "v2"), fixture.a) == (try consumerID(IdentityKey(type: .member, value: "u2"), fixture.a)))
        #expect(try consumerID(IdentityKey(type: .member, value: "old-7"), fixture.a) == (try consumerID(IdentityKey(type: .member, value: "new-7"), fixture.a)))
        // old-7 is a known member key, so no anonymous key was made up for it.
        #expect(try ConsumerIdentity.lookup(IdentityKey(type: .anon, value: "old-7"), in: fixture.a) == nil)
    }

    @Test("identify traits: phone and email are hashed before the inbox and link a later event that carries only the phone")
    func traits() async throws {
        let fixture = try ServerFixture()
        try await fixture.withClient { client in
            let response = try await post(client, fixture.aWrite, [
                #"{"type": "identify", "messageId": "i-4", "userId": "u4", "timestamp": "2026-06-05T08:00:00+08:00", "traits": {"phone": "139 0000 1111", "email": "Li.Na@Example.com", "unionid": "wx-u4"}}"#,
                Self.track("u4-v", #""userId": "u4""#, "Product Viewed", 5),
                Self.track("x4-p", #""anonymousId": "x4""#, "Order Completed", 18,
                           properties: #", "order_id": "O-4", "total": 59"#, context: #", "context": {"traits": {"phone": "13900001111"}}"#),
            ])
            #expect(response.status == .ok && response.json["linked"] == .number("1"), "\(response.text)")
        }
        // Before the flush the link is in the inbox, hashed: no clear phone or email on disk.
        let hasher = KeyHasher(salt: fixture.a.salt)
        let phone = try hasher.identityKey(type: .phone, value: "13900001111")
        let email = try hasher.identityKey(type: .email, value: "li.na@example.com")
        let link = try #require(try Inbox.pendingEntries(in: fixture.a).flatMap(\.links).first)
        #expect(Set(link.keys) == ["member:u4", phone.description, email.description, "unionid:wx-u4"])
        for file in try FileManager.default.contentsOfDirectory(atPath: fixture.a.directory) {
            guard let data = FileManager.default.contents(atPath: fixture.a.directory + "/" + file) else { continue }
            for secret in ["13900001111", "139 0000 1111", "li.na@example.com", "Li.Na@Example.com"] {
                #expect([UInt8](data).firstRange(of: Array(secret.utf8)) == nil, "\(file) holds a clear identifier")
            }
        }
        try InboxFlusher.flushAll(fixture.a)
        // u4's view and x4's purchase (through the phone the identify gave): one consumer.
        #expect(try consumers(fixture.a) == [[.view, .order, .pay]])
        let u4 = try consumerID(IdentityKey(type: .member, value: "u4"), fixture.a)
        #expect(u4 != nil)
        #expect(try consumerID(IdentityKey(type: .anon, value: "x4"), fixture.a) == u4)
        #expect(try consumerID(email, fixture.a) == u4)
    }

    @Test("the shared-key guard applies to identify: a tablet identified with 21 members links none of them; with 20 it links all")
    func sharedKeyGuard() async throws {
        let fixture = try ServerFixture()
        // Workspace a: 21 members each identified with the same anonymous id (a store's tablet)
        // and each with one view. The anon key would join 21 consumers > the guard's 20: it is
        // guarded and the 21 stay apart. Workspace b: 20 members, not over the limit: one consumer.
        try await fixture.withClient { client in
            for (key, members) in [(fixture.aWrite, 21), (fixture.bWrite, 20)] {
                var messages: [String] = []
                for m in 0..<members {
                    messages.append(#"{"type": "identify", "messageId": "i\#(m)", "userId": "g\#(m)", "anonymousId": "tablet-1"}"#)
                    messages.append(Self.track("v\(m)", #""userId": "g\#(m)""#, "Product Viewed", 1 + m % 28))
                }
                let response = try await post(client, key, messages)
                #expect(response.status == .ok && response.json["linked"] == .number(String(members)), "\(response.text)")
            }
        }
        try InboxFlusher.flushAll(fixture.a)
        try InboxFlusher.flushAll(fixture.b)
        #expect(try fixture.a.buildSnapshot().consumerCount == 21)
        let tablet = try #require(try ConsumerIdentity.lookup(IdentityKey(type: .anon, value: "tablet-1"), in: fixture.a))
        #expect(tablet.keys.first { $0.key.value == "tablet-1" }?.guardedConsumers == 21)
        #expect(try fixture.b.buildSnapshot().consumerCount == 1)
    }

    @Test("identify with one key is acknowledged and ignored; alias without previousId or userId is a 400 naming the field; all or nothing")
    func errors() async throws {
        let fixture = try ServerFixture()
        try await fixture.withClient { client in
            var response = try await post(client, fixture.aWrite, [#"{"type": "identify", "userId": "solo", "traits": {"name": "Li"}}"#])
            #expect(response.status == .ok && response.json["linked"] == .number("0"))
            #expect(response.json["ignored"]?.serializedText.contains("identify with one identity key links nothing") == true, "\(response.text)")
            response = try await post(client, fixture.aWrite, [
                #"{"type": "identify", "userId": "u1", "anonymousId": "a1"}"#, #"{"type": "alias", "userId": "u1"}"#,
            ])
            #expect(response.status == .badRequest)
            #expect(response.errorMessage?.hasPrefix("batch[1].previousId: an alias needs the previous id") == true, "\(response.text)")
            response = try await post(client, fixture.aWrite, [#"{"type": "alias", "previousId": "a1", "anonymousId": "a1"}"#])
            #expect(response.status == .badRequest)
            #expect(response.errorMessage?.hasPrefix("batch[0].userId: an alias needs the userId") == true, "\(response.text)")
            response = try await post(client, fixture.aWrite, [#"{"type": "identify", "userId": "u1", "traits": {"phone": "12"}}"#])
            #expect(response.status == .badRequest)
            #expect(response.errorMessage?.hasPrefix("batch[0].traits.phone:") == true, "\(response.text)")
        }
        #expect(try Inbox.linkCount(in: fixture.a) == 0)
    }
}
