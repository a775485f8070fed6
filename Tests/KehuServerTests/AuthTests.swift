import Foundation
import HummingbirdTesting
import KehuModel
import KehuStore
import KehuTesting
import Testing
@testable import KehuServer

@Suite("API keys and workspace isolation")
struct AuthTests {
    static let view = #"{"event": "Product Viewed", "userId": "u1", "messageId": "v1", "properties": {"channel": "jd"}}"#

    @Test("keys are kh_<workspace>_<32 hex>; only the SHA-256 digest is stored; the prefix is listed")
    func keyFormat() throws {
        let fixture = try ServerFixture()
        let text = fixture.aWrite.text
        #expect(text.hasPrefix("kh_brand_a_") && text.count == "kh_brand_a_".count + 32)
        #expect(APIKey(text) == fixture.aWrite)
        #expect(APIKey("kh_brand_a_short") == nil)
        #expect(APIKey("kh_Bad Name_" + String(repeating: "a", count: 32)) == nil)
        let listed = try APIKeyStore.list(in: fixture.a)
        #expect(listed.map(\.role) == [.write, .read])
        #expect(listed[0].prefix == fixture.aWrite.prefix && fixture.aWrite.prefix.count == "kh_brand_a_".count + 8)
        // The catalogue file holds the digest, never the key.
        let bytes = [UInt8](FileManager.default.contents(atPath: fixture.a.directory + "/kehu.sqlite")!)
            + [UInt8](FileManager.default.contents(atPath: fixture.a.directory + "/kehu.sqlite-wal") ?? Data())
        #expect(bytes.firstRange(of: Array(text.utf8)) == nil)
        #expect(bytes.firstRange(of: Array(fixture.aWrite.digest.utf8)) != nil)
        #expect("\(fixture.aWrite)".contains(fixture.aWrite.secret) == false)
    }

