import Foundation
import GRDB

extension Inbox {
    /// Moves what an earlier version left waiting in the catalogue's `inbox` and `inbox_link`
    /// tables (one row per event or link) into the inbox database, one entry per request.
    ///
    /// Exactly once across crashes: the inbox transaction that inserts the entries also records
    /// the last legacy row ids it moved, and only then are those rows deleted from the catalogue;
    /// a crash in between leaves rows that the next call deletes without moving them again.
    /// - Parameter lockHeld: the caller holds the workspace's writer lock (else it is taken).
    static func moveLegacyRows(_ workspace: Workspace, lockHeld: Bool = false) throws(StoreError) {
        let any = try workspace.catalogue.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM inbox) OR EXISTS (SELECT 1 FROM inbox_link)") ?? false
        }
        guard any else { return }
        let lock = lockHeld ? nil : try workspace.lockForWriting()
        defer { _ = lock }
        let (events, links) = try workspace.catalogue.read { db in
            (
                try Row.fetchAll(db, sql: "SELECT id, received_at, request_id, record FROM inbox ORDER BY id"),
                try Row.fetchAll(db, sql: "SELECT id, received_at, request_id, record FROM inbox_link ORDER BY id")
            )
        }
        let through: (events: Int64, links: Int64) = try workspace.inbox.write { db in
            func setting(_ name: String) throws -> Int64 {
                try Int64.fetchOne(db, sql: "SELECT value FROM setting WHERE name = ?", arguments: [name]) ?? 0
            }
            let eventsThrough = try setting("legacy_inbox_through")
            let linksThrough = try setting("legacy_inbox_link_through")
            let insert = try db.makeStatement(
                sql: "INSERT INTO entry (received_at, request_id, events, links, record) VALUES (?, ?, ?, ?, ?)")
            // Consecutive rows of one request become one entry.
            func move(_ rows: [Row], after: Int64, areLinks: Bool) throws -> Int64 {
                var last = after
                var run: [Data] = []
                var runRequest = ""
                var runReceived: Int64 = 0
                func close() throws {
                    guard !run.isEmpty else { return }
                    let record = areLinks
                        ? InboxEntryCoding.encode(eventRecords: [], links: run)
                        : InboxEntryCoding.encode(eventRecords: run, links: [])
                    try insert.execute(arguments: [
                        runReceived, runRequest, areLinks ? 0 : run.count, areLinks ? run.count : 0, record,
                    ])
                    run = []
                }
                for row in rows {
                    let id: Int64 = row[0]
                    guard id > after else { continue }
                    let request: String = row[2]
                    if request != runRequest { try close() }
                    if run.isEmpty {
                        runRequest = request
                        runReceived = row[1]
                    }
                    run.append(row[3])
                    last = id
                }
                try close()
                return last
            }
            let newEvents = try move(events, after: eventsThrough, areLinks: false)
            let newLinks = try move(links, after: linksThrough, areLinks: true)
            let upsert = "INSERT INTO setting (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value"
            try db.execute(sql: upsert, arguments: ["legacy_inbox_through", newEvents])
            try db.execute(sql: upsert, arguments: ["legacy_inbox_link_through", newLinks])
            return (newEvents, newLinks)
        }
        try workspace.catalogue.write { db in
            try db.execute(sql: "DELETE FROM inbox WHERE id <= ?", arguments: [through.events])
            try db.execute(sql: "DELETE FROM inbox_link WHERE id <= ?", arguments: [through.links])
        }
    }
}
