import Foundation
import GRDB
import KehuModel

/// The streaming inbox: events that arrive over HTTP are appended here and acknowledged only
/// after the transaction commits. ``InboxFlusher`` moves them into segments.
///
/// Records are stored in a compact binary form (``InboxRecordCoding``) with their identity keys
/// already canonical (phones and emails hashed by the caller with the workspace salt): clear
/// personal data never reaches disk.
public enum Inbox {
    /// Appends records as one entry and returns its entry id once the transaction has committed.
    /// - Parameters:
    ///   - records: events whose `keys` are canonical `type:value` strings.
    ///   - requestID: where they came from, for error reports (e.g. the HTTP request id).
    @discardableResult
    public static func append(
        _ records: [EventRecord], requestID: String, to workspace: Workspace
    ) throws(StoreError) -> Int64 {
        let entry = try InboxEntry(requestID: requestID, events: records).encoded()
        return try write([entry], to: workspace)[0]
    }

    /// Writes encoded entries in one transaction of the inbox database (a group commit: one
    /// fsync for all of them) and returns their entry ids, in order, once it has committed.
    /// - Complexity: O(entries) row inserts (one per request, whatever its number of events).
    static func write(_ entries: [InboxEntry.Encoded], to workspace: Workspace) throws(StoreError) -> [Int64] {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        return try workspace.inbox.write { db in
            let insert = try db.cachedStatement(
                sql: "INSERT INTO entry (received_at, request_id, events, links, record) VALUES (?, ?, ?, ?, ?)")
            var ids: [Int64] = []
            ids.reserveCapacity(entries.count)
            for entry in entries {
                try insert.execute(arguments: [now, entry.requestID, entry.eventCount, entry.linkCount, entry.record])
                ids.append(db.lastInsertedRowID)
            }
            return ids
        }
    }

    /// Checks that a record's keys are canonical and that phones and emails are hashed.
    static func validate(keys: [String], what: @autoclosure () -> String, requestID: String) throws(StoreError) {
        // `what` ("record 17") is built only for an error: this runs for every event received.
        guard !keys.isEmpty else {
            throw .invalidArgument("\(what()) of request \(requestID) has no identity key")
        }
        for key in keys {
            guard let (type, value) = try? IdentityKey.check(key) else {
                throw .invalidArgument("\(what()) of request \(requestID) has a malformed identity key")
            }
            if type.isHashedAtIngest && !isHexDigest(value) {
                throw .invalidArgument(
                    "\(what()) of request \(requestID): \(type.name) keys must be hashed before they reach the inbox")
            }
        }
    }

