import Foundation
import GRDB
import KehuIdentity
import KehuModel

/// One ingest into a workspace: batches go in, duplicates are dropped, identity keys become key
/// ids, and each batch becomes a segment file; ``commit(_:)`` then registers every segment, the
/// new keys and links, and the re-resolved consumers in one catalogue transaction.
///
/// Until the commit nothing is visible: a crash or ``abandon()`` leaves the workspace as it was
/// (the unregistered files are removed at the next open). The session holds the workspace's
/// writer lock for its whole life, so key ids assigned in memory cannot collide.
public final class IngestSession {
    public let workspace: Workspace
    private let lock: FileLock
    private var fingerprints: FingerprintSet
    private var keyIDs: [IdentityKey: UInt32] = [:]
    private var previousConsumer: [UInt32]
    private var newKeys: [(id: UInt32, key: IdentityKey, firstSeen: Int64)] = []
    private var nextKeyID: UInt32
    private var links: Set<UInt64>
    private var newLinks: [UInt64] = []
    private var written: [(file: String, rows: Int, minTs: Int64, maxTs: Int64, bytes: Int64)] = []
    private var finished = false
    public let guardLimit: Int

    /// Events accepted so far (not duplicates).
    public private(set) var accepted = 0
    /// Events dropped as duplicates of an earlier event (in this run or already stored).
    public private(set) var duplicates = 0

    /// Opens a session, waiting for the workspace's writer lock, and loads the fingerprints,
    /// keys and links already stored.
    /// - Complexity: O(stored events + keys + links).
    public init(workspace: Workspace, guardLimit: Int = OneID.defaultGuardLimit) throws(StoreError) {
        self.workspace = workspace
        self.guardLimit = guardLimit
        lock = try workspace.lockForWriting()
        let segments = try workspace.segments()
        var set = FingerprintSet(capacity: segments.reduce(0) { $0 + $1.rowCount } + 1024)
        for segment in segments {
            let (high, low) = try SegmentReader.fingerprints(path: workspace.segmentPath(segment.file))
            for i in 0..<high.count { set.insert(high: high[i], low: low[i]) }
        }
        fingerprints = set
        var keyIDs: [IdentityKey: UInt32] = [:]
        var previous: [UInt32] = [0]
        var maxID: UInt32 = 0
        var links = Set<UInt64>()
        try workspace.catalogue.read { db in
            let rows = try Row.fetchCursor(db, sql: "SELECT id, type, value, consumer_id FROM identity_key ORDER BY id")
            while let row = try rows.next() {
                let id = UInt32(row[0] as Int64)
                guard let type = IdentityKeyType(rawValue: UInt8(row[1] as Int64)) else { continue }
                keyIDs[IdentityKey(type: type, value: row[2])] = id
                if previous.count <= Int(id) { previous += [UInt32](repeating: 0, count: Int(id) + 1 - previous.count) }
                previous[Int(id)] = UInt32(row[3] as Int64)
                maxID = max(maxID, id)
            }
            let linkRows = try Row.fetchCursor(db, sql: "SELECT a, b FROM identity_link")
            while let row = try linkRows.next() {
                links.insert(UInt64(row[0] as Int64) << 32 | UInt64(row[1] as Int64))
            }
        }
        self.keyIDs = keyIDs
        previousConsumer = previous
        nextKeyID = maxID + 1
        self.links = links
    }

    /// Adds a batch: drops duplicates, maps keys to ids, writes a segment file (not yet visible).
    /// - Parameters:
    ///   - keys: the identity key of each code of `batch.keys` (index = code; phones and emails
    ///     already hashed). Every event must have at least one key.
    /// - Returns: (accepted, duplicates) of this batch.
    /// - Complexity: O(events + distinct keys).
    @discardableResult
    public func add(_ batch: EventBatch, keys: [IdentityKey?]) throws(StoreError) -> (accepted: Int, duplicates: Int) {
        precondition(!finished, "the ingest session is already committed or abandoned")
        // Key ids per batch key code, allocated on first sight.
        var idOfCode = [UInt32](repeating: 0, count: batch.keys.codeCount)
        var rankOfCode = [Int](repeating: Int.max, count: batch.keys.codeCount)
        for code in 1..<max(1, batch.keys.codeCount) {
            guard let key = code < keys.count ? keys[code] : nil else { continue }
            rankOfCode[code] = key.type.anchorRank
        }
        var columns = SegmentColumns()
        columns.reserve(batch.count)
        var maps: [[UInt32]] = []
        for f in 0..<batch.tables.count { maps.append(EventBatch.recode(batch.tables[f], into: &columns.tables[f])) }
        var batchAccepted = 0
        var batchDuplicates = 0
        for i in 0..<batch.count {
            let fp = batch.fingerprint[i]
            guard fingerprints.insert(high: fp.high, low: fp.low) else {
                batchDuplicates += 1
                continue
            }
            var anchor: UInt32 = 0
            var anchorRank = Int.max
            let eventKeys = batch.keyCodes(of: i)
            for code in eventKeys {
                let c = Int(code)
                if idOfCode[c] == 0 {
                    guard let key = c < keys.count ? keys[c] : nil else {
                        throw .invalidArgument("event at source line \(batch.source[i]) has a key that was not resolved")
                    }
                    idOfCode[c] = keyID(for: key, firstSeen: batch.ts[i])
                }
                if rankOfCode[c] < anchorRank || (rankOfCode[c] == anchorRank && idOfCode[c] < anchor) {
                    anchor = idOfCode[c]
                    anchorRank = rankOfCode[c]
                }
            }
            guard anchor != 0 else {
                throw .invalidArgument("event at source line \(batch.source[i]) has no identity key")
            }
            if eventKeys.count > 1 {
                for code in eventKeys {
                    guard let link = KeyLink(anchor, idOfCode[Int(code)]) else { continue }
                    if links.insert(link.packed).inserted { newLinks.append(link.packed) }
                }
            }
            columns.append(from: batch, row: i, key: anchor, maps: maps)
            batchAccepted += 1
        }
        if columns.rowCount > 0 { try writeSegment(columns) }
        accepted += batchAccepted
        duplicates += batchDuplicates
        return (batchAccepted, batchDuplicates)
    }

