import Foundation
import Hummingbird
import HummingbirdTesting
import KehuStore
import KehuTesting
import Logging
import Testing
@testable import KehuServer

@Suite("inbox flusher service")
struct FlushServiceTests {
    static let batch = """
        {"batch": [
          {"type": "track", "event": "Product Viewed", "messageId": "f1", "userId": "u1", "timestamp": "2026-06-18T10:00:00+08:00", "properties": {"channel": "jd"}},
          {"type": "track", "event": "Product Added", "messageId": "f2", "userId": "u1", "timestamp": "2026-06-18T10:01:00+08:00", "properties": {"channel": "jd"}}
        ]}
        """

    func application(_ fixture: ServerFixture, interval: Duration) -> some ApplicationProtocol {
        let registry = WorkspaceRegistry(dataDirectory: fixture.dir.path)
        var logger = Logger(label: "kehu-test")
        logger.logLevel = .error
        return Application(
            router: KehuServer.router(registry: registry),
            services: [InboxFlushService(registry: registry, interval: interval, logger: logger)],
            logger: logger)
    }

    @Test("the flusher moves acknowledged events into segments on its interval")
    func periodic() async throws {
        let fixture = try ServerFixture()
        try await application(fixture, interval: .milliseconds(100)).test(.router) { client in
            let response = try await client.execute(uri: "/v1/batch", method: .post, headers: basic(fixture.aWrite), body: buffer(Self.batch))
            #expect(response.status == .ok)
            var waited = 0
            while try Inbox.count(in: fixture.a) > 0, waited < 100 {
                try await Task.sleep(for: .milliseconds(100))
                waited += 1
            }
            #expect(try Inbox.count(in: fixture.a) == 0)
            #expect(try fixture.a.segments().count == 1)
        }
    }

    @Test("graceful shutdown flushes the inbox: nothing acknowledged stays behind")
    func shutdown() async throws {
        let fixture = try ServerFixture()
        try await application(fixture, interval: .seconds(3_600)).test(.router) { client in
            let response = try await client.execute(uri: "/v1/batch", method: .post, headers: basic(fixture.aWrite), body: buffer(Self.batch))
            #expect(response.status == .ok)
            #expect(try Inbox.count(in: fixture.a) == 2)
        }
        // The test framework shut the service group down gracefully.
        #expect(try Inbox.count(in: fixture.a) == 0)
        #expect(try fixture.a.buildSnapshot().eventCount == 2)
    }
}
