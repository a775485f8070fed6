import Foundation
import KehuModel
import KehuStore
import KehuTesting
import Synchronization
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Collects a child's stderr as it arrives, so a test can wait for a line (the listening port).
final class StreamedOutput: Sendable {
    private let text = Mutex("")

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            while true {
                let data = handle.availableData
                if data.isEmpty { return }
                text.withLock { $0 += String(decoding: data, as: UTF8.self) }
            }
        }
    }

    var value: String { text.withLock { $0 } }

    /// Waits up to `seconds` for a line starting with `prefix`; returns the rest of it.
    func line(startingWith prefix: String, seconds: Double) async throws -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let line = value.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) {
                return String(line.dropFirst(prefix.count))
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }
}

/// `kehu serve --port 0` as a child process; returns it, its stderr and the port it listens on.
func startServer(data: String, flushInterval: Int) async throws -> (ChildProcess, StreamedOutput, Int) {
    let server = try ChildProcess(
        try kehuExecutable(), ["serve", "--data", data, "--port", "0", "--flush-interval", String(flushInterval)],
        standardOutput: .discard, standardError: .pipe)
    let output = StreamedOutput(server.standardError!)
    guard let url = try await output.line(startingWith: "kehu serve: listening on http://127.0.0.1:", seconds: 300), let port = Int(url) else {
        server.send(SIGKILL)
        throw CrashTestError("kehu serve did not say which port it listens on: \(output.value)")
    }
    return (server, output, port)
}

@Suite("kehu serve killed under load", .serialized)
struct ServeKillTests {
    /// Message ids the server answered 200 for.
    final class Acknowledged: Sendable {
        private let ids = Mutex<[String]>([])
        private let failures = Mutex(0)
        func add(_ batch: [String]) { ids.withLock { $0 += batch } }
        func failed() { failures.withLock { $0 += 1 } }
        var all: [String] { ids.withLock { $0 } }
        var count: Int { ids.withLock { $0.count } }
        var failedRequests: Int { failures.withLock { $0 } }
    }

    /// A batch of `size` Product Viewed messages with ids `s<sender>-<n>-<i>`.
    static func batch(sender: Int, number: Int, size: Int) -> (body: String, ids: [String]) {
        var ids: [String] = []
        var messages: [String] = []
        for i in 0..<size {
            let id = "s\(sender)-\(number)-\(i)"
            ids.append(id)
            messages.append(
                #"{"type": "track", "event": "Product Viewed", "messageId": "\#(id)", "userId": "m\#((sender * 7919 + number * 31 + i) % 500)", "#
                    + #""timestamp": "2026-06-\#(String(format: "%02d", 1 + (number + i) % 28))T12:00:00+08:00", "properties": {"channel": "tmall", "sku": "SKU-\#(i)"}}"#)
        }
        return (#"{"batch": ["# + messages.joined(separator: ",") + "]}", ids)
    }

    @Test("SIGKILL in the middle of concurrent batches loses no acknowledged event, and stores none twice, after a restart")
    func killUnderLoad() async throws {
        let dir = TemporaryDirectory(prefix: "kehu-serve-kill")
        let data = dir.path + "/data"
        let created = try runKehu(["keys", "create", "--role", "write", "--workspace", "shop", "--create-workspace", "--data", data])
        let key = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // A flush every second, so the kill can also land in the middle of a flush.
        let (server, log, port) = try await startServer(data: data, flushInterval: 1)
        defer { server.send(SIGKILL) }

        let acknowledged = Acknowledged()
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = 8
        configuration.timeoutIntervalForRequest = 20
        let session = URLSession(configuration: configuration)
        let authorization = "Basic " + Data((key + ":").utf8).base64EncodedString()
        let url = URL(string: "http://127.0.0.1:\(port)/v1/batch")!
        let senders = 6
        try await withThrowingTaskGroup(of: Void.self) { group in
            for sender in 0..<senders {
                group.addTask {
                    var number = 0
                    while true {
                        let (body, ids) = Self.batch(sender: sender, number: number, size: 50)
                        number += 1
                        var request = URLRequest(url: url)
                        request.httpMethod = "POST"
                        request.httpBody = Data(body.utf8)
                        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                        request.setValue(authorization, forHTTPHeaderField: "Authorization")
                        do {
                            let (_, response) = try await session.data(for: request)
                            guard (response as? HTTPURLResponse)?.statusCode == 200 else {
                                acknowledged.failed()
                                return
                            }
                            acknowledged.add(ids)
                        } catch {
                            // The server is gone: this batch may or may not be stored.
                            acknowledged.failed()
                            return
                        }
                    }
                }
            }
            // Kill once the load is under way (at least 60 batches acknowledged, a few flushes
            // done), at a moment that varies from run to run.
            let started = Date()
            while acknowledged.count < 60 * 50 && Date().timeIntervalSince(started) < 60 {
                try await Task.sleep(for: .milliseconds(10))
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 0..<700)))
            server.send(SIGKILL)
            try await group.waitForAll()
        }
        #expect(await server.exited() == .signalled(SIGKILL))
        let acked = acknowledged.all
        #expect(acked.count >= 60 * 50, "the load did not get going: \(log.value.suffix(2_000))")
        #expect(acknowledged.failedRequests == senders, "every sender stops at the kill (and only then)")

        // Restart: the server flushes what the killed one left in the inbox before it listens.
        // Then a graceful stop.
        let (restarted, restartLog, _) = try await startServer(data: data, flushInterval: 3_600)
        restarted.send(SIGTERM)
        #expect(await restarted.exited() == .exited(0), "\(restartLog.value.suffix(2_000))")

        let workspace = try Workspace(dataDirectory: data, name: "shop", create: false)
        #expect(try Inbox.count(in: workspace) == 0)
        var counts: [EventFingerprint: Int] = [:]
        for fingerprint in try workspace.storedFingerprints() { counts[fingerprint, default: 0] += 1 }
        var missing = 0, twice = 0
        for id in acked {
            switch counts[EventFingerprint(eventID: id)] ?? 0 {
            case 0: missing += 1
            case 1: break
            default: twice += 1
            }
        }
        #expect(missing == 0, "\(missing) of \(acked.count) acknowledged events are not stored")
        #expect(twice == 0, "\(twice) acknowledged events are stored more than once")
        #expect(counts.values.allSatisfy { $0 == 1 }, "some event is stored more than once")
        // Unacknowledged batches (at most one per sender, in flight at the kill) may be stored.
        #expect(counts.count >= acked.count && counts.count <= acked.count + senders * 50)
        #expect(try workspace.buildSnapshot().eventCount == counts.count)
    }
}
