import Foundation
import GRDB
import KehuModel
import Testing
@testable import KehuStore
import KehuTesting

@Suite("Inbox: its own database, kept consistent with the catalogue by the flushed-through id")
struct InboxDatabaseTests {
    @Test("an append commits while a catalogue write transaction is open (a flush's commit never holds up acknowledgements)")
    func appendDoesNotWaitForTheCatalogue() throws {
        let dir = TemporaryDirectory()
        let ws = try Workspace(dataDirectory: dir.path, name: "brand", create: true)
        let holding = Flag()
        let appended = Flag()
        let holder = Thread {
            // Held until the append has committed (or 10 minutes, when the test then fails).
            try? ws.catalogue.write { _ in
                holding.set()
                let deadline = Date().addingTimeInterval(600)
                while !appended.isSet && Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
            }
        }
        holder.start()
        while !holding.isSet { Thread.sleep(forTimeInterval: 0.005) }
        try Inbox.append([event("e1", june1, .view, ["member:1"])], requestID: "r1", to: ws)
        appended.set()
        // The catalogue transaction was still open when the append returned.
        #expect(try Inbox.count(in: ws) == 1)
        #expect(try InboxFlusher.flushAll(ws) == 1)
    }

    @Test("entries a committed flush holds are skipped by every reader until they are deleted, and then deleted")
    func flushedEntriesAreSkipped() throws {
        let dir = TemporaryDirectory()
        let ws = try Workspace(dataDirectory: dir.path, name: "brand", create: true)
        let first = try Inbox.append(
            [event("e1", june1, .view, ["member:1"]), event("e2", june1 + hour, .cart, ["member:1"])], requestID: "r1", to: ws)
        try Inbox.append([event("e3", june1, .view, ["member:2"])], requestID: "r2", to: ws)
        // A flush of the first entry that stops after its catalogue commit, before deleting the
        // entry from the inbox (as a crash there would).
        let session = try IngestSession(workspace: ws)
        let entries = try Inbox.pendingEntries(in: ws).filter { $0.id == first }
        try session.add(canonical: Inbox.batch(of: entries))
        _ = try session.commit(.init(sources: ["inbox"], read: 2, rejected: 0, inboxThrough: first))
        let rows = try ws.inbox.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM entry") }
        #expect(rows == 2)
        // e1 and e2 are in the segment; only e3 waits: 3 events, 2 consumers, none counted twice.
        #expect(try Inbox.count(in: ws) == 1)
        #expect(try Inbox.pendingEntries(in: ws).map(\.requestID) == ["r2"])
        let snapshot = try ws.buildSnapshot()
        #expect(snapshot.eventCount == 3)
        #expect(snapshot.consumerCount == 2)
        // The next flush moves e3 only and deletes both entries.
        #expect(try InboxFlusher.flushAll(ws) == 1)
        #expect(try ws.inbox.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM entry") } == 0)
        #expect(try ws.buildSnapshot().eventCount == 3)
        #expect(try StorageStats.read(ws).storedEvents == 3)
    }

    @Test("entry ids are never reused, so an emptied inbox never hands out an id the catalogue has flushed")
    func idsAreNeverReused() throws {
        let dir = TemporaryDirectory()
        let ws = try Workspace(dataDirectory: dir.path, name: "brand", create: true)
        let a = try Inbox.append([event("e1", june1, .view, ["member:1"])], requestID: "r1", to: ws)
        #expect(try InboxFlusher.flushAll(ws) == 1)
        let versionAfterFlush = try ws.dataVersion()
        let b = try Inbox.append([event("e2", june1, .view, ["member:1"])], requestID: "r2", to: ws)
        #expect(b > a)
        #expect(try Inbox.count(in: ws) == 1)
        // An append alone changes the data version (the snapshot cache rebuilds).
        #expect(try ws.dataVersion() > versionAfterFlush)
        #expect(try ws.buildSnapshot().eventCount == 2)
    }