    @Test("no key is 401 with WWW-Authenticate; a malformed, unknown or revoked key is 401; a read key on ingestion is 403")
    func statuses() async throws {
        let fixture = try ServerFixture()
        let revoked = try APIKey.create(role: .write, in: fixture.a)
        #expect(try APIKeyStore.revoke(prefix: revoked.prefix, in: fixture.a))
        let unknown = APIKey.generate(workspace: "brand_a")
        let missingWorkspace = APIKey.generate(workspace: "nobody")
        try await fixture.withClient { client in
            var response = try await client.execute(uri: "/v1/batch", method: .post, body: buffer(#"{"batch": []}"#))
            #expect(response.status == .unauthorized)
            #expect(response.headers[.wwwAuthenticate]?.contains("Basic") == true)
            #expect(response.errorMessage?.contains("basic-auth user") == true)
            response = try await client.execute(uri: "/v1/analyses", method: .get)
            #expect(response.status == .unauthorized)
            response = try await client.execute(uri: "/openapi.json", method: .get)
            #expect(response.status == .unauthorized)
            for key in [revoked, unknown, missingWorkspace] {
                response = try await client.execute(uri: "/v1/track", method: .post, headers: basic(key), body: buffer(Self.view))
                #expect(response.status == .unauthorized)
                response = try await client.execute(uri: "/v1/analyses", method: .get, headers: bearer(key))
                #expect(response.status == .unauthorized)
            }
            response = try await client.execute(
                uri: "/v1/analyses", method: .get, headers: [.authorization: "Basic not-base64!"])
            #expect(response.status == .unauthorized)
            // Read keys query but never ingest.
            response = try await client.execute(uri: "/v1/track", method: .post, headers: basic(fixture.aRead), body: buffer(Self.view))
            #expect(response.status == .forbidden)
            #expect(response.errorMessage == "this endpoint needs a write key; the key given is a read key")
            response = try await client.execute(uri: "/v1/track", method: .post, headers: bearer(fixture.aRead), body: buffer(Self.view))
            #expect(response.status == .forbidden)
            // Query endpoints take read and write keys, as Bearer or basic user.
            for headers in [bearer(fixture.aRead), basic(fixture.aRead), bearer(fixture.aWrite)] {
                response = try await client.execute(uri: "/v1/analyses", method: .get, headers: headers)
                #expect(response.status == .ok)
            }
            // /health needs nothing.
            response = try await client.execute(uri: "/health", method: .get)
            #expect(response.status == .ok && response.json["status"] == .string("ok"))
        }
        #expect(try Inbox.count(in: fixture.a) == 0)
    }

    @Test("workspace isolation: A's key writes only to A and reads only A; a key naming B with A's secret is refused")
    func isolation() async throws {
        // A: member a1 paid (P as of 06-18); B: members b1, b2 viewed (A as of 06-18).
        let aRecords = [event("a-pay", TestClock.at(2026, 6, 18), .pay, ["member:a1"], order: "o1", amount: 10_000)]
        let bRecords = [
            event("b-v1", TestClock.at(2026, 6, 18), .view, ["member:b1"]),
            event("b-v2", TestClock.at(2026, 6, 18), .view, ["member:b2"]),
        ]
        let fixture = try ServerFixture(aRecords: aRecords, bRecords: bRecords)
        let forged = APIKey(workspace: "brand-b", secret: fixture.aWrite.secret)
        try await fixture.withClient { client in
            var response = try await client.execute(uri: "/v1/track", method: .post, headers: basic(forged), body: buffer(Self.view))
            #expect(response.status == .unauthorized)
            response = try await client.execute(uri: "/v1/analyses/aipl?as-of=2026-06-18", method: .get, headers: bearer(forged))
            #expect(response.status == .unauthorized)

            // Each read key sees its own workspace's consumers only.
            response = try await client.execute(uri: "/v1/analyses/aipl?as-of=2026-06-18", method: .get, headers: bearer(fixture.aRead))
            #expect(response.status == .ok, "\(response.text)")
            #expect(response.json["assets"] == .number("1") && response.json["workspace"] == .string("brand_a"))
            response = try await client.execute(uri: "/v1/analyses/aipl?as-of=2026-06-18", method: .get, headers: bearer(fixture.bRead))
            #expect(response.status == .ok, "\(response.text)")
            #expect(response.json["assets"] == .number("2") && response.json["workspace"] == .string("brand-b"))

            response = try await client.execute(uri: "/v1/track", method: .post, headers: basic(fixture.aWrite), body: buffer(Self.view))
            #expect(response.status == .ok)
        }
        #expect(try Inbox.count(in: fixture.a) == 1)
        #expect(try Inbox.count(in: fixture.b) == 0)
    }
}

@Suite("request logging")
struct RequestLogTests {
    @Test("one log line per request with method, path, status, duration, workspace and request id; no key, phone, email or query")
    func logLines() async throws {
        let fixture = try ServerFixture()
        let log = LogCapture()
        try await fixture.withClient(log: log) { client in
            let body = #"{"event": "Product Viewed", "userId": "u1", "context": {"traits": {"phone": "13800138000", "email": "x@y.cn"}}, "properties": {"channel": "jd"}}"#
            var response = try await client.execute(uri: "/v1/track", method: .post, headers: basic(fixture.aWrite), body: buffer(body))
            #expect(response.status == .ok)
            response = try await client.execute(uri: "/v1/analyses/aipl?as-of=2026-06-18", method: .get, headers: bearer(fixture.aRead))
            response = try await client.execute(uri: "/v1/analyses", method: .get)
            #expect(response.status == .unauthorized)
        }
        let lines = log.entries.filter { $0.contains(" request ") }
        #expect(lines.count == 3, "\(log.entries)")
        #expect(lines[0].contains("http.method=POST") && lines[0].contains("http.path=/v1/track") && lines[0].contains("http.status=200"))
        #expect(lines[0].contains("workspace=brand_a") && lines[0].contains("duration_ms=") && lines[0].contains("hb.request.id="))
        #expect(lines[2].contains("http.status=401") && lines[2].contains("workspace=-"))
        for line in log.entries {
            for secret in [fixture.aWrite.text, fixture.aRead.text, fixture.aWrite.secret, "13800138000", "x@y.cn", "as-of"] {
                #expect(!line.contains(secret), "a log line holds \(secret.prefix(6))…")
            }
        }
    }
}
