import GRDB
import KehuModel

/// What a workspace holds on disk and in its catalogue.
public struct StorageStats: Sendable, Equatable, Codable {
    public var segments: Int
    public var compactedSegments: Int
    public var segmentBytes: Int64
    public var storedEvents: Int
    public var inboxEvents: Int
    public var identityKeys: [String: Int]
    public var links: Int
    public var guardedKeys: Int
    public var ingestRuns: Int

    public static func read(_ workspace: Workspace) throws(StoreError) -> StorageStats {
        let inboxEvents = try Inbox.count(in: workspace)
        return try workspace.catalogue.read { db in
            let segment = try Row.fetchOne(
                db, sql: "SELECT COUNT(*), COALESCE(SUM(level > 0), 0), COALESCE(SUM(bytes), 0), COALESCE(SUM(row_count), 0) FROM segment")!
            var keys: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT type, COUNT(*) FROM identity_key GROUP BY type") {
                let type = IdentityKeyType(rawValue: UInt8(row[0] as Int64))?.name ?? "unknown"
                keys[type] = row[1]
            }
            return StorageStats(
                segments: segment[0], compactedSegments: segment[1], segmentBytes: segment[2], storedEvents: segment[3],
                inboxEvents: inboxEvents,
                identityKeys: keys,
                links: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM identity_link") ?? 0,
                guardedKeys: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM guarded_key") ?? 0,
                ingestRuns: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ingest_run") ?? 0)
        }
    }
}