    @Test("rows an earlier version left in the catalogue's inbox tables move to the inbox database exactly once")
    func legacyRowsMoveOnce() throws {
        let dir = TemporaryDirectory()
        let ws = try Workspace(dataDirectory: dir.path, name: "brand", create: true)
        // Two requests' events (r1: 2, r2: 1) and one identify link, as the old tables held them.
        let e1 = event("e1", june1, .view, ["member:1"]), e2 = event("e2", june1 + hour, .pay, ["member:1"], order: "o1", amount: 990)
        let e3 = event("e3", june1, .view, ["anon:v1"])
        let link = try JSONEncoder().encode(IdentityLinkRecord(ts: june1, keys: ["member:1", "anon:v1"]))
        func writeLegacyRows() throws {
            try ws.catalogue.write { db in
                for (id, request, record) in [(1, "r1", e1), (2, "r1", e2), (3, "r2", e3)] {
                    try db.execute(
                        sql: "INSERT INTO inbox (id, received_at, request_id, item, record) VALUES (?, 0, ?, 0, ?)",
                        arguments: [id, request, InboxRecordCoding.encode(record)])
                }
                try db.execute(
                    sql: "INSERT INTO inbox_link (id, received_at, request_id, item, record) VALUES (1, 0, 'r3', 0, ?)",
                    arguments: [link])
            }
        }
        try writeLegacyRows()
        let reopened = try Workspace(dataDirectory: dir.path, name: "brand", create: false)
        let entries = try Inbox.pendingEntries(in: reopened)
        #expect(entries.map(\.requestID) == ["r1", "r2", "r3"])
        #expect(entries.map(\.events) == [[e1, e2], [e3], []])
        #expect(entries.map(\.links.count) == [0, 0, 1])
        #expect(try reopened.catalogue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM inbox") } == 0)
        // As if the process had died after the move's inbox commit, before the catalogue's delete:
        // the rows are there again, with the same ids. The next open deletes them, moving nothing.
        try writeLegacyRows()
        let again = try Workspace(dataDirectory: dir.path, name: "brand", create: false)
        #expect(try Inbox.pendingEntries(in: again).count == 3)
        #expect(try again.catalogue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM inbox_link") } == 0)
        // 3 events; the link joins member:1 and anon:v1 into one consumer.
        #expect(try InboxFlusher.flushAll(again) == 3)
        let snapshot = try again.buildSnapshot()
        #expect(snapshot.eventCount == 3)
        #expect(snapshot.consumerCount == 1)
    }

