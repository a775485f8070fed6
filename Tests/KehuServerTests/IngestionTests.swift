import Foundation
import HummingbirdTesting
import KehuIngest
import KehuModel
import KehuStore
import KehuTesting
import Testing
@testable import KehuServer

@Suite("Segment-compatible ingestion")
struct IngestionTests {
    /// One consumer (userId u1, phone 138 0013 8000 in context.traits) across a day:
    /// 0 page → view; 1 Product Viewed → view; 2 Product Added → cart; 3 Order Completed
    /// total 199.90 → order + pay of 19,990 fen; 4 Order Refunded total "50.5" → refund of
    /// 5,050 fen; 5 identify → links u1 and its email (no event); 6 screen → view. Stored:
    /// 1+1+1+2+1+1 = 7 events and 1 identity link.
    static let mixedBatch = """
        {"batch": [
          {"type": "page", "messageId": "m0", "userId": "u1", "timestamp": "2026-06-18T10:00:00+08:00",
           "context": {"library": {"name": "analytics.js"}, "traits": {"phone": "138 0013 8000"}}},
          {"type": "track", "event": "Product Viewed", "messageId": "m1", "userId": "u1",
           "timestamp": "2026-06-18T10:01:00.250+08:00",
           "properties": {"product_id": "SKU-1", "category": "skincare", "price": 99.95, "channel": "tmall"}},
          {"type": "track", "event": "Product Added", "messageId": "m2", "userId": "u1",
           "timestamp": "2026-06-18T02:02:00Z", "properties": {"sku": "SKU-1", "quantity": 2, "channel": "tmall"}},
          {"type": "track", "event": "Order Completed", "messageId": "m3", "userId": "u1",
           "timestamp": "2026-06-18T10:03:00+08:00",
           "properties": {"order_id": "O-1", "total": 199.90, "revenue": 180, "currency": "CNY", "channel": "tmall"},
           "context": {"campaign": {"name": "618", "medium": "live"}}},
          {"type": "track", "event": "Order Refunded", "messageId": "m4", "userId": "u1",
           "timestamp": "2026-06-18T11:00:00+08:00", "properties": {"order_id": "O-1", "total": "50.5", "channel": "tmall"}},
          {"type": "identify", "messageId": "m5", "userId": "u1", "traits": {"email": "A@Example.com"}},
          {"type": "screen", "messageId": "m6", "anonymousId": "dev-9", "timestamp": "2026-06-18T12:00:00+08:00",
           "context": {"library": {"name": "analytics-ios"}}}
        ]}
        """