    static func isHexDigest(_ value: some StringProtocol) -> Bool {
        value.utf8.count == 64 && value.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    // MARK: Reading

    /// An entry of the inbox as stored: its counts, and its records still encoded.
    struct StoredEntry: Sendable {
        var id: Int64
        var receivedAt: Int64
        var requestID: String
        var events: Int
        var links: Int
        var record: Data

        func decoded() throws(StoreError) -> PendingEntry {
            do {
                let (events, links) = try InboxEntryCoding.decode(record)
                return PendingEntry(id: id, receivedAt: receivedAt, requestID: requestID, events: events, links: links)
            } catch {
                throw .inboxRecord(id: id, reason: "\(error)")
            }
        }
    }

    /// An entry waiting in the inbox: what one request appended.
    public struct PendingEntry: Sendable {
        public var id: Int64
        /// When it was committed (UTC ms).
        public var receivedAt: Int64
        public var requestID: String
        public var events: [EventRecord]
        public var links: [IdentityLinkRecord]
    }

    /// The last entry id whose events are in a registered segment (0 for none).
    static func flushedThrough(_ db: Database) throws -> Int64 {
        try Setting.int(db, Setting.inboxFlushedThrough)
    }

    /// Entries after `afterID` and up to `throughID`, oldest first, up to the first that brings
    /// the events read to `maxEvents` (at least one entry when any waits).
    static func readEntries(
        _ db: Database, after afterID: Int64, through throughID: Int64 = .max, maxEvents: Int = .max
    ) throws -> [StoredEntry] {
        var entries: [StoredEntry] = []
        var events = 0
        let rows = try Row.fetchCursor(
            db, sql: "SELECT id, received_at, request_id, events, links, record FROM entry WHERE id > ? AND id <= ? ORDER BY id",
            arguments: [afterID, throughID])
        while events < maxEvents, let row = try rows.next() {
            let entry = StoredEntry(
                id: row[0], receivedAt: row[1], requestID: row[2], events: row[3], links: row[4], record: row[5])
            events += entry.events
            entries.append(entry)
        }
        return entries
    }

    /// The entries waiting (not yet in a registered segment), oldest first, decoded: for tools
    /// and tests. The inbox is read before the catalogue, so an entry flushed meanwhile is
    /// skipped rather than counted twice (see ``InboxDatabase``).
    public static func pendingEntries(in workspace: Workspace) throws(StoreError) -> [PendingEntry] {
        let stored = try workspace.inbox.read { db in try readEntries(db, after: 0) }
        let through = try workspace.catalogue.read { db in try flushedThrough(db) }
        var pending: [PendingEntry] = []
        for entry in stored where entry.id > through { pending.append(try entry.decoded()) }
        return pending
    }

    /// Events and identity links waiting (read like ``pendingEntries(in:)``, without decoding).
    static func waiting(in workspace: Workspace) throws(StoreError) -> (events: Int, links: Int) {
        let counts = try workspace.inbox.read { db in
            try Row.fetchAll(db, sql: "SELECT id, events, links FROM entry").map { (id: $0[0] as Int64, events: $0[1] as Int, links: $0[2] as Int) }
        }
        let through = try workspace.catalogue.read { db in try flushedThrough(db) }
        var events = 0, links = 0
        for entry in counts where entry.id > through {
            events += entry.events
            links += entry.links
        }
        return (events, links)
    }

    /// Number of events waiting in the inbox.
    public static func count(in workspace: Workspace) throws(StoreError) -> Int {
        try waiting(in: workspace).events
    }

    /// Identity links waiting in the inbox (identify and alias messages).
    public static func linkCount(in workspace: Workspace) throws(StoreError) -> Int {
        try waiting(in: workspace).links
    }

    /// Stored entries straight into one batch (no `EventRecord` made), its key texts left as the
    /// inbox holds them (canonical: ``IngestSession/add(canonical:)`` reads them), and their
    /// identity links, in entry order; each event's source is its entry id.
    static func batchAndLinks(of entries: [StoredEntry]) throws(StoreError) -> (EventBatch, [IdentityLinkRecord]) {
        var batch = EventBatch()
        batch.reserve(entries.reduce(0) { $0 + $1.events })
        var links: [IdentityLinkRecord] = []
        var scratch: [UInt32] = []
        for entry in entries {
            do {
                links += try InboxEntryCoding.decode(entry.record, into: &batch, source: entry.id, keyScratch: &scratch)
            } catch {
                throw .inboxRecord(id: entry.id, reason: "\(error)")
            }
        }
        return (batch, links)
    }

    /// Deletes the entries a registered segment already holds (up to the catalogue's
    /// flushed-through id). Readers skip them anyway; this only frees the space.
    ///
    /// Deleted `chunk` entries per transaction: a flush's 2,000 entries (40 MB of records) in one
    /// transaction held the inbox's writer for 0.2 s under load, and every acknowledgement waited
    /// for it; in chunks, appends commit in between. The deletions are not fsynced
    /// (``InboxDatabase/writeUnsynced(_:)``).
    static func removeFlushed(_ workspace: Workspace, through: Int64, chunk: Int = 100) throws(StoreError) {
        while true {
            let ids = try workspace.inbox.read { db in
                try Int64.fetchAll(db, sql: "SELECT id FROM entry WHERE id <= ? ORDER BY id LIMIT ?", arguments: [through, chunk])
            }
            guard let last = ids.last else { return }
            try workspace.inbox.writeUnsynced { db in try db.execute(sql: "DELETE FROM entry WHERE id <= ?", arguments: [last]) }
            if ids.count < chunk { return }
        }
    }
}

/// Moves inbox entries into segments. Each flush is one ingest session: the segment is written,
/// then one catalogue transaction registers it, links the keys and records the last entry it
/// holds (`inbox_flushed_through`); the entries are deleted from the inbox database afterwards.
/// A crash before the commit leaves the entries waiting (and an orphan file, removed at the next
/// open); after it, every reader skips them and the next flush deletes them. Nothing is lost and
/// nothing counted twice.
public enum InboxFlusher {
    /// Flushes the oldest inbox entries, up to the one that brings the events to `maxRows`;
    /// returns how many events it moved.
    @discardableResult
    public static func flush(_ workspace: Workspace, maxRows: Int = 200_000) throws(StoreError) -> Int {
        try flushOnce(workspace, maxRows: maxRows).events
    }

