import Foundation
import GRDB
import KehuIdentity
import KehuModel

/// The commit: everything the session wrote, registered in one catalogue transaction.
extension IngestSession {
    /// What a commit records about the run.
    public struct RunRecord: Sendable {
        public var sources: [String]
        public var read: Int
        public var rejected: Int
        public var rejectReport: String?
        /// The last inbox entry whose events and links this session holds (entries are flushed
        /// in id order): recorded as the catalogue's flushed-through id in the same transaction
        /// that registers the segment, so readers skip those entries from then on.
        public var inboxThrough: Int64?

        public init(
            sources: [String], read: Int, rejected: Int, rejectReport: String? = nil, inboxThrough: Int64? = nil
        ) {
            self.sources = sources
            self.read = read
            self.rejected = rejected
            self.rejectReport = rejectReport
            self.inboxThrough = inboxThrough
        }
    }

    /// The outcome of a commit.
    public struct CommitSummary: Sendable {
        public var runID: Int64
        public var segments: Int
        public var accepted: Int
        public var duplicates: Int
        public var newKeys: Int
        public var consumers: Int
        public var guarded: [GuardedKey]
    }

    /// Registers everything this session wrote, in one transaction, and re-resolves consumers.
    /// - Complexity: O(keys + links) for the resolution, plus the catalogue writes.
    public func commit(_ run: RunRecord) throws(StoreError) -> CommitSummary {
        precondition(!finished, "the ingest session is already committed or abandoned")
        try flushPending()
        let startedAt = Int64(Date().timeIntervalSince1970 * 1000)
        // New links: this session's, deduplicated, minus the stored ones.
        sessionLinks.sort()
        var newLinks: [UInt64] = []
        var previousLink: UInt64 = 0
        for link in sessionLinks where link != previousLink {
            previousLink = link
            if !Self.sortedContains(storedLinks, link) { newLinks.append(link) }
        }
        sessionLinks = []
        let allLinks = Self.merged(storedLinks, newLinks)
        // New keys in id order: the table's rows grow at its end, and their lookup entries go in one
        // new run of IdentityKeyIndex, in hash order (computed and sorted here, before the write
        // transaction).
        let newKeys = self.newKeys
        let previous = previousConsumer
        let keyCount = Int(nextKeyID) - 1
        let limit = guardLimit
        let t0 = ContinuousClock.now
        // Everything that needs no catalogue write runs before the write transaction, but for the
        // wait for the last segment file (below): while it is open, every other writer of the
        // catalogue waits (tags, audiences, the dashboard's sign-in; the inbox has its own
        // database). The session holds the workspace's writer lock, so the next consumer id and
        // the keys, links and consumers resolved here cannot change meanwhile.
        let next = try workspace.catalogue.read { db in UInt32(try Setting.int(db, Setting.nextConsumerID)) }
        let resolution = OneID.resolve(
            keyCount: keyCount, packedLinks: allLinks, previous: previous, nextConsumerID: max(next, 1), guardLimit: limit)
        Trace.note("OneID resolve", since: t0)
        let lookupRun = IdentityKeyIndex.Entries(newKeys.lazy.map { (id: Int64($0.id), hash: IdentityKeyIndex.hash($0.key)) })
        var committedVersion: Int64 = 0
        let summary: CommitSummary = try workspace.catalogue.write { db in
            try BulkInsert.bound(
                db, table: "identity_key", columns: ["id", "type", "value", "consumer_id", "first_seen"],
                count: newKeys.count
            ) { i, column in
                let key = newKeys[i]
                switch column {
                case 0: return .integer(Int64(key.id))
                case 1: return .integer(Int64(key.key.type.rawValue))
                case 2: return .text(key.key.value)
                case 3: return .integer(Int64(resolution.consumerOfKey[Int(key.id)]))
                default: return .integer(key.firstSeen == Int64.max ? startedAt : key.firstSeen)
                }
            }
            try IdentityKeyIndex.append(lookupRun, db)
            Trace.note("keys inserted", since: t0)
            let update = try db.cachedStatement(sql: "UPDATE identity_key SET consumer_id = ? WHERE id = ?")
            for id in 1..<min(previous.count, resolution.consumerOfKey.count) where previous[id] != 0 {
                if previous[id] != resolution.consumerOfKey[id] {
                    try update.execute(arguments: [Int64(resolution.consumerOfKey[id]), Int64(id)])
                }
            }
            try BulkInsert.bound(db, table: "identity_link", columns: ["a", "b"], count: newLinks.count) { i, column in
                let link = KeyLink(packed: newLinks[i])
                return .integer(Int64(column == 0 ? link.a : link.b))
            }
            Trace.note("links inserted", since: t0)
            // Every segment file is written, fsynced and renamed before it is registered. The
            // background writer finishes the last one while the keys and links above go in (on a
            // first load of 11M events, 0.6 s of writing beside 0.7 s of inserts): waiting for it
            // before the transaction put the two one after the other.
            let written = try writer.finish()
            Trace.note("segments written", since: t0)
            try db.execute(sql: "DELETE FROM guarded_key")
            for guardedKey in resolution.guarded {
                try db.execute(
                    sql: "INSERT INTO guarded_key (key_id, consumers) VALUES (?, ?)",
                    arguments: [Int64(guardedKey.keyID), guardedKey.consumers])
            }
            for segment in written {
                try db.execute(
                    sql: """
                        INSERT INTO segment (file, row_count, min_ts, max_ts, bytes, level, created_at)
                        VALUES (?, ?, ?, ?, ?, 0, ?)
                        """,
                    arguments: [segment.file, segment.rows, segment.minTs, segment.maxTs, segment.bytes, startedAt])
            }
            if let through = run.inboxThrough, through > (try Inbox.flushedThrough(db)) {
                try Setting.set(db, Setting.inboxFlushedThrough, through)
            }
            try Setting.set(db, Setting.nextConsumerID, Int64(resolution.nextConsumerID))
            try db.execute(
                sql: """
                    INSERT INTO ingest_run (started_at, finished_at, sources, read, accepted, duplicates, rejected, reject_report)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    startedAt, Int64(Date().timeIntervalSince1970 * 1000), run.sources.joined(separator: "\n"),
                    run.read, accepted, duplicates, run.rejected, run.rejectReport,
                ])
            let runID = db.lastInsertedRowID
            Trace.note("all rows written", since: t0)
            try Setting.bumpDataVersion(db)
            committedVersion = try Setting.int(db, Setting.dataVersion)
            return CommitSummary(
                runID: runID, segments: written.count, accepted: accepted, duplicates: duplicates,
                newKeys: newKeys.count, consumers: resolution.consumerCount, guarded: resolution.guarded)
        }
        Trace.note("catalogue transaction", since: t0)
        finished = true
        lock = nil
        baseAfterCommit = IngestBase(
            dataVersion: committedVersion, fingerprints: fingerprints, keyIDs: keyIDs, keyTypes: keyTypes,
            previousConsumer: resolution.consumerOfKey, nextKeyID: nextKeyID,
            storedLinks: allLinks, canonicalKeys: canonicalKeys)
        keyIDs = [:]
        canonicalKeys = KeyTexts()
        return summary
    }

    /// Two sorted arrays as one.
    static func merged(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
        var out: [UInt64] = []
        out.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count && j < b.count {
            if a[i] <= b[j] { out.append(a[i]); i += 1 } else { out.append(b[j]); j += 1 }
        }
        out.append(contentsOf: a[i...])
        out.append(contentsOf: b[j...])
        return out
    }

    static func sortedContains(_ sorted: [UInt64], _ value: UInt64) -> Bool {
        var low = 0, high = sorted.count
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid] < value { low = mid + 1 } else { high = mid }
        }
        return low < sorted.count && sorted[low] == value
    }
}
