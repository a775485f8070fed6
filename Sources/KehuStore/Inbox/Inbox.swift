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
    /// Appends records in one transaction and returns their inbox ids once it has committed.
    /// - Parameters:
    ///   - records: events whose `keys` are canonical `type:value` strings.
    ///   - requestID: where they came from, for error reports (e.g. the HTTP request id).
    public static func append(
        _ records: [EventRecord], requestID: String, to workspace: Workspace
    ) throws(StoreError) -> [Int64] {
        let entry = try InboxEntry(requestID: requestID, events: records).encoded()
        return try write([entry], to: workspace)
    }

    /// Writes encoded entries in one transaction (a group commit: one fsync for all of them)
    /// and returns the inbox ids of their events, in order, once it has committed.
    /// - Complexity: O(events + links) row inserts.
    static func write(_ entries: [InboxEntry.Encoded], to workspace: Workspace) throws(StoreError) -> [Int64] {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        return try workspace.catalogue.write { db in
            let insert = try db.cachedStatement(
                sql: "INSERT INTO inbox (received_at, request_id, item, record) VALUES (?, ?, ?, ?)")
            var ids: [Int64] = []
            ids.reserveCapacity(entries.reduce(0) { $0 + $1.events.count })
            var linked = false
            for entry in entries {
                for (item, data) in entry.events.enumerated() {
                    try insert.execute(arguments: [now, entry.requestID, item, data])
                    ids.append(db.lastInsertedRowID)
                }
                if !entry.links.isEmpty {
                    let insertLink = try db.cachedStatement(
                        sql: "INSERT INTO inbox_link (received_at, request_id, item, record) VALUES (?, ?, ?, ?)")
                    for (item, data) in entry.links.enumerated() {
                        try insertLink.execute(arguments: [now, entry.requestID, item, data])
                    }
                    linked = true
                }
            }
            if !ids.isEmpty || linked { try Setting.bumpDataVersion(db) }
            return ids
        }
    }

    /// Checks that a record's keys are canonical and that phones and emails are hashed.
    static func validate(keys: [String], what: String, requestID: String) throws(StoreError) {
        guard !keys.isEmpty else {
            throw .invalidArgument("\(what) of request \(requestID) has no identity key")
        }
        for key in keys {
            guard let parsed = try? IdentityKey.parse(key) else {
                throw .invalidArgument("\(what) of request \(requestID) has a malformed identity key")
            }
            if parsed.type.isHashedAtIngest && !isHexDigest(parsed.value) {
                throw .invalidArgument(
                    "\(what) of request \(requestID): \(parsed.type.name) keys must be hashed before they reach the inbox")
            }
        }
    }

    /// Identity links waiting in the inbox (identify and alias messages).
    public static func linkCount(in workspace: Workspace) throws(StoreError) -> Int {
        try workspace.catalogue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM inbox_link") ?? 0 }
    }

    /// Reads up to `limit` identity-link rows in id order.
    static func readLinks(_ db: Database, limit: Int) throws -> [(id: Int64, record: IdentityLinkRecord)] {
        let decoder = JSONDecoder()
        return try Row.fetchAll(db, sql: "SELECT id, record FROM inbox_link ORDER BY id LIMIT ?", arguments: [limit]).map { row in
            let id: Int64 = row[0]
            let data: Data = row[1]
            do {
                return (id, try decoder.decode(IdentityLinkRecord.self, from: data))
            } catch {
                throw StoreError.inboxRecord(id: id, reason: "identity link: \(error)")
            }
        }
    }

    /// Number of events waiting in the inbox.
    public static func count(in workspace: Workspace) throws(StoreError) -> Int {
        try workspace.catalogue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM inbox") ?? 0 }
    }

    /// Reads up to `limit` inbox rows in id order.
    static func read(
        _ db: Database, limit: Int, afterID: Int64 = 0
    ) throws -> [(id: Int64, record: EventRecord)] {
        try Row.fetchAll(
            db, sql: "SELECT id, record FROM inbox WHERE id > ? ORDER BY id LIMIT ?", arguments: [afterID, limit]
        ).map { row in
            let id: Int64 = row[0]
            let data: Data = row[1]
            do {
                return (id, try InboxRecordCoding.decode(data))
            } catch {
                throw StoreError.inboxRecord(id: id, reason: "\(error)")
            }
        }
    }

    static func isHexDigest(_ value: String) -> Bool {
        value.utf8.count == 64 && value.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// Turns inbox records into a batch whose keys are already canonical.
    static func batch(of records: [(id: Int64, record: EventRecord)]) throws(StoreError) -> (EventBatch, [IdentityKey?]) {
        var batch = EventBatch()
        batch.reserve(records.count)
        for (id, record) in records { batch.append(record, source: id) }
        var keys: [IdentityKey?] = [nil]
        for code in 1..<max(1, batch.keys.codeCount) {
            let text = batch.keys.string(UInt32(code))!
            guard let key = try? IdentityKey.parse(text) else {
                throw .invalidArgument("an inbox record has a malformed identity key")
            }
            keys.append(key)
        }
        return (batch, keys)
    }
}

/// Moves inbox rows into segments. Each flush is one ingest session: the segment is written,
/// then one transaction registers it and deletes exactly the rows it holds. A crash before the
/// commit leaves the rows in the inbox (and an orphan file, removed at the next open); after it,
/// the rows are gone and the segment is registered. Nothing is lost and nothing counted twice.
public enum InboxFlusher {
    /// Flushes up to `maxRows` of the oldest inbox events and up to as many identity links;
    /// returns how many events it moved.
    @discardableResult
    public static func flush(_ workspace: Workspace, maxRows: Int = 200_000) throws(StoreError) -> Int {
        try flushOnce(workspace, maxRows: maxRows).events
    }

    /// One flush: events and identity links move in one ingest session, and one transaction
    /// registers the segment, links the keys and deletes exactly the rows it used.
    static func flushOnce(_ workspace: Workspace, maxRows: Int) throws(StoreError) -> (events: Int, links: Int) {
        // Opening a session reads every stored fingerprint and key (O(store): about half a second
        // of CPU at 10M events), so an empty inbox, the usual case for a flush timer, is checked first.
        let waiting = try workspace.catalogue.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM inbox) OR EXISTS (SELECT 1 FROM inbox_link)") ?? false
        }
        guard waiting else { return (0, 0) }
        let session = try IngestSession(workspace: workspace)
        let (rows, links) = try workspace.catalogue.read { db in
            (try Inbox.read(db, limit: maxRows), try Inbox.readLinks(db, limit: maxRows))
        }
        guard !rows.isEmpty || !links.isEmpty else {
            session.abandon()
            return (0, 0)
        }
        if !rows.isEmpty {
            let (batch, keys) = try Inbox.batch(of: rows)
            try session.add(batch, keys: keys)
        }
        for (_, link) in links {
            try session.link(link)
        }
        _ = try session.commit(
            .init(sources: ["inbox"], read: rows.count, rejected: 0, inboxThrough: rows.last?.id, inboxLinksThrough: links.last?.id))
        return (rows.count, links.count)
    }

    /// Flushes until the inbox is empty (events and identity links); returns the events moved.
    @discardableResult
    public static func flushAll(_ workspace: Workspace, batchRows: Int = 200_000) throws(StoreError) -> Int {
        var total = 0
        while true {
            let moved = try flushOnce(workspace, maxRows: batchRows)
            total += moved.events
            if moved.events == 0 && moved.links == 0 { return total }
        }
    }
}