    /// One flush: events and identity links of the oldest entries (up to entry `throughID`) move
    /// in one ingest session.
    static func flushOnce(
        _ workspace: Workspace, maxRows: Int, throughID: Int64 = .max
    ) throws(StoreError) -> (events: Int, links: Int, entries: Int) {
        try Inbox.moveLegacyRows(workspace)
        // A session that cannot reuse the last flush's state reads every stored fingerprint and key
        // (O(store): about half a second of CPU at 10M events), so an empty inbox, the usual case
        // for a flush timer, is checked first.
        let known = try workspace.catalogue.read { db in try Inbox.flushedThrough(db) }
        let waiting = try workspace.inbox.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM entry WHERE id > ? AND id <= ?)", arguments: [known, throughID]) ?? false
        }
        guard waiting else {
            try Inbox.removeFlushed(workspace, through: known)
            return (0, 0, 0)
        }
        // The last flush's fingerprints and keys, unless another writer has committed since.
        let session = try IngestSession(workspace: workspace, reusing: workspace.takeFlushBase())
        // Read again under the writer lock: another process may have flushed meanwhile.
        let through = try workspace.catalogue.read { db in try Inbox.flushedThrough(db) }
        let t0 = ContinuousClock.now
        let stored = try workspace.inbox.read { db in
            try Inbox.readEntries(db, after: through, through: throughID, maxEvents: maxRows)
        }
        Trace.note("flush: \(stored.count) inbox entries read", since: t0)
        guard let last = stored.last else {
            session.abandon()
            return (0, 0, 0)
        }
        let (batch, linkRecords) = try Inbox.batchAndLinks(of: stored)
        let events = batch.count
        if events > 0 { try session.add(canonical: batch) }
        for link in linkRecords { try session.link(link) }
        let links = linkRecords.count
        Trace.note("flush: \(events) events added", since: t0)
        _ = try session.commit(.init(sources: ["inbox"], read: events, rejected: 0, inboxThrough: last.id))
        workspace.keepFlushBase(session.baseAfterCommit)
        Trace.note("flush: committed", since: t0)
        try Inbox.removeFlushed(workspace, through: last.id)
        Trace.note("flush: inbox entries deleted", since: t0)
        return (events, links, stored.count)
    }

    /// Flushes every entry the inbox holds when it starts (events and identity links), up to
    /// `batchRows` events per session; returns the events moved. Entries that arrive meanwhile
    /// wait for the next call: under steady load, chasing them made the server's flusher run
    /// back to back in sessions of whatever had arrived during the last one (66 sessions of
    /// 24,000 to 316,000 events in a minute at 100,000 events/s), and part of a session's cost
    /// is per session (the commit's fsyncs, `OneID.resolve` over every key), so the flusher took
    /// more CPU per event the more it chased.
    ///
    /// The default is large for the same reason: `OneID.resolve` walks every stored key, and the
    /// commit's fsyncs and the consumer-id updates of merged consumers come once per session
    /// (docs/performance.md has the flush's figures). A session holds its events in memory:
    /// about 275 bytes per event read, so peak RSS grew from 400 to 620 MiB in the load test.
    @discardableResult
    public static func flushAll(_ workspace: Workspace, batchRows: Int = 1_000_000) throws(StoreError) -> Int {
        try flushAll(workspace, batchRows: batchRows, through: try workspace.inbox.read { db in try workspace.inbox.lastEntryID(db) })
    }

    /// Flushes the entries up to entry `last`, in sessions of up to `batchRows` events.
    static func flushAll(_ workspace: Workspace, batchRows: Int, through last: Int64) throws(StoreError) -> Int {
        var total = 0
        while true {
            let moved = try flushOnce(workspace, maxRows: batchRows, throughID: last)
            total += moved.events
            if moved.entries == 0 { return total }
        }
    }
}
