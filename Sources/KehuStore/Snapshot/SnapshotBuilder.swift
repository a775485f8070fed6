import Dispatch
import GRDB
import KehuModel

/// Builds a ``Snapshot`` from a workspace's registered segments plus its inbox.
///
/// Memory is the constraint at 100M events, so segments stream through:
/// 1. Pass 1 reads each segment's key column and dictionaries (two segments at a time, one per
///    core), counts events per consumer and merges the dictionaries; keys are then dropped.
/// 2. Pass 2 decodes segments two at a time and scatters every row to its consumer's range,
///    straight into columns of their final width.
/// 3. Each consumer's rows are ordered by (ts, kind, fingerprint) as one permutation, and every
///    column is gathered through it, one column at a time, on both cores.
/// Inbox events are one more part: their keys are resolved through the catalogue, and keys it
/// does not know yet get a provisional consumer (the flush resolves them for good).
enum SnapshotBuilder {
    /// What the catalogue says, read in one transaction.
    private struct CatalogueState {
        var version: Int64
        var segments: [SegmentInfo]
        var consumerOfKey: [UInt32]
        var inbox: [(id: Int64, record: EventRecord)]
        var keys: [IdentityKey: UInt32]
    }

    static func build(_ workspace: Workspace, progress: ((String) -> Void)? = nil) throws(StoreError) -> Snapshot {
        var state = try readCatalogue(workspace)
        let paths = state.segments.map { workspace.segmentPath($0.file) }
        let inboxPart: SegmentColumns? =
            state.inbox.isEmpty
            ? nil
            : try inboxColumns(state.inbox, segmentPaths: paths, keys: state.keys, consumerOfKey: &state.consumerOfKey)
        let consumerOfKey = state.consumerOfKey

        // Pass 1: consumers present, event counts, global dictionaries.
        progress?("reading \(paths.count) segments")
        var maxConsumer: UInt32 = 0
        for id in consumerOfKey { maxConsumer = max(maxConsumer, id) }
        var perConsumer = [UInt32](repeating: 0, count: Int(maxConsumer) + 1)
        var dictionaries = [StringTable](repeating: StringTable(), count: EventField.allCases.count)
        var maps: [[[UInt32]]] = []
        func count(keys: [UInt32], tables: [StringTable]) {
            for key in keys { perConsumer[Int(consumerOfKey[Int(key)])] &+= 1 }
            maps.append((0..<dictionaries.count).map { EventBatch.recode(tables[$0], into: &dictionaries[$0]) })
        }
        for group in groups(of: paths) {
            let loaded = try parallel(group) { path throws(StoreError) in try SegmentReader.keysAndTables(path: path) }
            for (keys, tables) in loaded { count(keys: keys, tables: tables) }
        }
        if let inboxPart { count(keys: inboxPart.key, tables: inboxPart.tables) }

        var consumerIDs: [UInt32] = []
        var denseOf = [Int32](repeating: -1, count: perConsumer.count)
        for id in 1..<max(1, perConsumer.count) where perConsumer[id] > 0 {
            denseOf[id] = Int32(consumerIDs.count)
            consumerIDs.append(UInt32(id))
        }
        var eventStart = [UInt32](repeating: 0, count: consumerIDs.count + 1)
        var total = 0
        for (dense, id) in consumerIDs.enumerated() {
            eventStart[dense] = UInt32(total)
            total += Int(perConsumer[Int(id)])
        }
        perConsumer = []
        guard total < Int(UInt32.max) else {
            throw .invalidArgument("a snapshot holds at most 4,294,967,295 events; use the ClickHouse backend beyond that")
        }
        eventStart[consumerIDs.count] = UInt32(total)

        // Pass 2: scatter rows to their consumer's range.
        progress?("arranging \(total) events by consumer")
        var columns = ScatterColumns(total: total, dictionaries: dictionaries)
        var cursor = Array(eventStart.dropLast())
        var part = 0
        func scatter(_ segment: SegmentColumns) {
            let partMaps = maps[part]
            part += 1
            for r in 0..<segment.rowCount {
                let dense = Int(denseOf[Int(consumerOfKey[Int(segment.key[r])])])
                let at = Int(cursor[dense])
                cursor[dense] += 1
                columns.set(at, from: segment, row: r, maps: partMaps)
            }
        }
        for group in groups(of: paths) {
            let loaded = try parallel(group) { path throws(StoreError) in try SegmentReader.read(path: path) }
            for segment in loaded { scatter(segment) }
        }
        if let inboxPart { scatter(inboxPart) }
        cursor = []
        denseOf = []
        maps = []

        // Time order within each consumer, as one permutation; then gather every column.
        progress?("ordering each consumer's events by time")
        let order = timeOrder(eventStart: eventStart, ts: columns.ts, kind: columns.kind, tiebreak: columns.tiebreak)
        columns.tiebreak = []
        let snapshot = columns.gathered(
            by: order, workspace: workspace.name, zone: workspace.zone, dataVersion: state.version,
            consumerIDs: consumerIDs, eventStart: eventStart)
        return snapshot
    }