    @Test("a mixed batch maps every message type; money exact to the fen; the phone is hashed and never stored in clear")
    func mixedBatch() async throws {
        let fixture = try ServerFixture()
        try await fixture.withClient { client in
            let response = try await client.execute(uri: "/v1/batch", method: .post, headers: basic(fixture.aWrite), body: buffer(Self.mixedBatch))
            #expect(response.status == .ok, "\(response.text)")
            #expect(response.json["success"] == .bool(true))
            #expect(response.json["stored"] == .number("7"))
            #expect(response.json["linked"] == .number("1"))
            #expect(response.headers[.init("X-Request-Id")!] != nil)
        }
        let records = try inboxRecords(fixture.a)
        #expect(records.map(\.kind) == [.view, .view, .cart, .order, .pay, .refund, .view])
        let phone = try KeyHasher(salt: fixture.a.salt).identityKey(type: .phone, value: "13800138000").description
        #expect(records[0].keys == ["member:u1", phone])
        #expect(records[0].channel == "web")  // analytics.js
        #expect(records[6].channel == "app")  // analytics-ios
        #expect(records[6].keys == ["anon:dev-9"])
        #expect(records[1].sku == "SKU-1" && records[1].category == "skincare" && records[1].listPrice == 9_995)
        #expect(records[1].ts == TestClock.at(2026, 6, 18, hour: 10, minute: 1) + 250)
        #expect(records[2].ts == TestClock.at(2026, 6, 18, hour: 10, minute: 2))  // 02:02Z = 10:02 +08:00
        #expect(records[2].quantity == 2)
        // total (what the consumer paid) wins over revenue; the order and the payment share it.
        #expect(records[3].orderID == "O-1" && records[3].amount == 19_990)
        #expect(records[4].orderID == "O-1" && records[4].amount == 19_990 && records[4].campaign == "618" && records[4].touchpoint == "live")
        #expect(records[5].amount == 5_050)
        #expect(records[4].fingerprint == EventFingerprint(eventID: "m3"))
        #expect(records[3].fingerprint == EventFingerprint(eventID: "m3#order"))

        // No clear phone or email anywhere in the workspace's files.
        for file in try FileManager.default.contentsOfDirectory(atPath: fixture.a.directory) {
            guard let data = FileManager.default.contents(atPath: fixture.a.directory + "/" + file) else { continue }
            let bytes = [UInt8](data)
            for secret in ["13800138000", "138 0013 8000", "a@example.com", "A@Example.com"] {
                #expect(bytes.firstRange(of: Array(secret.utf8)) == nil, "\(file) holds a clear identifier")
            }
        }

        // Flushed, the events are in the snapshot: GMV 199.90, refund 50.50, one consumer for
        // u1 and its phone, another for the anonymous device.
        #expect(try InboxFlusher.flushAll(fixture.a) == 7)
        let snapshot = try fixture.a.buildSnapshot()
        #expect(snapshot.eventCount == 7)
        #expect(snapshot.consumerCount == 2)
        var paid: Int64 = 0, refunded: Int64 = 0
        for i in 0..<snapshot.eventCount {
            if snapshot.kind[i] == .pay { paid += snapshot.amount(i) ?? 0 }
            if snapshot.kind[i] == .refund { refunded += snapshot.amount(i) ?? 0 }
        }
        #expect(paid == 19_990 && refunded == 5_050)
        let member = try ConsumerIdentity.lookup(IdentityKey(type: .member, value: "u1"), in: fixture.a)
        let byPhone = try ConsumerIdentity.lookup(try IdentityKey.parse(phone), in: fixture.a)
        #expect(member != nil && member?.consumerID == byPhone?.consumerID)
    }

    @Test("JSON numbers are read from their text: 90071992547409.93 yuan is exactly 9,007,199,254,740,993 fen (not a Double)")
    func exactMoney() async throws {
        let fixture = try ServerFixture()
        try await fixture.withClient { client in
            let body = """
                {"type": "track", "event": "Order Completed", "messageId": "big", "userId": "u1", "timestamp": "2026-06-18T10:00:00+08:00",
                 "properties": {"order_id": "O-big", "total": 90071992547409.93, "price": 19.990, "channel": "tmall"}}
                """
            let response = try await client.execute(uri: "/v1/track", method: .post, headers: basic(fixture.aWrite), body: buffer(body))
            #expect(response.status == .ok, "\(response.text)")
        }
        let records = try inboxRecords(fixture.a)
        #expect(records.map(\.amount) == [9_007_199_254_740_993, 9_007_199_254_740_993])
        #expect(records[1].listPrice == 1_999)
    }

    @Test("single-message endpoints: track, page (a view), identify (a link, no event); unknown event names are ignored and reported")
    func singleEndpoints() async throws {
        let fixture = try ServerFixture()
        try await fixture.withClient { client in
            let track = #"{"event": "Product Added to Wishlist", "anonymousId": "a1", "messageId": "t1", "properties": {"channel": "jd"}}"#
            var response = try await client.execute(uri: "/v1/track", method: .post, headers: basic(fixture.aWrite), body: buffer(track))
            #expect(response.status == .ok && response.json["stored"] == .number("1"))
            let page = #"{"anonymousId": "a1", "messageId": "p1", "name": "Home", "properties": {"channel": "wechat_mp"}}"#
            response = try await client.execute(uri: "/v1/page", method: .post, headers: basic(fixture.aWrite), body: buffer(page))
            #expect(response.status == .ok && response.json["stored"] == .number("1"))
            let identify = #"{"userId": "u9", "traits": {"phone": "13900000000"}}"#
            response = try await client.execute(uri: "/v1/identify", method: .post, headers: basic(fixture.aWrite), body: buffer(identify))
            #expect(response.status == .ok && response.json["stored"] == .number("0") && response.json["linked"] == .number("1"))
            let unknown = #"{"event": "Button Clicked", "userId": "u9", "properties": {"channel": "jd"}}"#
            response = try await client.execute(uri: "/v1/track", method: .post, headers: basic(fixture.aWrite), body: buffer(unknown))
            #expect(response.status == .ok && response.json["stored"] == .number("0"))
            #expect(response.text.contains("Button Clicked"))
            // Kehu's own kind names are event names too.
            let kehu = #"{"event": "coupon_claim", "userId": "u9", "properties": {"channel": "jd"}}"#
            response = try await client.execute(uri: "/v1/track", method: .post, headers: basic(fixture.aWrite), body: buffer(kehu))
            #expect(response.status == .ok && response.json["stored"] == .number("1"))
        }
        let records = try inboxRecords(fixture.a)
        #expect(records.map(\.kind) == [.favorite, .view, .couponClaim])
        #expect(records.map(\.channel) == ["jd", "wechat_mp", "jd"])
    }

