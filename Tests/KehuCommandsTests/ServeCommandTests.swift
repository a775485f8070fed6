import Foundation
import KehuStore
import KehuTesting
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@Suite("kehu keys and kehu serve, through the real binary", .serialized)
struct ServeCommandTests {
    @Test("keys create prints the key once; list shows its prefix and role; revoke marks it; an unknown prefix is exit 1")
    func keys() throws {
        let dir = TemporaryDirectory(prefix: "kehu-keys")
        let data = dir.path + "/data"
        let missing = try runKehu(["keys", "create", "--role", "read", "--workspace", "brand", "--data", data])
        #expect(missing.status != 0 && missing.stderr.contains("no workspace 'brand'"))
        let created = try runKehu(["keys", "create", "--role", "write", "--workspace", "brand", "--create-workspace", "--data", data])
        #expect(created.status == 0, "\(created.stderr)")
        let key = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(key.hasPrefix("kh_brand_") && key.count == 9 + 32)
        #expect(created.stderr.contains("cannot show it again"))
        let prefix = String(key.prefix(9 + 8))
        var listed = try runKehu(["keys", "list", "--workspace", "brand", "--data", data])
        #expect(listed.status == 0 && listed.stdout.contains(prefix) && listed.stdout.contains("write") && listed.stdout.contains("active"))
        #expect(!listed.stdout.contains(key))
        let revoked = try runKehu(["keys", "revoke", prefix, "--workspace", "brand", "--data", data])
        #expect(revoked.status == 0 && revoked.stdout.contains("revoked \(prefix)"))
        listed = try runKehu(["keys", "list", "--workspace", "brand", "--data", data])
        #expect(listed.stdout.contains("revoked 20"))
        let again = try runKehu(["keys", "revoke", prefix, "--workspace", "brand", "--data", data])
        #expect(again.status == 1 && again.stderr.contains("no active key"))
    }

    @Test("serve: a batch is acknowledged into the inbox; SIGTERM stops the server gracefully and flushes the inbox into segments")
    func serveAndTerminate() async throws {
        let dir = TemporaryDirectory(prefix: "kehu-serve")
        let data = dir.path + "/data"
        let created = try runKehu(["keys", "create", "--role", "write", "--workspace", "shop", "--create-workspace", "--data", data])
        let key = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let port = Int.random(in: 20_000..<40_000)
        let server = try ChildProcess(
            try kehuExecutable(), ["serve", "--data", data, "--port", String(port), "--flush-interval", "3600"],
            standardOutput: .discard, standardError: .pipe)
        defer { server.send(SIGKILL) }

        let base = "http://127.0.0.1:\(port)"
        var healthy = false
        for _ in 0..<200 where !healthy {
            if let (_, status) = try? await request(base + "/health"), status == 200 { healthy = true } else {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        #expect(healthy, "the server did not answer /health")
        // 3 messages: a page (view), Order Completed (order + pay) → 3 events.
        let body = """
            {"batch": [
              {"type": "page", "messageId": "p1", "userId": "m1", "timestamp": "2026-06-18T10:00:00+08:00", "properties": {"channel": "web"}},
              {"type": "track", "event": "Order Completed", "messageId": "o1", "userId": "m1", "timestamp": "2026-06-18T10:05:00+08:00",
               "properties": {"order_id": "O1", "total": 88.80, "channel": "web"}}
            ]}
            """
        let (answer, status) = try await request(base + "/v1/batch", key: key, body: body)
        #expect(status == 200, "\(answer)")
        let workspace = try Workspace(dataDirectory: data, name: "shop", create: false)
        #expect(try Inbox.count(in: workspace) == 3)
        #expect(try workspace.segments().isEmpty)

        server.send(SIGTERM)
        let deadline = Date().addingTimeInterval(30)
        while server.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(server.termination == .exited(0))
        #expect(try Inbox.count(in: workspace) == 0)
        #expect(try workspace.buildSnapshot().eventCount == 3)
        let log = String(decoding: server.standardError!.readDataToEndOfFile(), as: UTF8.self)
        #expect(log.contains("http.path=/v1/batch") || log.contains("/v1/batch"), "\(log)")
        #expect(!log.contains(key), "the log holds the key")
    }

    /// GET, or POST `body` with `key` as the basic-auth user; returns the body and status.
    func request(_ url: String, key: String? = nil, body: String? = nil) async throws -> (String, Int) {
        var request = URLRequest(url: URL(string: url)!)
        request.timeoutInterval = 10
        if let body {
            request.httpMethod = "POST"
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        if let key {
            request.setValue("Basic " + Data((key + ":").utf8).base64EncodedString(), forHTTPHeaderField: "Authorization")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        return (String(decoding: data, as: UTF8.self), (response as? HTTPURLResponse)?.statusCode ?? 0)
    }
}