    /// Reads the inbox, then the catalogue in one transaction. In that order an entry flushed in
    /// between is in the segment list read second and skipped by the flushed-through id (its
    /// rows are deleted from the inbox only after that commit), so nothing is missed or doubled.
    private static func readCatalogue(_ workspace: Workspace) throws(StoreError) -> CatalogueState {
        let (stored, appended) = try workspace.inbox.read { db in
            (try Inbox.readEntries(db, after: 0), try workspace.inbox.lastEntryID(db))
        }
        return try workspace.catalogue.read { db in
            let version = try Setting.int(db, Setting.dataVersion) + appended
            let segments = try SegmentInfo.fetchAll(db)
            let through = try Inbox.flushedThrough(db)
            var inbox: [(id: Int64, record: EventRecord)] = []
            for entry in stored where entry.id > through {
                for record in try entry.decoded().events { inbox.append((entry.id, record)) }
            }
            let consumerOfKey = try Catalogue.consumerOfKey(db)
            var keys: [IdentityKey: UInt32] = [:]
            if !inbox.isEmpty {
                for row in try Row.fetchAll(db, sql: "SELECT id, type, value FROM identity_key") {
                    guard let type = IdentityKeyType(rawValue: UInt8(row[1] as Int64)) else { continue }
                    keys[IdentityKey(type: type, value: row[2])] = UInt32(row[0] as Int64)
                }
            }
            return CatalogueState(version: version, segments: segments, consumerOfKey: consumerOfKey, inbox: inbox, keys: keys)
        }
    }

    /// Paths in groups of one per core, so at most that many decoded segments are in memory.
    private static func groups(of paths: [String]) -> [[String]] {
        let width = max(1, DispatchQueueConcurrency.cores)
        return stride(from: 0, to: paths.count, by: width).map { Array(paths[$0..<min($0 + width, paths.count)]) }
    }

    /// Runs `body` on each element concurrently; results in input order; the first error wins.
    static func parallel<T, R>(_ items: [T], _ body: @Sendable (T) throws(StoreError) -> R) throws(StoreError) -> [R]
    where T: Sendable {
        var results = [Result<R, StoreError>?](repeating: nil, count: items.count)
        results.withUnsafeMutableBufferPointer { buffer in
            // Each iteration writes only its own element.
            nonisolated(unsafe) let out = buffer
            DispatchQueue.concurrentPerform(iterations: items.count) { i in
                out[i] = Result { () throws(StoreError) in try body(items[i]) }
            }
        }
        var out: [R] = []
        out.reserveCapacity(items.count)
        for result in results { out.append(try result!.get()) }
        return out
    }

    /// Reads and verifies whole segments on all cores, in order (compaction uses it).
    static func loadSegments(_ paths: [String]) throws(StoreError) -> [SegmentColumns] {
        try parallel(paths) { path throws(StoreError) in try SegmentReader.read(path: path) }
    }