    private func keyID(for key: IdentityKey, firstSeen: Int64) -> UInt32 {
        if let id = keyIDs[key] { return id }
        let id = nextKeyID
        nextKeyID += 1
        keyIDs[key] = id
        newKeys.append((id, key, firstSeen))
        return id
    }

    private func writeSegment(_ columns: SegmentColumns) throws(StoreError) {
        let bytes = SegmentWriter.encode(columns)
        let name = Self.newSegmentName()
        try bytes.withUnsafeBytes { raw in
            Result { () throws(StoreError) in try FileIO.writeAtomically(raw, directory: workspace.segmentsDirectory, name: name) }
        }.get()
        let range = columns.timeRange!
        written.append((name, columns.rowCount, range.min, range.max, Int64(bytes.count)))
    }

    static func newSegmentName() -> String {
        var generator = SystemRandomNumberGenerator()
        let ms = Int64(Date().timeIntervalSince1970 * 1000)
        return "\(ms)-\(String(generator.next() as UInt64, radix: 16)).kseg"
    }

    /// What a commit records about the run.
    public struct RunRecord: Sendable {
        public var sources: [String]
        public var read: Int
        public var rejected: Int
        public var rejectReport: String?
        /// Inbox rows (ids up to and including this) that this session's events came from: they
        /// are deleted in the same transaction that registers the segment.
        public var inboxThrough: Int64?

        public init(sources: [String], read: Int, rejected: Int, rejectReport: String? = nil, inboxThrough: Int64? = nil) {
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
        let startedAt = Int64(Date().timeIntervalSince1970 * 1000)
        let allLinks = links.map { KeyLink(packed: $0) }
        let written = self.written
        let newKeys = self.newKeys
        let newLinks = self.newLinks
        let previous = previousConsumer
        let keyCount = Int(nextKeyID) - 1
        let limit = guardLimit
        let summary: CommitSummary = try workspace.catalogue.write { db in
            let next = UInt32(try Setting.int(db, Setting.nextConsumerID))
            let resolution = OneID.resolve(
                keyCount: keyCount, links: allLinks, previous: previous, nextConsumerID: max(next, 1), guardLimit: limit)
            let insertKey = try db.cachedStatement(
                sql: "INSERT INTO identity_key (id, type, value, consumer_id, first_seen) VALUES (?, ?, ?, ?, ?)")
            for key in newKeys {
                try insertKey.execute(arguments: [
                    Int64(key.id), Int64(key.key.type.rawValue), key.key.value,
                    Int64(resolution.consumerOfKey[Int(key.id)]), key.firstSeen,
                ])
            }
            let update = try db.cachedStatement(sql: "UPDATE identity_key SET consumer_id = ? WHERE id = ?")
            for id in 1..<min(previous.count, resolution.consumerOfKey.count) where previous[id] != 0 {
                if previous[id] != resolution.consumerOfKey[id] {
                    try update.execute(arguments: [Int64(resolution.consumerOfKey[id]), Int64(id)])
                }
            }
            let insertLink = try db.cachedStatement(sql: "INSERT OR IGNORE INTO identity_link (a, b) VALUES (?, ?)")
            for packed in newLinks {
                let link = KeyLink(packed: packed)
                try insertLink.execute(arguments: [Int64(link.a), Int64(link.b)])
            }
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
            if let through = run.inboxThrough {
                try db.execute(sql: "DELETE FROM inbox WHERE id <= ?", arguments: [through])
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
            try Setting.bumpDataVersion(db)
            return CommitSummary(
                runID: runID, segments: written.count, accepted: accepted, duplicates: duplicates,
                newKeys: newKeys.count, consumers: resolution.consumerCount, guarded: resolution.guarded)
        }
        finished = true
        return summary
    }

    /// Drops everything this session wrote; the workspace is unchanged.
    public func abandon() {
        guard !finished else { return }
        finished = true
        for segment in written { try? FileIO.remove(workspace.segmentPath(segment.file)) }
        try? FileIO.syncDirectory(workspace.segmentsDirectory)
    }

    deinit { abandon() }
}
