import Foundation
import KehuIngest
import KehuModel
import KehuStore
import KehuTesting
import Logging
import Testing
@testable import KehuServer

/// Segment's own Python SDK (`segment-analytics-python`, from PyPI) against the real server.
///
/// `scripts/test` creates the virtual environment `.build/test-venv` with the package; this test
/// fails (it does not skip) when the environment is missing.
@Suite("a real Segment client: analytics-python", .serialized)
struct PythonClientTests {
    /// The repository root, from this file's path.
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Sends, with message ids prefixed by argv[4]: an identify (userId, anonymousId, phone and
    /// email traits), a page, a Product Viewed, an Order Completed (2 events) and an alias from an
    /// older anonymous id. 4 events, 2 links. Exit 1 with the SDK's errors if any.
    static let script = """
        import sys
        from datetime import datetime, timedelta, timezone
        import segment.analytics as analytics

        key, host, encoding, prefix = sys.argv[1:5]
        errors = []
        analytics.write_key = key
        analytics.host = host
        analytics.gzip = encoding == "gzip"
        analytics.max_retries = 0
        analytics.on_error = lambda error, batch: errors.append(repr(error))
        cst = timezone(timedelta(hours=8))
        analytics.identify(user_id="u-py", anonymous_id="anon-py", traits={"phone": "137 0000 1111", "email": "Py@Example.com"},
                           message_id=prefix + "identify")
        analytics.page(anonymous_id="anon-py", name="Home", properties={"channel": "web"}, message_id=prefix + "page",
                       timestamp=datetime(2026, 6, 18, 10, 0, tzinfo=cst))
        analytics.track(user_id="u-py", event="Product Viewed", properties={"sku": "SKU-9", "price": 129.0, "channel": "web"},
                        message_id=prefix + "viewed", timestamp=datetime(2026, 6, 18, 10, 5, tzinfo=cst))
        analytics.track(user_id="u-py", event="Order Completed",
                        properties={"order_id": prefix + "O1", "total": 258.0, "currency": "CNY", "channel": "web"},
                        message_id=prefix + "order", timestamp=datetime(2026, 6, 18, 10, 9, 30, 125000, tzinfo=cst))
        analytics.alias(previous_id="anon-old", user_id="u-py", message_id=prefix + "alias")
        analytics.flush()
        analytics.shutdown()
        if errors:
            print("\\n".join(errors))
            sys.exit(1)
        print("sent")
        """

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs the script with the venv's python; returns (exit status, stdout + stderr).
    static func runPython(_ arguments: [String]) async throws -> (Int32, String) {
        let python = repository.appendingPathComponent(".build/test-venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw Failure(description: "no Python environment at .build/test-venv: run scripts/test, which creates it and installs segment-analytics-python from PyPI")
        }
        let process = try ChildProcess(python, ["-c", script] + arguments, standardOutput: .pipe, standardError: .standardOutput)
        // Read to the end first: a child blocked on a full pipe would never exit.
        let text = await ChildProcess.text(readingToEndOf: process.standardOutput!)
        let status: Int32 = switch await process.exited() {
        case .exited(let status): status
        case .signalled(let signal): 128 + signal
        }
        if text.contains("No module named 'segment'") {
            throw Failure(description: ".build/test-venv has no segment-analytics-python: run scripts/test, or .build/test-venv/bin/pip install segment-analytics-python")
        }
        return (status, text)
    }

    @Test("analytics-python sends batches (plain and gzip) to kehu serve on 127.0.0.1; every message id is stored once and identify links the visitor")
    func analyticsPython() async throws {
        let dir = TemporaryDirectory(prefix: "kehu-python")
        let workspace = try Workspace(dataDirectory: dir.path, name: "shop", create: true)
        let key = try APIKey.create(role: .write, in: workspace)
        var logger = Logger(label: "kehu-test")
        logger.logLevel = .warning
        let (ports, listening) = AsyncStream.makeStream(of: Int.self)
        let app = KehuServer.application(
            configuration: ServerConfiguration(dataDirectory: dir.path, host: "127.0.0.1", port: 0, flushInterval: .seconds(3_600)),
            logger: logger, onServerRunning: { listening.yield($0) })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService(gracefulShutdownSignals: []) }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            for (encoding, prefix) in [("plain", "py-"), ("gzip", "gz-")] {
                let (status, output) = try await Self.runPython([key.text, "http://127.0.0.1:\(port)", encoding, prefix])
                #expect(status == 0, "analytics-python (\(encoding)) failed: \(output)")
            }
            group.cancelAll()
        }
        // The server flushes what is left when it stops; flush again to be sure nothing waits.
        try InboxFlusher.flushAll(workspace)
        #expect(try Inbox.count(in: workspace) == 0)
        #expect(try Inbox.linkCount(in: workspace) == 0)

        // Each run: page, Product Viewed, Order Completed (order + pay) = 4 events; 8 in all.
        var counts: [EventFingerprint: Int] = [:]
        for fingerprint in try workspace.storedFingerprints() { counts[fingerprint, default: 0] += 1 }
        for prefix in ["py-", "gz-"] {
            for id in ["page", "viewed", "order", "order#order"] {
                #expect(counts[EventFingerprint(eventID: prefix + id)] == 1, "\(prefix + id) is stored \(counts[EventFingerprint(eventID: prefix + id)] ?? 0) times")
            }
        }
        #expect(counts.count == 8 && counts.values.allSatisfy { $0 == 1 })

        let snapshot = try workspace.buildSnapshot()
        #expect(snapshot.eventCount == 8)
        // The identify made anon-py (the page views) and u-py (the purchase) one consumer.
        #expect(snapshot.consumerCount == 1)
        var paid: Int64 = 0
        for i in 0..<snapshot.eventCount where snapshot.kind[i] == .pay { paid += snapshot.amount(i) ?? 0 }
        #expect(paid == 2 * 25_800)
        let member = try ConsumerIdentity.lookup(IdentityKey(type: .member, value: "u-py"), in: workspace)
        let phone = try KeyHasher(salt: workspace.salt).identityKey(type: .phone, value: "13700001111")
        #expect(member != nil)
        #expect(try ConsumerIdentity.lookup(phone, in: workspace)?.consumerID == member?.consumerID)
        #expect(try ConsumerIdentity.lookup(IdentityKey(type: .anon, value: "anon-old"), in: workspace)?.consumerID == member?.consumerID)
        // 10:09:30.125 +08:00 arrived to the millisecond.
        let order = (0..<snapshot.eventCount).first { snapshot.kind[$0] == .pay }
        #expect(order.map { snapshot.ts[$0] } == TestClock.at(2026, 6, 18, hour: 10, minute: 9) + 30_125)
    }
}
