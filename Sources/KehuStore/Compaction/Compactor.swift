import Foundation
import GRDB
import KehuModel

/// Merges small segments into larger ones sorted by (consumer, time), which makes per-consumer
/// scans sequential and keeps the number of files small.
///
/// Size-tiered: level-0 segments (written by ingest and flush) are merged, oldest first, into
/// groups of at most `targetRows` rows. The new segments are written first; one catalogue
/// transaction then swaps them for their inputs; only after that are the input files deleted.
/// A crash before the commit leaves an orphan new file, after it orphan old files: both are
/// removed at the next open, and the data is the same either way.
public enum Compactor {
    public struct Outcome: Sendable, Equatable {
        public var inputSegments: Int
        public var outputSegments: Int
        public var rows: Int
    }

    /// Compacts when there are at least `minSegments` level-0 segments.
    @discardableResult
    public static func compact(
        _ workspace: Workspace, minSegments: Int = 4, targetRows: Int = 16_000_000
    ) throws(StoreError) -> Outcome {
        let lock = try workspace.lockForWriting()
        defer { _ = lock }
        let candidates = try workspace.segments().filter { $0.level == 0 }
        guard candidates.count >= max(2, minSegments) else { return Outcome(inputSegments: 0, outputSegments: 0, rows: 0) }

        // Group oldest first up to the target size.
        var groups: [[SegmentInfo]] = [[]]
        var rowsInGroup = 0
        for segment in candidates {
            if rowsInGroup + segment.rowCount > targetRows && !groups[groups.count - 1].isEmpty {
                groups.append([])
                rowsInGroup = 0
            }
            groups[groups.count - 1].append(segment)
            rowsInGroup += segment.rowCount
        }
        groups = groups.filter { $0.count >= 2 }
        guard !groups.isEmpty else { return Outcome(inputSegments: 0, outputSegments: 0, rows: 0) }

        let consumerOfKey = try workspace.catalogue.read { db in try Catalogue.consumerOfKey(db) }

        var outcome = Outcome(inputSegments: 0, outputSegments: 0, rows: 0)
        var scratch: [UInt8] = []
        for group in groups {
            let parts = try SnapshotBuilder.loadSegments(group.map { workspace.segmentPath($0.file) })
            var merged = SegmentColumns()
            merged.reserve(parts.reduce(0) { $0 + $1.rowCount })
            for part in parts {
                var maps: [[UInt32]] = []
                for f in 0..<part.tables.count { maps.append(EventBatch.recode(part.tables[f], into: &merged.tables[f])) }
                for r in 0..<part.rowCount { merged.append(from: part, row: r, maps: maps) }
            }
            let sorted = sortedByConsumerAndTime(merged, consumerOfKey: consumerOfKey)
            let name = IngestSession.newSegmentName()
            var file = try AtomicFile(directory: workspace.segmentsDirectory, name: name)
            let bytes = try SegmentWriter.write(sorted, to: &file, scratch: &scratch)
            try file.commit()
            let range = sorted.timeRange!
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            try workspace.catalogue.write { db in
                for segment in group {
                    try db.execute(sql: "DELETE FROM segment WHERE id = ?", arguments: [segment.id])
                }
                try db.execute(
                    sql: """
                        INSERT INTO segment (file, row_count, min_ts, max_ts, bytes, level, created_at)
                        VALUES (?, ?, ?, ?, ?, 1, ?)
                        """,
                    arguments: [name, sorted.rowCount, range.min, range.max, Int64(bytes), now])
            }
            for segment in group { try FileIO.remove(workspace.segmentPath(segment.file)) }
            try FileIO.syncDirectory(workspace.segmentsDirectory)
            outcome.inputSegments += group.count
            outcome.outputSegments += 1
            outcome.rows += sorted.rowCount
        }
        return outcome
    }

    /// The rows of `columns` ordered by (consumer of the anchor key, ts, kind, fingerprint).
    static func sortedByConsumerAndTime(_ columns: SegmentColumns, consumerOfKey: [UInt32]) -> SegmentColumns {
        let order = (0..<columns.rowCount).sorted { x, y in
            let cx = consumerOfKey[Int(columns.key[x])], cy = consumerOfKey[Int(columns.key[y])]
            if cx != cy { return cx < cy }
            if columns.ts[x] != columns.ts[y] { return columns.ts[x] < columns.ts[y] }
            if columns.kind[x] != columns.kind[y] { return columns.kind[x] < columns.kind[y] }
            if columns.fingerprintHigh[x] != columns.fingerprintHigh[y] {
                return columns.fingerprintHigh[x] < columns.fingerprintHigh[y]
            }
            return columns.fingerprintLow[x] < columns.fingerprintLow[y]
        }
        var out = SegmentColumns()
        out.tables = columns.tables
        out.reserve(columns.rowCount)
        let identity = columns.tables.map { Array(0..<UInt32($0.codeCount)) }
        for r in order { out.append(from: columns, row: r, maps: identity) }
        return out
    }
}
