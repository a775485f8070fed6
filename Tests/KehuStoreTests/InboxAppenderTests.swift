import Foundation
import GRDB
import KehuModel
import Synchronization
import Testing
@testable import KehuStore
import KehuTesting

/// A flag threads and tasks can share.
final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}

@Suite("Inbox: group commit and identity links")
struct InboxAppenderTests {
    @Test("concurrent appends wait for the writer and share one transaction; each gets its own entry only after the commit")
    func groupCommit() async throws {
        let dir = TemporaryDirectory()
        let ws = try Workspace(dataDirectory: dir.path, name: "brand", create: true)
        let appender = InboxAppender(workspace: ws)
        // Another write transaction of the inbox database holds its writer until all 40 appends have arrived: the first
        // group (whatever had arrived when the drain started) waits for the writer, and every
        // later append waits for the next group, so 40 appends take at most 2 transactions.
        // No timing is assumed: on a loaded machine, with the whole suite running on 2 cores, the
        // appends' tasks have waited over a minute for a thread. The holder gives up after 10 minutes.
        let holding = Flag()
        let released = Flag()
        let holder = Thread {
            try? ws.inbox.write { _ in
                holding.set()
                let deadline = Date().addingTimeInterval(600)
                while appender.statistics.entries + appender.waitingCount < 40 && Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
                Thread.sleep(forTimeInterval: 0.05)
                // Set before the commit: an append may commit and resume the instant it ends.
                released.set()
            }
        }
        holder.start()
        while !holding.isSet { try await Task.sleep(for: .milliseconds(5)) }
        let results = try await withThrowingTaskGroup(of: (Int, Int64).self) { group in
            for request in 0..<40 {
                group.addTask {
                    let records = (0..<5).map { i in
                        event("r\(request)-\(i)", june1 + Int64(i) * hour, .view, ["member:\(request)"])
                    }
                    let id = try await appender.append(InboxEntry(requestID: "req-\(request)", events: records))
                    // Acknowledged only after the commit, which waited for the holder.
                    #expect(released.isSet)
                    return (request, id)
                }
            }
            var all: [Int: Int64] = [:]
            for try await (request, id) in group { all[request] = id }
            return all
        }
        let statistics = appender.statistics
        #expect(statistics.entries == 40)
        #expect(statistics.groups <= 2, "\(statistics.groups) transactions for 40 waiting appends")
        // Every request got its own entry (distinct ids), holding its 5 events.
        #expect(Set(results.values).count == 40)
        let entries = Dictionary(uniqueKeysWithValues: try Inbox.pendingEntries(in: ws).map { ($0.id, $0) })
        for (request, id) in results {
            #expect(entries[id]?.requestID == "req-\(request)")
            #expect(entries[id]?.events.map(\.keys) == Array(repeating: ["member:\(request)"], count: 5))
        }
        #expect(try InboxFlusher.flushAll(ws) == 200)
        #expect(try ws.buildSnapshot().consumerCount == 40)
    }

    @Test("a flush of an empty inbox opens no ingest session (which would read the whole store)")
    func emptyFlushIsCheap() async throws {
        let dir = TemporaryDirectory()
        let ws = try Workspace(dataDirectory: dir.path, name: "brand", create: true)
        _ = try ingest([event("e1", june1, .view, ["member:1"])], into: ws)
        let opened = ws.sessionsOpened
        #expect(try InboxFlusher.flushAll(ws) == 0)
        #expect(try InboxFlusher.flushAll(ws) == 0)
        #expect(ws.sessionsOpened == opened, "an empty inbox opened \(ws.sessionsOpened - opened) sessions")
        // With an entry waiting, one flush opens one session and moves it; the next finds nothing.
        _ = try await InboxAppender(workspace: ws).append(InboxEntry(requestID: "r", events: [event("e2", june1, .view, ["member:2"])]))
        #expect(try InboxFlusher.flushAll(ws) == 1)
        #expect(ws.sessionsOpened == opened + 1)
    }