    @Test("a workspace's segment-mapping.json adds event names and a default channel")
    func workspaceMapping() async throws {
        let fixture = try ServerFixture()
        try #"{"events": {"Live Stream Watched": "content_view"}, "defaultChannel": "douyin"}"#
            .write(toFile: fixture.a.directory + "/" + SegmentMapping.fileName, atomically: true, encoding: .utf8)
        try await fixture.withClient { client in
            let body = #"{"event": "Live Stream Watched", "userId": "u1", "messageId": "l1"}"#
            let response = try await client.execute(uri: "/v1/track", method: .post, headers: basic(fixture.aWrite), body: buffer(body))
            #expect(response.status == .ok, "\(response.text)")
        }
        let records = try inboxRecords(fixture.a)
        #expect(records.map(\.kind) == [.contentView] && records.map(\.channel) == ["douyin"])
    }

    /// Each bad request: the status, the text its message must hold, and nothing stored.
    static let badRequests: [(name: String, body: String, status: Int, message: String)] = [
        ("bad JSON", #"{"batch": [ {"type": "track",, } ]}"#, 400, "not valid JSON at byte"),
        ("not an object", #"[1, 2]"#, 400, "body: expected an object"),
        ("no batch", #"{"messages": []}"#, 400, "batch: missing"),
        ("bad timestamp at index 3", batchOf(3, bad: #""timestamp": "yesterday""#), 400, "batch[3].timestamp: not a timestamp"),
        ("no identity key", #"{"batch": [{"type": "track", "event": "Product Viewed", "properties": {"channel": "jd"}}]}"#, 400, "batch[0].userId: the message has no identity key"),
        ("bad phone", batchOf(1, bad: #""context": {"traits": {"phone": "13800x"}}"#), 400, "batch[1].context.traits.phone: the phone number is not 5-15 digits"),
        ("three decimals", #"{"batch": [{"type": "track", "event": "Order Completed", "userId": "u", "properties": {"order_id": "o", "total": 1.234, "channel": "jd"}}]}"#, 400, "batch[0].properties.total: the amount has more than 2 decimals"),
        ("exponent", #"{"batch": [{"type": "track", "event": "Order Completed", "userId": "u", "properties": {"order_id": "o", "total": 1e3, "channel": "jd"}}]}"#, 400, "batch[0].properties.total: write the amount as a plain decimal"),
        ("pay without order_id", #"{"batch": [{"type": "track", "event": "Order Completed", "userId": "u", "properties": {"total": 10, "channel": "jd"}}]}"#, 400, "batch[0].properties.order_id: Order Completed (pay) events need an order_id"),
        ("refund without amount", #"{"batch": [{"type": "track", "event": "Order Refunded", "userId": "u", "properties": {"order_id": "o", "channel": "jd"}}]}"#, 400, "batch[0].properties.total: Order Refunded (refund) events need the amount"),
        ("no channel", #"{"batch": [{"type": "track", "event": "Product Viewed", "userId": "u"}]}"#, 400, "batch[0].properties.channel: no channel"),
        ("foreign currency", #"{"batch": [{"type": "track", "event": "Product Viewed", "userId": "u", "properties": {"currency": "USD", "channel": "jd"}}]}"#, 400, "batch[0].properties.currency: only CNY"),
        ("unknown type", #"{"batch": [{"type": "teleport", "userId": "u"}]}"#, 400, "batch[0].type: unknown message type"),
        ("bad quantity", #"{"batch": [{"type": "track", "event": "Product Added", "userId": "u", "properties": {"quantity": 1.5, "channel": "jd"}}]}"#, 400, "batch[0].properties.quantity: the quantity is not a positive whole number"),
    ]

    /// A batch of `count + 1` good track messages, the last with `bad` added.
    static func batchOf(_ index: Int, bad: String) -> String {
        let good = (0..<index).map { #"{"type": "track", "event": "Product Viewed", "userId": "u\#($0)", "messageId": "g\#($0)", "properties": {"channel": "jd"}}"# }
        let last = #"{"type": "track", "event": "Product Viewed", "userId": "ux", "properties": {"channel": "jd"}, \#(bad)}"#
        return #"{"batch": ["# + (good + [last]).joined(separator: ",") + "]}"
    }

    @Test("every bad request is a 400 naming the field and its index; the whole request is rejected, nothing stored", arguments: IngestionTests.badRequests.indices)
    func badRequest(_ index: Int) async throws {
        let case_ = Self.badRequests[index]
        let fixture = try ServerFixture()
        try await fixture.withClient { client in
            let response = try await client.execute(uri: "/v1/batch", method: .post, headers: basic(fixture.aWrite), body: buffer(case_.body))
            #expect(Int(response.status.code) == case_.status, "\(case_.name): \(response.text)")
            #expect(response.json["success"] == .bool(false))
            #expect(response.errorMessage?.contains(case_.message) == true, "\(case_.name): \(response.errorMessage ?? response.text)")
            #expect(!response.text.contains("13800"), "the message repeats a phone")
        }
        #expect(try Inbox.count(in: fixture.a) == 0)
    }

    @Test("limits: a body over the limit is 413, a batch over the limit is 400; nothing stored")
    func limits() async throws {
        let fixture = try ServerFixture(limits: ServerLimits(maxBodyBytes: 2_000, maxBatchLength: 3))
        try await fixture.withClient { client in
            let big = Self.batchOf(30, bad: #""messageId": "last""#)
            #expect(big.utf8.count > 2_000)
            var response = try await client.execute(uri: "/v1/batch", method: .post, headers: basic(fixture.aWrite), body: buffer(big))
            #expect(response.status == .contentTooLarge)
            #expect(response.errorMessage?.contains("at most 2000 bytes") == true, "\(response.text)")
            let long = Self.batchOf(3, bad: #""messageId": "last""#)
            response = try await client.execute(uri: "/v1/batch", method: .post, headers: basic(fixture.aWrite), body: buffer(long))
            #expect(response.status == .badRequest)
            #expect(response.errorMessage == "batch: 4 messages; at most 3 are accepted per request")
            let fits = Self.batchOf(2, bad: #""messageId": "last""#)
            response = try await client.execute(uri: "/v1/batch", method: .post, headers: basic(fixture.aWrite), body: buffer(fits))
            #expect(response.status == .ok)
        }
        #expect(try Inbox.count(in: fixture.a) == 3)
    }

    @Test("the default limits are Segment's: 500 KB per request, 2,500 messages per batch")
    func defaultLimits() {
        #expect(ServerLimits.default.maxBodyBytes == 512_000)
        #expect(ServerLimits.default.maxBatchLength == 2_500)
    }

    @Test("a batch re-sent with the same messageIds is stored once after the flush")
    func duplicates() async throws {
        let fixture = try ServerFixture()
        try await fixture.withClient { client in
            for _ in 0..<2 {
                let response = try await client.execute(uri: "/v1/batch", method: .post, headers: basic(fixture.aWrite), body: buffer(Self.mixedBatch))
                #expect(response.status == .ok)
            }
        }
        #expect(try Inbox.count(in: fixture.a) == 14)
        try InboxFlusher.flushAll(fixture.a)
        #expect(try fixture.a.buildSnapshot().eventCount == 7)
    }
}