    @Test("an entry that cannot be read is an error naming the entry and its record")
    func corruptEntryIsNamed() throws {
        let dir = TemporaryDirectory()
        let ws = try Workspace(dataDirectory: dir.path, name: "brand", create: true)
        let id = try Inbox.append(
            [event("e1", june1, .view, ["member:1"]), event("e2", june1, .view, ["member:2"])], requestID: "r1", to: ws)
        // Cut the entry's last byte: its second event ends early.
        try ws.inbox.write { db in
            try db.execute(sql: "UPDATE entry SET record = substr(record, 1, length(record) - 1) WHERE id = ?", arguments: [id])
        }
        #expect {
            try InboxFlusher.flushAll(ws)
        } throws: { error in
            guard case StoreError.inboxRecord(let entry, let reason) = error else { return false }
            return entry == id && reason.contains("event 1")
        }
        #expect("\(StoreError.inboxRecord(id: id, reason: "event 1: x"))".contains("inbox entry \(id)"))
    }

    /// Entries 1-3 of 1, 2 and 3 events; a flush through entry 2 in sessions of at most one entry
    /// moves 1 + 2 = 3 events in two sessions and leaves entry 3 (3 events) waiting, as an entry
    /// that arrives while the server's flusher runs waits for its next tick.
    @Test("a flush moves the entries that waited when it began, and leaves later ones for the next")
    func flushStopsAtItsStart() throws {
        let dir = TemporaryDirectory()
        let ws = try Workspace(dataDirectory: dir.path, name: "brand", create: true)
        var ids: [Int64] = []
        for n in 1...3 {
            let events = (1...n).map { i in event("e\(n)-\(i)", june1 + Int64(i) * hour, .view, ["member:\(n)"]) }
            ids.append(try Inbox.append(events, requestID: "r\(n)", to: ws))
        }
        let opened = ws.sessionsOpened
        #expect(try InboxFlusher.flushAll(ws, batchRows: 1, through: ids[1]) == 3)
        #expect(ws.sessionsOpened == opened + 1)  // one session opened; the second reuses its state
        #expect(try Inbox.count(in: ws) == 3)
        #expect(try InboxFlusher.flushAll(ws) == 3)
        #expect(try Inbox.count(in: ws) == 0)
        #expect(try ws.buildSnapshot().eventCount == 6)
    }

    @Test("a flush reuses the state the last one left; after another writer's commit it reads the store again")
    func flushReusesItsState() throws {
        let dir = TemporaryDirectory()
        let ws = try Workspace(dataDirectory: dir.path, name: "brand", create: true)
        try ingest([event("e1", june1, .view, ["member:1"])], into: ws)
        try Inbox.append([event("e2", june1 + hour, .cart, ["member:1", "anon:a"])], requestID: "r1", to: ws)
        let opened = ws.sessionsOpened
        #expect(try InboxFlusher.flushAll(ws) == 1)
        #expect(ws.sessionsOpened == opened + 1)
        // e1 again is a duplicate of a stored event: the reused fingerprints know it (the flush
        // moves 2 events out of the inbox; the snapshot below holds e1 once).
        try Inbox.append(
            [event("e1", june1, .view, ["member:1"]), event("e3", june1, .view, ["anon:a", "member:2"])], requestID: "r2", to: ws)
        #expect(try InboxFlusher.flushAll(ws) == 2)
        #expect(ws.sessionsOpened == opened + 1)
        // Another writer commits (a file ingest, whose session reads the store: +1): the next
        // flush cannot trust what it kept and reads the store again (+1).
        try ingest([event("e4", june1, .view, ["member:3"])], into: ws)
        try Inbox.append([event("e4", june1, .view, ["member:3"]), event("e5", june1, .pay, ["member:3"], order: "o5", amount: 100)], requestID: "r3", to: ws)
        #expect(try InboxFlusher.flushAll(ws) == 2)
        #expect(ws.sessionsOpened == opened + 3)
        // e1-e5 once each; member:1, anon:a and member:2 are one consumer (e2 and e3), member:3 another.
        let snapshot = try ws.buildSnapshot()
        #expect(snapshot.eventCount == 5)
        #expect(snapshot.consumerCount == 2)
    }

    @Test("flushes that reuse their state store exactly what flushes that read the store each time store")
    func reuseMatchesReload() throws {
        // 40 requests of random events over 60 visitors with several keys each (links, merges,
        // repeats of earlier events), flushed every 3 requests into two workspaces: one through a
        // single Workspace object (each flush reuses the last one's state), one reopened before
        // every flush (each reads the store). Keys, links, consumers and events must be identical.
        var random = SplitMix(seed: 20261124)
        var requests: [[EventRecord]] = []
        var links: [[IdentityLinkRecord]] = []
        var sent: [EventRecord] = []
        for r in 0..<40 {
            var records: [EventRecord] = []
            for i in 0..<(1 + Int(random.next() % 12)) {
                if !sent.isEmpty && random.next() % 6 == 0 {
                    records.append(sent[Int(random.next() % UInt64(sent.count))])
                    continue
                }
                let visitor = Int(random.next() % 60)
                var keys = ["anon:v\(visitor)"]
                if random.next() % 3 == 0 { keys.append("member:m\(visitor / 2)") }
                if random.next() % 5 == 0 { keys.append("device:d\(visitor % 7)") }
                let kinds: [EventKind] = [.view, .cart, .pay]
                let kind = kinds[Int(random.next() % 3)]
                records.append(event(
                    "r\(r)-\(i)", june1 + Int64(random.next() % 1000) * 60_000, kind, keys,
                    order: kind == .pay ? "o\(r)-\(i)" : nil, amount: kind == .pay ? Int64(random.next() % 50_000) : nil))
            }
            sent += records
            requests.append(records)
            // Identify and alias links: a unionid seen only in links (new, then known), an
            // anonymous id of the events, sometimes the member an alias's previous id names.
            var linked: [IdentityLinkRecord] = []
            if random.next() % 2 == 0 {
                let visitor = Int(random.next() % 60)
                linked.append(IdentityLinkRecord(
                    ts: june1 + Int64(random.next() % 1000) * 60_000, keys: ["anon:v\(visitor)", "unionid:u\(visitor % 13)"],
                    previousID: random.next() % 3 == 0 ? "m\(visitor / 2)" : nil))
            }
            links.append(linked)
        }
        let reusing = TemporaryDirectory(), reading = TemporaryDirectory()
        let kept = try Workspace(dataDirectory: reusing.path, name: "brand", create: true)
        _ = try Workspace(dataDirectory: reading.path, name: "brand", create: true)
        for (r, records) in requests.enumerated() {
            let entry = try InboxEntry(requestID: "r\(r)", events: records, links: links[r]).encoded()
            _ = try Inbox.write([entry], to: kept)
            let fresh = try Workspace(dataDirectory: reading.path, name: "brand", create: false)
            _ = try Inbox.write([entry], to: fresh)
            if r % 3 == 2 || r == requests.count - 1 {
                try InboxFlusher.flushAll(kept)
                try InboxFlusher.flushAll(fresh)
            }
        }
        let other = try Workspace(dataDirectory: reading.path, name: "brand", create: false)
        #expect(kept.sessionsOpened == 1)
        // Flushes that reuse their base parse each distinct key text of the events at most once
        // (one a link brought first is not parsed again), however many flushes see it; without
        // the reuse it was parsed again in every flush that had it (306 times for these 92).
        let distinctKeyTexts = Set(sent.flatMap(\.keys)).count
        #expect(kept.keyTextsParsed > 0 && kept.keyTextsParsed <= distinctKeyTexts)
        func tables(_ ws: Workspace) throws -> [[String]] {
            try ws.catalogue.read { db in
                [
                    try Row.fetchAll(db, sql: "SELECT id, type, value, consumer_id, first_seen FROM identity_key ORDER BY id").map { "\($0)" },
                    try Row.fetchAll(db, sql: "SELECT a, b FROM identity_link ORDER BY a, b").map { "\($0)" },
                    try Row.fetchAll(db, sql: "SELECT key_id, consumers FROM guarded_key ORDER BY key_id").map { "\($0)" },
                ]
            }
        }
        #expect(try tables(kept) == tables(other))
        #expect(try tables(kept)[1].count > 10)
        // The links' unionids are keys of consumers.
        #expect(try kept.catalogue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM identity_key WHERE value LIKE 'u%'") } ?? 0 > 5)
        let a = try kept.buildSnapshot(), b = try other.buildSnapshot()
        #expect(SnapshotContent(a) == SnapshotContent(b))
        // Every distinct event once.
        #expect(a.eventCount == Set(sent.map(\.fingerprint)).count)
    }

    @Test("entries decode straight into a batch exactly as through event records (binary and earlier JSON records alike)")
    func directDecodeMatchesRecords() throws {
        let dir = TemporaryDirectory()
        let ws = try Workspace(dataDirectory: dir.path, name: "brand", create: true)
        var random = SplitMix(seed: 7)
        let kinds = EventKind.allCases
        for r in 0..<20 {
            let records = (0..<(1 + Int(random.next() % 8))).map { i -> EventRecord in
                var record = EventRecord(
                    eventID: "r\(r)-\(i)", ts: Int64(random.next() % 1_000_000_000_000), kind: kinds[Int(random.next() % UInt64(kinds.count))],
                    keys: (0...Int(random.next() % 3)).map { "anon:v\(random.next() % 9)-\($0)" })
                if random.next() % 2 == 0 { record.channel = ["tmall", "jd", "门店"][Int(random.next() % 3)] }
                if random.next() % 3 == 0 { record.sku = "SKU-\(random.next() % 5)" }
                if random.next() % 3 == 0 { record.orderID = "o\(r)" }
                if random.next() % 3 == 0 { record.amount = Int64(random.next() % 100_000) }
                if random.next() % 4 == 0 { record.listPrice = 0 }
                if random.next() % 4 == 0 { record.quantity = Int32(random.next() % 9) + 1 }
                return record
            }
            let links = r % 5 == 0 ? [IdentityLinkRecord(ts: 1, keys: ["member:m\(r)", "anon:v\(r)"])] : []
            _ = try Inbox.write([try InboxEntry(requestID: "r\(r)", events: records, links: links).encoded()], to: ws)
        }
        // An entry moved from an earlier version: its events are JSON.
        let json = try JSONEncoder().encode(EventRecord(eventID: "old", ts: 5, kind: .pay, keys: ["member:old"], orderID: "o", amount: 1))
        try ws.inbox.write { db in
            try db.execute(
                sql: "INSERT INTO entry (received_at, request_id, events, links, record) VALUES (0, 'legacy', 1, 0, ?)",
                arguments: [InboxEntryCoding.encode(eventRecords: [json], links: [])])
        }
        let stored = try ws.inbox.read { db in try Inbox.readEntries(db, after: 0) }
        let (direct, directLinks) = try Inbox.batchAndLinks(of: stored)
        let pending = try Inbox.pendingEntries(in: ws)
        let viaRecords = try Inbox.batch(of: pending)
        #expect(direct.count == viaRecords.count)
        #expect(direct.count == pending.reduce(0) { $0 + $1.events.count })
        for i in 0..<direct.count {
            #expect(direct.record(at: i) == viaRecords.record(at: i))
            #expect(direct.source[i] == viaRecords.source[i])
        }
        #expect(direct.keys == viaRecords.keys)
        #expect(directLinks == pending.flatMap(\.links))
        #expect(directLinks.count == 4)
    }

    @Test("identity links round-trip through their binary form; JSON links of earlier versions still read; bad bytes are an error")
    func linkCoding() throws {
        let links = [
            IdentityLinkRecord(ts: -5, keys: ["member:客户-1", "anon:x"], previousID: "旧-id"),
            IdentityLinkRecord(ts: 1_780_243_200_000, keys: ["member:u"]),
        ]
        for link in links {
            var bytes: [UInt8] = []
            InboxLinkCoding.encode(link, into: &bytes)
            #expect(try bytes.withUnsafeBytes { try InboxLinkCoding.decode(bytes: $0) } == link)
            // One byte short: an error, never a link.
            #expect(throws: InboxRecordError.self) { try bytes.dropLast().withUnsafeBytes { try InboxLinkCoding.decode(bytes: $0) } }
            let json = [UInt8](try JSONEncoder().encode(link))
            #expect(try json.withUnsafeBytes { try InboxLinkCoding.decode(bytes: $0) } == link)
        }
    }

    @Test("flushed entries are deleted in chunks up to the flushed-through id, and no further")
    func removalInChunks() throws {
        let dir = TemporaryDirectory()
        let ws = try Workspace(dataDirectory: dir.path, name: "brand", create: true)
        var ids: [Int64] = []
        for r in 0..<10 { ids.append(try Inbox.append([event("e\(r)", june1, .view, ["member:\(r)"])], requestID: "r\(r)", to: ws)) }
        // Through the 7th entry in chunks of 3: 3 + 3 + 1 deleted, the last 3 kept.
        try Inbox.removeFlushed(ws, through: ids[6], chunk: 3)
        let left = try ws.inbox.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM entry ORDER BY id") }
        #expect(left == Array(ids[7...]))
        try Inbox.removeFlushed(ws, through: ids[9], chunk: 3)
        #expect(try ws.inbox.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM entry") } == 0)
        // The deletions commit without an fsync; the writer is back to FULL for the appends
        // that follow (2 = FULL), and an append after them is stored.
        #expect(try ws.inbox.writerSynchronous() == 2)
        // Freed pages are not zeroed and logged (Debian's SQLite defaults to secure_delete = 1):
        // 2 = FAST, on the writer and on readers.
        #expect(try ws.inbox.write { db in try Int.fetchOne(db, sql: "PRAGMA secure_delete") } == 2)
        #expect(try ws.inbox.read { db in try Int.fetchOne(db, sql: "PRAGMA secure_delete") } == 2)
        let after = try Inbox.append([event("e10", june1, .view, ["member:10"])], requestID: "r10", to: ws)
        #expect(after > ids[9])
        #expect(try ws.inbox.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM entry") } == [after])
    }

    @Test("a failed unsynced write rolls back and leaves the writer at synchronous = FULL")
    func unsyncedFailure() throws {
        let dir = TemporaryDirectory()
        let ws = try Workspace(dataDirectory: dir.path, name: "brand", create: true)
        let id = try Inbox.append([event("e0", june1, .view, ["member:0"])], requestID: "r0", to: ws)
        struct Refused: Error {}
        #expect(throws: (any Error).self) {
            try ws.inbox.writeUnsynced { db in
                try db.execute(sql: "DELETE FROM entry")
                throw Refused()
            }
        }
        // Rolled back: the entry is still there; and the connection is FULL again.
        #expect(try ws.inbox.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM entry") } == [id])
        #expect(try ws.inbox.writerSynchronous() == 2)
    }
}

extension Inbox {
    /// Decoded entries as one batch through `EventRecord`s (the plain path the flush's direct
    /// decode is checked against); each event's source is its entry id.
    static func batch(of entries: [PendingEntry]) throws -> EventBatch {
        var batch = EventBatch()
        for entry in entries {
            for record in entry.events { batch.append(record, source: entry.id) }
        }
        return batch
    }
}
