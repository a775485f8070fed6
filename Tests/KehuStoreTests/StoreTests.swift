import Foundation
import Testing
import GRDB
import KehuModel
@testable import KehuStore
import KehuTesting

@Suite("Store: ingest, snapshot, duplicates, crash safety")
struct StoreTests {
    @Test("events become consumers, ordered by time, with exact money")
    func ingestAndSnapshot() throws {
        let dir = TemporaryDirectory()
        let ws = try Workspace(dataDirectory: dir.path, name: "brand", create: true)
        // Consumer A: member:1 (view on day 0 10:00) and buyer:tb1 linked by the pay event that
        //   carries both keys (day 1). Its events, by time: view, order, pay (128.50 = 12850 fen).
        // Consumer B: device:d9 only (one view on day 0 09:00).
        let summary = try ingest([
            event("e3", june1 + day + 2 * hour, .pay, ["buyer:tb1", "member:1"], order: "o1", amount: 12850),
            event("e1", june1 + 10 * hour, .view, ["member:1"]),
            event("e2", june1 + day + hour, .order, ["buyer:tb1"], order: "o1", amount: 12850),
            event("e4", june1 + 9 * hour, .view, ["device:d9"], channel: "pos"),
        ], into: ws)
        #expect(summary.accepted == 4)
        #expect(summary.duplicates == 0)
        #expect(summary.consumers == 2)

        let s = try ws.buildSnapshot()
        #expect(s.eventCount == 4)
        #expect(s.consumerCount == 2)
        // Key ids are allocated in order of first sight: buyer:tb1 = 1, member:1 = 2, device:d9 = 3.
        // Consumers in key order: {tb1, member:1} = consumer 1, {d9} = consumer 2.
        let a = try #require(s.denseIndex(ofConsumer: 1))
        let kinds = s.events(of: a).map { s.kind[$0] }
        #expect(kinds == [.view, .order, .pay])
        let pay = s.events(of: a).last!
        #expect(s.amount(pay) == 12850)
        #expect(s.value(.orderID, pay) == "o1")
        let view = s.events(of: a).first!
        #expect(s.amount(view) == nil)
        #expect(s.value(.orderID, view) == nil)
        let b = try #require(s.denseIndex(ofConsumer: 2))
        #expect(s.value(.channel, s.events(of: b).first!) == "pos")
    }

    @Test("duplicates are dropped within a batch and across ingests")
    func duplicates() throws {
        let dir = TemporaryDirectory()
        let ws = try Workspace(dataDirectory: dir.path, name: "brand", create: true)
        // e1 twice in the first batch: 2 accepted (e1, e2), 1 duplicate.
        let first = try ingest([
            event("e1", june1, .view, ["member:1"]),
            event("e1", june1, .view, ["member:1"]),
            event("e2", june1 + hour, .cart, ["member:1"]),
        ], into: ws)
        #expect(first.accepted == 2)
        #expect(first.duplicates == 1)
        // A second run re-sends e2 and adds e3: 1 accepted, 1 duplicate.
        let second = try ingest([
            event("e2", june1 + hour, .cart, ["member:1"]),
            event("e3", june1 + 2 * hour, .favorite, ["member:1"]),
        ], into: ws)
        #expect(second.accepted == 1)
        #expect(second.duplicates == 1)
        #expect(try ws.buildSnapshot().eventCount == 3)
    }

    @Test("an abandoned session leaves the workspace unchanged, and orphan files are removed at open")
    func abandonAndOrphans() throws {
        let dir = TemporaryDirectory()
        let ws = try Workspace(dataDirectory: dir.path, name: "brand", create: true)
        _ = try ingest([event("e1", june1, .view, ["member:1"])], into: ws)
        do {
            let session = try IngestSession(workspace: ws)
            let (b, keys) = batch([event("e2", june1, .view, ["member:2"])])
            try session.add(b, keys: keys)
            session.abandon()
        }
        #expect(try ws.buildSnapshot().eventCount == 1)
        // Simulate a crash between writing a segment and committing it: an unregistered file.
        let orphan = ws.segmentsDirectory + "/123-abc.kseg"
        #expect(FileManager.default.createFile(atPath: orphan, contents: Data([1, 2, 3])))
        let reopened = try Workspace(dataDirectory: dir.path, name: "brand", create: false)
        #expect(!FileManager.default.fileExists(atPath: orphan))
        #expect(try reopened.segments().count == 1)
        #expect(try reopened.buildSnapshot().eventCount == 1)
    }