    @Test("a bad entry fails alone: its neighbours in the same group are stored")
    func badEntryFailsAlone() async throws {
        let dir = TemporaryDirectory()
        let ws = try Workspace(dataDirectory: dir.path, name: "brand", create: true)
        let appender = InboxAppender(workspace: ws)
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for request in 0..<6 {
                group.addTask {
                    // Request 3 carries a clear phone number, which must never reach the inbox.
                    let key = request == 3 ? "phone:13800000000" : "member:\(request)"
                    do {
                        _ = try await appender.append(InboxEntry(requestID: "r\(request)", events: [event("e\(request)", june1, .view, [key])]))
                        return true
                    } catch {
                        #expect("\(error)".contains("phone keys must be hashed"))
                        return false
                    }
                }
            }
            var results: [Bool] = []
            for await ok in group { results.append(ok) }
            return results
        }
        #expect(outcomes.filter { $0 }.count == 5)
        #expect(try Inbox.count(in: ws) == 5)
    }

    @Test("inbox records round-trip through the binary form; JSON rows of earlier versions still read; bad bytes are an error")
    func recordCoding() throws {
        let full = EventRecord(
            eventID: "m-1#order", ts: -1_000, kind: .refund, keys: ["member:客户-1", "phone:" + String(repeating: "a", count: 64)],
            channel: "tmall", touchpoint: "live", campaign: "双11", content: "c", sku: "SKU-9", category: "skincare",
            orderID: "O-1", amount: 9_007_199_254_740_993, listPrice: 0, quantity: -3)
        let bare = EventRecord(eventID: "m-2", ts: 1_780_243_200_000, kind: .view, keys: ["anon:x"])
        for record in [full, bare] {
            let data = InboxRecordCoding.encode(record)
            #expect(data.first == InboxRecordCoding.marker)
            #expect(try Inbox.decodeRecord(data) == record)
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            #expect(try Inbox.decodeRecord(try encoder.encode(record)) == record)
        }
        let data = InboxRecordCoding.encode(full)
        #expect(throws: (any Error).self) { try Inbox.decodeRecord(data.dropLast()) }
        #expect(throws: (any Error).self) { try Inbox.decodeRecord(data + [0]) }
        #expect(throws: (any Error).self) { try Inbox.decodeRecord(Data([0x42, 1, 2])) }
    }

    @Test("identity links flush without events: an alias's previousId is the member key when known, else the anonymous key; a lone key links nothing")
    func links() throws {
        let dir = TemporaryDirectory()
        let ws = try Workspace(dataDirectory: dir.path, name: "brand", create: true)
        _ = try ingest([
            event("o1", june1, .view, ["member:old"]),
            event("n1", june1 + day, .view, ["member:new"]),
            event("v1", june1, .view, ["anon:v9"]),
            event("x1", june1 + day, .pay, ["member:x"], order: "o-1", amount: 5_000),
        ], into: ws)
        let segments = try ws.segments().count
        _ = try Inbox.write([
            try InboxEntry(requestID: "r1", links: [
                IdentityLinkRecord(ts: june1 + 2 * day, keys: ["member:new"], previousID: "old"),
                IdentityLinkRecord(ts: june1 + 2 * day, keys: ["member:x"], previousID: "v9"),
                IdentityLinkRecord(ts: june1 + 2 * day, keys: ["member:solo"]),
            ]).encoded()
        ], to: ws)
        #expect(try Inbox.linkCount(in: ws) == 3)
        // Links wait for the flush: four consumers until then.
        #expect(try ws.buildSnapshot().consumerCount == 4)
        #expect(try InboxFlusher.flushAll(ws) == 0)
        #expect(try Inbox.linkCount(in: ws) == 0)
        #expect(try ws.segments().count == segments)
        // old + new, v9 + x: two consumers.
        #expect(try ws.buildSnapshot().consumerCount == 2)
        func consumer(_ type: IdentityKeyType, _ value: String) throws -> UInt32? {
            try ConsumerIdentity.lookup(IdentityKey(type: type, value: value), in: ws)?.consumerID
        }
        let old = try consumer(.member, "old"), new = try consumer(.member, "new")
        let visitor = try consumer(.anon, "v9"), x = try consumer(.member, "x")
        #expect(old != nil && old == new)
        #expect(visitor != nil && visitor == x)
        #expect(try consumer(.anon, "old") == nil)
        #expect(try consumer(.member, "solo") == nil)
    }
}