    /// The inbox as one more part: duplicates of stored events are dropped, known keys map to
    /// their consumers, unknown ones get provisional ids beyond the catalogue's.
    static func inboxColumns(
        _ rows: [(id: Int64, record: EventRecord)], segmentPaths: [String], keys: [IdentityKey: UInt32],
        consumerOfKey: inout [UInt32]
    ) throws(StoreError) -> SegmentColumns {
        let stored = FingerprintSet(capacity: rows.count * 2)
        for path in segmentPaths {
            let (high, low) = try SegmentReader.fingerprints(path: path)
            stored.insertAll(high: high, low: low)
        }
        var nextConsumer = (consumerOfKey.max() ?? 0) + 1
        var provisionalKeys: [IdentityKey: UInt32] = [:]
        var columns = SegmentColumns()
        for (_, record) in rows {
            guard stored.insert(high: record.fingerprint.high, low: record.fingerprint.low) else { continue }
            var parsed: [IdentityKey] = []
            for text in record.keys {
                guard let key = try? IdentityKey.parse(text) else {
                    throw .invalidArgument("an inbox record has a malformed identity key")
                }
                parsed.append(key)
            }
            guard let anchor = parsed.min(by: { $0.type.anchorRank < $1.type.anchorRank }) else { continue }
            // A known key decides the consumer; otherwise the anchor key gets a provisional one.
            let keyID: UInt32
            if let known = parsed.compactMap({ keys[$0] }).first {
                keyID = known
            } else if let provisional = provisionalKeys[anchor] {
                keyID = provisional
            } else {
                keyID = UInt32(consumerOfKey.count)
                consumerOfKey.append(nextConsumer)
                nextConsumer += 1
                provisionalKeys[anchor] = keyID
            }
            for key in parsed where keys[key] == nil && provisionalKeys[key] == nil { provisionalKeys[key] = keyID }
            columns.fingerprintHigh.append(record.fingerprint.high)
            columns.fingerprintLow.append(record.fingerprint.low)
            columns.ts.append(record.ts)
            columns.key.append(keyID)
            columns.kind.append(record.kind.rawValue)
            for field in EventField.allCases {
                columns.codes[field.rawValue].append(record[field].map { columns.tables[field.rawValue].intern($0) } ?? 0)
            }
            columns.amount.append(record.amount ?? Money.unknownFen)
            columns.listPrice.append(record.listPrice ?? Money.unknownFen)
            columns.quantity.append(record.quantity ?? 0)
        }
        return columns
    }

    /// The permutation that orders each consumer's rows by (ts, kind, tiebreak): `order[i]` is
    /// the scattered row that goes to position `i`. Consumers are split across cores.
    static func timeOrder(eventStart: [UInt32], ts: [Int64], kind: [UInt8], tiebreak: [UInt64]) -> [UInt32] {
        let total = ts.count
        var order = [UInt32](repeating: 0, count: total)
        let consumers = eventStart.count - 1
        guard consumers > 0 else { return order }
        let chunks = min(64, consumers)
        order.withUnsafeMutableBufferPointer { buffer in
            // Each chunk writes only the rows of its own consumers: disjoint ranges.
            nonisolated(unsafe) let out = buffer
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                var scratch: [Int] = []
                for c in (consumers * chunk / chunks)..<(consumers * (chunk + 1) / chunks) {
                    let start = Int(eventStart[c])
                    let end = Int(eventStart[c + 1])
                    func less(_ x: Int, _ y: Int) -> Bool {
                        if ts[x] != ts[y] { return ts[x] < ts[y] }
                        if kind[x] != kind[y] { return kind[x] < kind[y] }
                        return tiebreak[x] < tiebreak[y]
                    }
                    var sorted = true
                    if end - start > 1 {
                        for i in (start + 1)..<end where less(i, i - 1) {
                            sorted = false
                            break
                        }
                    }
                    if sorted {
                        for i in start..<end { out[i] = UInt32(i) }
                    } else {
                        scratch = Array(start..<end)
                        scratch.sort(by: less)
                        for (offset, row) in scratch.enumerated() { out[start + offset] = UInt32(row) }
                    }
                }
            }
        }
        return order
    }
}

/// The number of cores analyses and builds split work across.
enum DispatchQueueConcurrency {
    static let cores: Int = {
        #if canImport(Glibc)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
        #endif
    }()
}

#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif
