import Foundation
import KehuModel
@testable import KehuStore

/// A fresh data directory under /tmp, removed when the value is dropped.
final class TemporaryDirectory {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "kehu-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// 2026-06-01T00:00:00+08:00 in UTC milliseconds: the start of day 0 of the test calendar.
let june1: Int64 = 1_780_243_200_000
let hour: Int64 = 3_600_000
let day: Int64 = 86_400_000

/// A batch of records with canonical keys, and the keys resolved without hashing (test data has
/// no phones or emails).
func batch(_ records: [EventRecord]) -> (EventBatch, [IdentityKey?]) {
    var batch = EventBatch()
    for (i, record) in records.enumerated() { batch.append(record, source: Int64(i + 2)) }
    var keys: [IdentityKey?] = [nil]
    for code in 1..<max(1, batch.keys.codeCount) {
        keys.append(try! IdentityKey.parse(batch.keys.string(UInt32(code))!))
    }
    return (batch, keys)
}

func ingest(_ records: [EventRecord], into workspace: Workspace) throws -> IngestSession.CommitSummary {
    let session = try IngestSession(workspace: workspace)
    let (b, keys) = batch(records)
    try session.add(b, keys: keys)
    return try session.commit(.init(sources: ["test"], read: records.count, rejected: 0))
}

func event(
    _ id: String, _ ts: Int64, _ kind: EventKind, _ keys: [String], channel: String = "tmall",
    order: String? = nil, amount: Int64? = nil, sku: String? = nil
) -> EventRecord {
    EventRecord(eventID: id, ts: ts, kind: kind, keys: keys, channel: channel, sku: sku, orderID: order, amount: amount)
}

/// Everything a snapshot says, as plain values, to compare two snapshots.
struct SnapshotContent: Equatable {
    var consumers: [UInt32]
    var rows: [String]

    init(_ s: Snapshot) {
        consumers = s.consumerIDs
        rows = []
        for c in 0..<s.consumerCount {
            for i in s.events(of: c) {
                rows.append(
                    "\(s.consumerIDs[c]) \(s.ts[i]) \(s.kind[i]) \(s.value(.channel, i) ?? "-") \(s.value(.orderID, i) ?? "-") \(s.amount(i).map(String.init) ?? "-") \(s.value(.sku, i) ?? "-")")
            }
        }
    }
}
