import Foundation
import Synchronization
import KehuModel
import KehuStore
import KehuGenerator
import KehuIngest

/// A fresh directory under the system temporary directory, removed when the value is dropped,
/// or when the process exits for one that never is (a suite's shared fixture in a `static let`
/// lives as long as the test process: those were left behind by every run).
public final class TemporaryDirectory: Sendable {
    public let path: String

    public init(prefix: String = "kehu-test") {
        path = NSTemporaryDirectory() + prefix + "-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        Self.removedAtExit
        Self.live.withLock { _ = $0.insert(path) }
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
        Self.live.withLock { _ = $0.remove(path) }
    }

    /// Directories not yet removed.
    private static let live = Mutex<Set<String>>([])

    /// Registers, once, the removal of every directory still live when the process exits.
    private static let removedAtExit: Void = {
        atexit {
            for path in TemporaryDirectory.live.withLock({ $0 }) { try? FileManager.default.removeItem(atPath: path) }
        }
    }()
}

/// Fixed instants for hand-built data, in the default zone (Asia/Shanghai, +08:00).
public enum TestClock {
    /// 2026-06-01T00:00:00+08:00: local midnight starting 2026-06-01.
    public static let june1: Int64 = 1_780_243_200_000
    public static let hour: Int64 = 3_600_000
    public static let day: Int64 = 86_400_000

    /// Local midnight (Asia/Shanghai) starting `day`.
    public static func start(of day: Day) -> Int64 { ZoneRules.shanghai.start(of: day) }

    /// An instant on a civil date at a local hour (Asia/Shanghai).
    public static func at(_ year: Int, _ month: Int, _ day: Int, hour: Int = 12, minute: Int = 0) -> Int64 {
        start(of: Day(year: year, month: month, day: day)) + Int64(hour) * self.hour + Int64(minute) * 60_000
    }
}

/// A hand-built event with canonical keys.
public func event(
    _ id: String, _ ts: Int64, _ kind: EventKind, _ keys: [String], channel: String = "tmall",
    touchpoint: String? = nil, campaign: String? = nil, content: String? = nil, order: String? = nil,
    amount: Int64? = nil, listPrice: Int64? = nil, sku: String? = nil, category: String? = nil
) -> EventRecord {
    EventRecord(
        eventID: id, ts: ts, kind: kind, keys: keys, channel: channel, touchpoint: touchpoint, campaign: campaign,
        content: content, sku: sku, category: category, orderID: order, amount: amount, listPrice: listPrice)
}

/// A batch of records with canonical keys, and the keys resolved without hashing (hand-built
/// data uses no phones or emails).
public func batch(_ records: [EventRecord]) -> (EventBatch, [IdentityKey?]) {
    var batch = EventBatch()
    for (i, record) in records.enumerated() { batch.append(record, source: Int64(i + 2)) }
    var keys: [IdentityKey?] = [nil]
    for code in 1..<max(1, batch.keys.codeCount) {
        keys.append(try! IdentityKey.parse(batch.keys.string(UInt32(code))!))
    }
    return (batch, keys)
}

/// Ingests hand-built records into a workspace in one session.
@discardableResult
public func ingest(_ records: [EventRecord], into workspace: Workspace) throws -> IngestSession.CommitSummary {
    let session = try IngestSession(workspace: workspace)
    let (b, keys) = batch(records)
    try session.add(b, keys: keys)
    return try session.commit(.init(sources: ["test"], read: records.count, rejected: 0))
}

/// A workspace in a temporary directory holding `records`, and its snapshot.
public func snapshot(of records: [EventRecord]) throws -> (TemporaryDirectory, Workspace, Snapshot) {
    let dir = TemporaryDirectory()
    let workspace = try Workspace(dataDirectory: dir.path, name: "test", create: true)
    if !records.isEmpty { try ingest(records, into: workspace) }
    return (dir, workspace, try workspace.buildSnapshot())
}

/// A simulated brand ingested into a temporary workspace, for checking analyses on generated
/// data against a second, simpler computation. Phones and emails are hashed as at real ingest.
/// The same arguments give the same brand.
public func generatedSnapshot(
    consumers: Int = 1_500, days: Int = 400, seed: UInt64 = 20_261_123
) throws -> (TemporaryDirectory, Workspace, Snapshot) {
    let dir = TemporaryDirectory(prefix: "kehu-generated")
    let workspace = try Workspace(dataDirectory: dir.path, name: "generated", create: true)
    let simulator = try BrandSimulator(BrandConfig(consumers: consumers, days: days, seed: seed))
    let hasher = KeyHasher(salt: workspace.salt)
    let session = try IngestSession(workspace: workspace)
    var read = 0
    try simulator.forEachChunk(maxEvents: 50_000) { (events: EventBatch) throws(StoreError) in
        read += events.count
        try session.add(events) { (raw: String) throws(StoreError) -> IdentityKey in
            do { return try hasher.identityKey(raw: raw) } catch { fatalError("generated key \(raw): \(error)") }
        }
    }
    _ = try session.commit(.init(sources: ["generated"], read: read, rejected: 0))
    return (dir, workspace, try workspace.buildSnapshot())
}