    /// A session told to expect 5,000 events sizes its first segment for them (not for 16 batches
    /// of 2), and splits segments at `segmentRows` (3,000) all the same: 3,000 + 2,000 rows.
    @Test("a session sizes its pending segment for the events it expects")
    func expectedEvents() throws {
        let dir = TemporaryDirectory()
        let ws = try Workspace(dataDirectory: dir.path, name: "brand", create: true)
        let session = try IngestSession(workspace: ws, segmentRows: 3000)
        session.expect(events: 5000)
        for i in stride(from: 0, to: 5000, by: 2) {
            let (b, keys) = batch([
                event("e\(i)", june1 + Int64(i), .view, ["member:\(i % 9)"]),
                event("e\(i + 1)", june1 + Int64(i + 1), .view, ["member:\(i % 9)"]),
            ])
            try session.add(b, keys: keys)
            if i == 0 { #expect(session.pendingCapacity >= 3000) }
        }
        let summary = try session.commit(.init(sources: ["test"], read: 5000, rejected: 0))
        #expect(summary.accepted == 5000 && summary.segments == 2)
        #expect(try ws.segments().map(\.rowCount).sorted() == [2000, 3000])
        #expect(try ws.buildSnapshot().eventCount == 5000)
    }

    @Test("a corrupted segment is an error naming it, never data")
    func corruption() throws {
        let dir = TemporaryDirectory()
        let ws = try Workspace(dataDirectory: dir.path, name: "brand", create: true)
        _ = try ingest((0..<100).map { event("e\($0)", june1 + Int64($0) * hour, .view, ["member:\($0 % 7)"]) }, into: ws)
        let segment = try #require(try ws.segments().first)
        let path = ws.segmentPath(segment.file)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        // Flip one bit inside the ts block (past the 64-byte header and the two fingerprint blocks).
        bytes[64 + 100 * 16 + 40] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: path))
        #expect {
            _ = try ws.buildSnapshot()
        } throws: { error in
            guard case StoreError.corruptSegment(let file, let reason) = error else { return false }
            return file == path && reason.contains("block 3")
        }
        // A truncated file is caught by its trailer.
        try bytes.prefix(bytes.count - 5).write(to: URL(fileURLWithPath: path))
        #expect(throws: StoreError.self) { _ = try ws.buildSnapshot() }
        #expect("\(StoreError.corruptSegment(file: path, reason: "x"))".contains(segment.file))
    }

    @Test("the inbox is visible to snapshots, and a flush moves it into a segment exactly once")
    func inbox() throws {
        let dir = TemporaryDirectory()
        let ws = try Workspace(dataDirectory: dir.path, name: "brand", create: true)
        _ = try ingest([event("e1", june1, .view, ["member:1"])], into: ws)
        // e1 again (a duplicate of a stored event), e2 for a known key, e3 for a new key.
        let records = [
            event("e1", june1, .view, ["member:1"]),
            event("e2", june1 + hour, .cart, ["member:1"]),
            event("e3", june1 + 2 * hour, .view, ["anon:x7"]),
        ]
        let id = try Inbox.append(records, requestID: "req-1", to: ws)
        // One entry for the request, holding its three events as they were sent.
        let pending = try Inbox.pendingEntries(in: ws)
        #expect(pending.map(\.id) == [id])
        #expect(pending.first?.requestID == "req-1")
        #expect(pending.first?.events == records)
        let before = try ws.buildSnapshot()
        // 1 stored + e2 + e3 (e1 dropped as duplicate) = 3 events; member:1 and anon:x7 = 2 consumers.
        #expect(before.eventCount == 3)
        #expect(before.consumerCount == 2)
        #expect(try InboxFlusher.flushAll(ws) == 3)
        #expect(try Inbox.count(in: ws) == 0)
        let after = try ws.buildSnapshot()
        #expect(after.eventCount == 3)
        #expect(after.consumerCount == 2)
        // Flushing again moves nothing and adds nothing.
        #expect(try InboxFlusher.flushAll(ws) == 0)
        #expect(try ws.buildSnapshot().eventCount == 3)
    }

    @Test("the inbox refuses clear phone numbers")
    func inboxRefusesClearPhones() throws {
        let dir = TemporaryDirectory()
        let ws = try Workspace(dataDirectory: dir.path, name: "brand", create: true)
        #expect(throws: StoreError.self) {
            _ = try Inbox.append([event("e1", june1, .view, ["phone:13800000000"])], requestID: "r", to: ws)
        }
        #expect(try Inbox.count(in: ws) == 0)
    }

    @Test("compaction keeps the data identical and sorts segments by consumer and time")
    func compaction() throws {
        let dir = TemporaryDirectory()
        let ws = try Workspace(dataDirectory: dir.path, name: "brand", create: true)
        for run in 0..<5 {
            _ = try ingest((0..<50).map { i in
                let n = run * 50 + i
                return event("e\(n)", june1 + Int64((n * 7919) % 500) * hour, n % 3 == 0 ? .pay : .view,
                             ["member:\(n % 13)"], order: n % 3 == 0 ? "o\(n)" : nil, amount: n % 3 == 0 ? Int64(n * 100 + 1) : nil,
                             sku: "s\(n % 4)")
            }, into: ws)
        }
        let before = SnapshotContent(try ws.buildSnapshot())
        let oldFiles = try ws.segments().map(\.file)
        let outcome = try Compactor.compact(ws, minSegments: 4)
        #expect(outcome == .init(inputSegments: 5, outputSegments: 1, rows: 250))
        let segments = try ws.segments()
        #expect(segments.count == 1)
        #expect(segments[0].level == 1)
        for file in oldFiles { #expect(!FileManager.default.fileExists(atPath: ws.segmentPath(file))) }
        #expect(SnapshotContent(try ws.buildSnapshot()) == before)
        // The compacted segment is in (consumer, time) order.
        let columns = try SegmentReader.read(path: ws.segmentPath(segments[0].file))
        let consumerOfKey = try ws.catalogue.read { db in
            try Dictionary(uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT id, consumer_id FROM identity_key").map {
                (UInt32($0[0] as Int64), UInt32($0[1] as Int64))
            })
        }
        let order = (0..<columns.rowCount).map { (consumerOfKey[columns.key[$0]]!, columns.ts[$0]) }
        #expect(order.count == 250)
        #expect(zip(order, order.dropFirst()).allSatisfy { $0 <= $1 })
    }

    @Test("the shared-key guard works through ingest and is reported")
    func sharedDevice() throws {
        let dir = TemporaryDirectory()
        let ws = try Workspace(dataDirectory: dir.path, name: "brand", create: true)
        // A store tablet (device:pos1) is seen with 25 different members: 25 > 20, so it is not
        // used for linking and the 25 members stay 25 consumers, plus the tablet's own = 26.
        let summary = try ingest((0..<25).map { event("e\($0)", june1 + Int64($0) * hour, .view, ["member:\($0)", "device:pos1"], channel: "pos") }, into: ws)
        #expect(summary.consumers == 26)
        #expect(summary.guarded.count == 1)
        #expect(summary.guarded.first?.consumers == 25)
        #expect(try ws.buildSnapshot().consumerCount == 25)
    }

    @Test("consumer ids stay stable when later data links two consumers")
    func stableConsumerIDs() throws {
        let dir = TemporaryDirectory()
        let ws = try Workspace(dataDirectory: dir.path, name: "brand", create: true)
        // Run 1: member:1 -> consumer 1, buyer:b -> consumer 2, member:3 -> consumer 3.
        _ = try ingest([
            event("e1", june1, .view, ["member:1"]),
            event("e2", june1, .view, ["buyer:b"]),
            event("e3", june1, .view, ["member:3"]),
        ], into: ws)
        #expect(try ws.buildSnapshot().consumerIDs == [1, 2, 3])
        // Run 2 links buyer:b to member:1: they merge into the older id 1; member:3 keeps 3.
        _ = try ingest([event("e4", june1 + hour, .pay, ["member:1", "buyer:b"], order: "o", amount: 100)], into: ws)
        let s = try ws.buildSnapshot()
        #expect(s.consumerIDs == [1, 3])
        #expect(s.events(of: 0).count == 3)
    }

    @Test("the snapshot cache reuses a snapshot until the data changes")
    func cache() throws {
        let dir = TemporaryDirectory()
        let ws = try Workspace(dataDirectory: dir.path, name: "brand", create: true)
        _ = try ingest([event("e1", june1, .view, ["member:1"])], into: ws)
        let cache = SnapshotCache(workspace: ws)
        let first = try cache.snapshot()
        #expect(try cache.snapshot() === first)
        _ = try Inbox.append([event("e2", june1, .view, ["member:2"])], requestID: "r", to: ws)
        let second = try cache.snapshot()
        #expect(second !== first)
        #expect(second.eventCount == 2)
    }

    @Test("workspace names are checked and a missing workspace says how to create one")
    func workspaceNames() throws {
        let dir = TemporaryDirectory()
        #expect(throws: StoreError.self) { _ = try Workspace(dataDirectory: dir.path, name: "../x", create: true) }
        #expect {
            _ = try Workspace(dataDirectory: dir.path, name: "nope", create: false)
        } throws: { error in
            "\(error)".contains("kehu ingest --workspace nope")
        }
    }
}

@Suite("Store: the writer lock")
struct WriterLockTests {
    @Test("a committed session releases the writer lock at once, so compaction in the same scope does not wait")
    func lockReleasedAtCommit() throws {
        let dir = TemporaryDirectory()
        let ws = try Workspace(dataDirectory: dir.path, name: "brand", create: true)
        for run in 0..<2 { try ingest([event("l\(run)", june1, .view, ["member:\(run)"])], into: ws) }
        let session = try IngestSession(workspace: ws)
        let (b, keys) = batch([event("l9", june1, .view, ["member:9"])])
        try session.add(b, keys: keys)
        _ = try session.commit(.init(sources: ["test"], read: 1, rejected: 0))
        // The session is still referenced here; with the lock held this would block forever.
        #expect(try Compactor.compact(ws, minSegments: 2).inputSegments == 3)
        withExtendedLifetime(session) {}
        // An abandoned session releases it too.
        let abandoned = try IngestSession(workspace: ws)
        abandoned.abandon()
        #expect(try ws.segments().count == 1)
        let next = try IngestSession(workspace: ws)
        next.abandon()
        withExtendedLifetime(abandoned) {}
    }
}
