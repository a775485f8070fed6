import Foundation
import GRDB
import KehuModel
import Synchronization

/// One brand's data: `DATA/NAME/kehu.sqlite` (the catalogue), `DATA/NAME/inbox.sqlite` (the
/// streaming inbox, ``InboxDatabase``) and `DATA/NAME/segments/`.
///
/// Opening a workspace removes segment files that the catalogue does not list: they are what a
/// crash leaves between writing a segment and committing it, and were never part of the data.
public final class Workspace: Sendable {
    public let name: String
    public let directory: String
    public let catalogue: Catalogue
    /// Events acknowledged by the ingestion server and not yet in a segment.
    public let inbox: InboxDatabase
    /// The time zone its days are counted in.
    public let zone: ZoneRules
    /// The per-workspace salt for hashing phones and emails. Never printed or logged.
    public let salt: [UInt8]
    /// Ingest sessions opened on this workspace object that read every stored fingerprint and
    /// key (rather than reusing the previous flush's, ``IngestBase``): for tests and diagnostics.
    public var sessionsOpened: Int { openedSessions.load(ordering: .relaxed) }
    let openedSessions = Atomic<Int>(0)
    /// Inbox key texts the flushes through this object have parsed and looked up: each distinct
    /// text once while the flushes reuse their base (for tests and diagnostics).
    public var keyTextsParsed: Int { parsedKeyTexts.load(ordering: .relaxed) }
    let parsedKeyTexts = Atomic<Int>(0)
    /// What the last inbox flush through this object left for the next one.
    private let flushBase = Mutex<IngestBase?>(nil)

    /// Takes the state the last flush left (the caller's session consumes it).
    func takeFlushBase() -> IngestBase? { flushBase.withLock { $0.take() } }

    /// Keeps a committed session's state for the next flush.
    func keepFlushBase(_ base: IngestBase?) { flushBase.withLock { $0 = base } }

    var segmentsDirectory: String { directory + "/segments" }
    var lockPath: String { directory + "/write.lock" }

    /// Opens a workspace, creating it when `create` is true.
    /// - Parameters:
    ///   - newSalt: the salt a new workspace gets (ingest supplies a random one).
    public init(
        dataDirectory: String, name: String, create: Bool, timeZone: String = "Asia/Shanghai",
        newSalt: @autoclosure () -> [UInt8] = Workspace.randomSalt()
    ) throws(StoreError) {
        guard Workspace.isValidName(name) else { throw .badWorkspaceName(name) }
        self.name = name
        directory = dataDirectory + "/" + name
        let databasePath = directory + "/kehu.sqlite"
        if !FileIO.exists(databasePath) {
            guard create else { throw .noSuchWorkspace(name: name, dataDirectory: dataDirectory) }
            try FileIO.makeDirectory(directory + "/segments")
        }
        try FileIO.makeDirectory(directory + "/segments")
        catalogue = try Catalogue(path: databasePath)
        inbox = try InboxDatabase(path: directory + "/inbox.sqlite")
        let salt = newSalt()
        let zoneName = timeZone
        let settings: (salt: [UInt8], zone: String) = try catalogue.write { db in
            if try Setting.get(db, Setting.salt) == nil {
                try Setting.set(db, Setting.salt, Data(salt))
                try Setting.set(db, Setting.timeZone, zoneName)
                try Setting.set(db, Setting.createdAt, Int64(Date().timeIntervalSince1970 * 1000))
                try Setting.set(db, Setting.dataVersion, 1)
                try Setting.set(db, Setting.nextConsumerID, 1)
            }
            let storedSalt = try Data.fromDatabaseValue(Setting.get(db, Setting.salt)!)!
            let storedZone = try String.fromDatabaseValue(Setting.get(db, Setting.timeZone)!)!
            return ([UInt8](storedSalt), storedZone)
        }
        self.salt = settings.salt
        do {
            zone = try ZoneRules(identifier: settings.zone)
        } catch {
            throw .invalidArgument("workspace \(name) has time zone \(settings.zone), which this machine does not know")
        }
        try removeOrphans()
    }

    /// 32 random bytes.
    public static func randomSalt() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
            && name.utf8.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == 45 || $0 == 95 }
    }

    /// The workspaces in a data directory.
    public static func list(dataDirectory: String) -> [String] {
        guard let names = try? FileIO.list(dataDirectory) else { return [] }
        return names.filter { isValidName($0) && FileIO.exists(dataDirectory + "/" + $0 + "/kehu.sqlite") }
    }

    /// Takes the workspace's writer lock (one ingest, flush or compaction at a time).
    func lockForWriting(wait: Bool = true) throws(StoreError) -> FileLock {
        guard let lock = try FileLock(path: lockPath, wait: wait) else { throw .busy(workspace: name) }
        return lock
    }

    /// Removes segment files the catalogue does not list (left by a crash before commit, or after
    /// a compaction committed but before it deleted its inputs), and moves an earlier version's
    /// inbox rows into the inbox database. Takes the writer lock so it never
    /// removes the file of an ingest still running in another process.
    private func removeOrphans() throws(StoreError) {
        guard let lock = try FileLock(path: lockPath, wait: false) else { return }
        defer { _ = lock }
        let registered = Set(try catalogue.read { db in try String.fetchAll(db, sql: "SELECT file FROM segment") })
        var removed = false
        for name in try FileIO.list(segmentsDirectory) where !registered.contains(name) {
            try FileIO.remove(segmentsDirectory + "/" + name)
            removed = true
        }
        if removed { try FileIO.syncDirectory(segmentsDirectory) }
        try Inbox.moveLegacyRows(self, lockHeld: true)
    }

    /// The registered segments, oldest first.
    public func segments() throws(StoreError) -> [SegmentInfo] {
        try catalogue.read { db in try SegmentInfo.fetchAll(db) }
    }

    /// A counter that changes whenever the data a snapshot sees changes: the catalogue's data
    /// version (bumped by every commit) plus the inbox's last entry id (every append). Both only
    /// grow, so the sum changes when either does.
    public func dataVersion() throws(StoreError) -> Int64 {
        let appended = try inbox.read { db in try inbox.lastEntryID(db) }
        return try catalogue.read { db in try Setting.int(db, Setting.dataVersion) } + appended
    }

    func segmentPath(_ file: String) -> String { segmentsDirectory + "/" + file }
}

/// A row of the segment catalogue.
public struct SegmentInfo: Sendable, Hashable, Codable {
    public var id: Int64
    public var file: String
    public var rowCount: Int
    public var minTs: Int64
    public var maxTs: Int64
    public var bytes: Int64
    /// 0 for segments written by ingest or flush, 1 for compacted ones.
    public var level: Int

    /// Every registered segment, oldest first.
    static func fetchAll(_ db: Database) throws -> [SegmentInfo] {
        try Row.fetchAll(db, sql: "SELECT id, file, row_count, min_ts, max_ts, bytes, level FROM segment ORDER BY id").map {
            SegmentInfo(
                id: $0["id"], file: $0["file"], rowCount: $0["row_count"], minTs: $0["min_ts"], maxTs: $0["max_ts"],
                bytes: $0["bytes"], level: $0["level"])
        }
    }
}

extension Catalogue {
    /// The consumer id of every key id (index 0 unused), as the last commit resolved them.
    static func consumerOfKey(_ db: Database) throws -> [UInt32] {
        var map: [UInt32] = [0]
        let rows = try Row.fetchCursor(db, sql: "SELECT id, consumer_id FROM identity_key ORDER BY id")
        while let row = try rows.next() {
            let id = Int(row[0] as Int64)
            if map.count <= id { map += [UInt32](repeating: 0, count: id + 1 - map.count) }
            map[id] = UInt32(row[1] as Int64)
        }
        return map
    }
}
