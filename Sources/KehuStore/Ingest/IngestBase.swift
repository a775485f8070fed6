import GRDB
import KehuModel

/// What an ingest session knows of the stored data before it adds anything: every stored event's
/// fingerprint (for duplicates), every identity key's id, type and consumer, and every link.
///
/// Loading it reads the whole store (O(events + keys + links): about half a second of CPU at
/// 10M events), which a streaming flush every few seconds cannot afford. A committed session
/// hands its state on (``IngestSession/baseAfterCommit``), tagged with the catalogue's data
/// version after its commit; the next session reuses it only while that version is unchanged,
/// and every commit of segments, keys or links bumps it (``IngestSession/commit(_:)`` is the one
/// writer of all three; compaction rewrites segments but keeps their fingerprints and keys).
///
/// A base is consumed by the session that takes it: the session inserts into its fingerprint
/// set, so an abandoned session's base must never be used again.
public struct IngestBase: @unchecked Sendable {
    // @unchecked: `fingerprints` is a class, but a base is only ever moved from one owner to the
    // next (``Workspace/takeFlushBase()`` under a lock), never used by two at once.
    let dataVersion: Int64
    let fingerprints: FingerprintSet
    let keyIDs: [IdentityKey: UInt32]
    let keyTypes: [IdentityKeyType]
    /// Consumer per key id as last committed (index 0 unused).
    let previousConsumer: [UInt32]
    let nextKeyID: UInt32
    /// Stored links, packed and sorted.
    let storedLinks: [UInt64]
    /// Canonical key texts the flushes have seen and their key ids (empty after a load).
    var canonicalKeys = KeyTexts()

    /// Fingerprints stored (for diagnostics).
    public var storedEvents: Int { fingerprints.count }

    /// Reads the whole store. The caller holds the workspace's writer lock.
    static func load(_ workspace: Workspace) throws(StoreError) -> IngestBase {
        let (version, segments) = try workspace.catalogue.read { db in
            (try Setting.int(db, Setting.dataVersion), try SegmentInfo.fetchAll(db))
        }
        let set = FingerprintSet(capacity: segments.reduce(0) { $0 + $1.rowCount } + 1024)
        for segment in segments {
            let (high, low) = try SegmentReader.fingerprints(path: workspace.segmentPath(segment.file))
            set.insertAll(high: high, low: low)
        }
        var keyIDs: [IdentityKey: UInt32] = [:]
        var types: [IdentityKeyType] = [.anon]
        var previous: [UInt32] = [0]
        var maxID: UInt32 = 0
        var links: [UInt64] = []
        try workspace.catalogue.read { db in
            let keyCount = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM identity_key") ?? 0
            keyIDs.reserveCapacity(keyCount)
            let rows = try Row.fetchCursor(db, sql: "SELECT id, type, value, consumer_id FROM identity_key ORDER BY id")
            while let row = try rows.next() {
                let id = UInt32(row[0] as Int64)
                guard let type = IdentityKeyType(rawValue: UInt8(row[1] as Int64)) else { continue }
                keyIDs[IdentityKey(type: type, value: row[2])] = id
                if previous.count <= Int(id) {
                    previous += [UInt32](repeating: 0, count: Int(id) + 1 - previous.count)
                    types += [IdentityKeyType](repeating: .anon, count: Int(id) + 1 - types.count)
                }
                types[Int(id)] = type
                previous[Int(id)] = UInt32(row[3] as Int64)
                maxID = max(maxID, id)
            }
            // In the order they were stored (the table has no index: see the "v4 identity links
            // appended" migration), sorted here.
            let linkRows = try Row.fetchCursor(db, sql: "SELECT a, b FROM identity_link")
            while let row = try linkRows.next() {
                links.append(UInt64(row[0] as Int64) << 32 | UInt64(row[1] as Int64))
            }
            links.sort()
        }
        return IngestBase(
            dataVersion: version, fingerprints: set, keyIDs: keyIDs, keyTypes: types, previousConsumer: previous,
            nextKeyID: maxID + 1, storedLinks: links)
    }
}

/// Key texts and the key id of each (by the text's code in `table`; code 0 unused).
struct KeyTexts {
    var table = StringTable()
    var ids: [UInt32] = [0]
}
