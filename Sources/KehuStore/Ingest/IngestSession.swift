import Foundation
import GRDB
import KehuIdentity
import KehuModel

/// One ingest into a workspace: batches go in, duplicates are dropped, identity keys become key
/// ids, and rows are written as segment files of up to ``segmentRows`` rows; ``commit(_:)`` then
/// writes the last one and registers every segment, the new keys and links, and the re-resolved
/// consumers in one catalogue transaction.
///
/// Until the commit nothing is visible: a crash or ``abandon()`` leaves the workspace as it was
/// (the unregistered files are removed at the next open). The session holds the workspace's
/// writer lock from its start until it commits or is abandoned, so key ids assigned in memory
/// cannot collide with another writer's.
public final class IngestSession {
    public let workspace: Workspace
    /// The workspace's writer lock, released as soon as the session commits or is abandoned.
    var lock: FileLock?
    var fingerprints: FingerprintSet
    var keyIDs: [IdentityKey: UInt32] = [:]
    var previousConsumer: [UInt32]
    var newKeys: [(id: UInt32, key: IdentityKey, firstSeen: Int64)] = []
    var nextKeyID: UInt32
    /// Links already in the catalogue (packed, sorted).
    var storedLinks: [UInt64]
    /// What the store holds after this session's commit, for the next session (nil before it).
    public internal(set) var baseAfterCommit: IngestBase?
    /// Links seen in this session (packed, may repeat; deduplicated at commit).
    var sessionLinks: [UInt64] = []
    /// Raw key text (as the source wrote it) -> key id, across all batches of the session, so
    /// each distinct key is normalised and hashed once.
    private var rawKeys = KeyTexts()
    /// Canonical key text (`member:m1`, as the inbox holds it) -> key id, carried from flush to
    /// flush in ``IngestBase``: a flush parses and looks up only the keys no earlier flush saw.
    var canonicalKeys: KeyTexts
    /// Rows waiting to be written as one segment.
    private var pending = SegmentColumns()
    /// Encodes, writes and fsyncs full segments on a background thread, one at a time.
    let writer: BackgroundSegmentWriter
    var finished = false
    public let guardLimit: Int
    /// Rows per segment file written by ingest.
    public let segmentRows: Int

    /// Events accepted so far (not duplicates).
    public private(set) var accepted = 0
    /// Events dropped as duplicates of an earlier event (in this run or already stored).
    public private(set) var duplicates = 0

    /// Opens a session, waiting for the workspace's writer lock, and loads the fingerprints,
    /// keys and links already stored, or takes them from `reusing` when nothing was committed
    /// since the session that left it (see ``IngestBase``).
    /// - Complexity: O(stored events + keys + links), or O(1) with a current base.
    public init(
        workspace: Workspace, guardLimit: Int = OneID.defaultGuardLimit, segmentRows: Int = 4_000_000,
        reusing carried: IngestBase? = nil
    ) throws(StoreError) {
        self.workspace = workspace
        self.guardLimit = guardLimit
        self.segmentRows = max(1, segmentRows)
        lock = try workspace.lockForWriting()
        writer = BackgroundSegmentWriter(directory: workspace.segmentsDirectory)
        let version = try workspace.catalogue.read { db in try Setting.int(db, Setting.dataVersion) }
        let base: IngestBase
        if let carried, carried.dataVersion == version {
            base = carried
        } else {
            workspace.openedSessions.add(1, ordering: .relaxed)
            base = try IngestBase.load(workspace)
        }
        fingerprints = base.fingerprints
        keyIDs = base.keyIDs
        keyTypes = base.keyTypes
        previousConsumer = base.previousConsumer
        nextKeyID = base.nextKeyID
        storedLinks = base.storedLinks
        canonicalKeys = base.canonicalKeys
    }

    /// Makes room for about `events` more events, so the duplicate check does not rebuild its
    /// table as it fills (an estimate: more or fewer events are fine).
    public func expect(events: Int) {
        fingerprints.reserve(max(0, events))
        expectedEvents = accepted + duplicates + max(0, events)
    }

    /// Events the caller expects in all (``expect(events:)``), or 0: a pending segment is sized
    /// for what is still to come, up to ``segmentRows``, instead of doubling as it fills (each
    /// doubling copies the columns into fresh memory the kernel must fault in).
    private var expectedEvents = 0

    /// Rows the pending segment holds room for (tests).
    var pendingCapacity: Int { pending.ts.capacity }

    /// Adds a batch whose identity keys are given per code (index = code of `batch.keys`;
    /// phones and emails already hashed).
    @discardableResult
    public func add(_ batch: EventBatch, keys: [IdentityKey?]) throws(StoreError) -> (accepted: Int, duplicates: Int) {
        try add(batch: batch, keyOfCode: { code throws(StoreError) in
            guard Int(code) < keys.count, let key = keys[Int(code)] else {
                throw .invalidArgument("an event has a key that was not resolved")
            }
            return key
        })
    }

    /// Adds a batch: drops duplicates, maps keys to ids, and queues its rows for a segment file
    /// (not visible until ``commit(_:)``).
    /// - Parameters:
    ///   - resolve: turns a raw key text of `batch.keys` into its identity key (normalised, and
    ///     hashed for phones and emails). Called once per distinct text per session.
    /// - Returns: (accepted, duplicates) of this batch.
    /// - Complexity: O(events + distinct keys), column by column.
    @discardableResult
    public func add(
        _ batch: EventBatch, resolve: (String) throws(StoreError) -> IdentityKey
    ) throws(StoreError) -> (accepted: Int, duplicates: Int) {
        try add(batch: batch, keyOfCode: { code throws(StoreError) in try resolve(batch.keys.string(code)!) })
    }

    /// Adds a batch whose keys are resolved by code: `keyOfCode(c)` is the identity key of
    /// `batch.keys`' code `c` (normalised, phones and emails hashed). Called only for a raw key
    /// text this session has not seen yet, so a caller may also resolve the keys ahead, on
    /// another thread.
    /// - Returns: (accepted, duplicates) of this batch.
    /// - Complexity: O(events + distinct keys), column by column.
    @discardableResult
    public func add(
        batch: EventBatch, keyOfCode: (UInt32) throws(StoreError) -> IdentityKey
    ) throws(StoreError) -> (accepted: Int, duplicates: Int) {
        try add(batch: batch, texts: &rawKeys, keyOfCode: keyOfCode)
    }

    /// Adds a batch whose key texts are canonical (``IdentityKey/description``, as the inbox
    /// holds them): a text seen by this session or an earlier flush whose base it reuses is
    /// neither parsed nor looked up again.
    /// - Throws: ``StoreError/invalidArgument(_:)`` for a key text that is not a valid key.
    @discardableResult
    public func add(canonical batch: EventBatch) throws(StoreError) -> (accepted: Int, duplicates: Int) {
        try add(batch: batch, texts: &canonicalKeys) { code throws(StoreError) in
            workspace.parsedKeyTexts.add(1, ordering: .relaxed)
            guard let text = batch.keys.string(code), let key = try? IdentityKey.parse(text) else {
                throw .invalidArgument("an inbox record has a malformed identity key")
            }
            return key
        }
    }

    /// The key id of a canonical key text that this session or an earlier flush whose base it
    /// reuses has seen; nil otherwise (the key may still be known: see ``keyID(for:firstSeen:)``).
    func knownKeyID(canonical text: String) -> UInt32? {
        guard let code = canonicalKeys.table.code(of: text), code != 0 else { return nil }
        return canonicalKeys.ids[Int(code)]
    }

    /// Records the key id of a canonical key text.
    func rememberCanonical(_ text: String, id: UInt32) {
        let code = canonicalKeys.table.intern(text)
        if code != 0, Int(code) == canonicalKeys.ids.count { canonicalKeys.ids.append(id) }
    }

    private func add(
        batch: EventBatch, texts: inout KeyTexts, keyOfCode: (UInt32) throws(StoreError) -> IdentityKey
    ) throws(StoreError) -> (accepted: Int, duplicates: Int) {
        precondition(!finished, "the ingest session is already committed or abandoned")
        // Key id and anchor rank per batch key code.
        let codeCount = batch.keys.codeCount
        var idOfCode = [UInt32](repeating: 0, count: codeCount)
        var rankOfCode = [UInt8](repeating: .max, count: codeCount)
        for code in 1..<max(1, codeCount) {
            let text = batch.keys.withBytes(UInt32(code)) { texts.table.intern($0) }
            if Int(text) == texts.ids.count {
                let key = try keyOfCode(UInt32(code))
                texts.ids.append(keyID(for: key, firstSeen: Int64.max))
            }
            let id = texts.ids[Int(text)]
            idOfCode[code] = id
            rankOfCode[code] = UInt8(keyTypeOf(id).anchorRank)
        }

        // Duplicates: every fingerprint of the batch in one pass (misses overlap).
        let n = batch.count
        if keepCapacity < n {
            keep.deallocate()
            keepCapacity = max(n, 2 * keepCapacity)
            keep = UnsafeMutablePointer<Bool>.allocate(capacity: keepCapacity)
        }
        let keep = self.keep
        let fresh = batch.fingerprint.withUnsafeBufferPointer { fingerprints.insertAll($0, keep: keep) }

        // Per kept event: anchor key, links.
        var firstSeenOfCode = [Int64](repeating: .max, count: codeCount)
        var kept = [Int32](repeating: 0, count: fresh)
        var anchors = [UInt32](repeating: 0, count: fresh)
        var anchorless = false
        kept.withUnsafeMutableBufferPointer { kept in
            anchors.withUnsafeMutableBufferPointer { anchors in
                batch.keyCodes.withUnsafeBufferPointer { keyCodes in
                    batch.keyOffsets.withUnsafeBufferPointer { offsets in
                        batch.ts.withUnsafeBufferPointer { ts in
                            var at = 0
                            for i in 0..<n where keep[i] {
                                let start = Int(offsets[i]), end = Int(offsets[i + 1])
                                var anchor: UInt32 = 0
                                var anchorRank = UInt8.max
                                let t = ts[i]
                                for k in start..<end {
                                    let c = Int(keyCodes[k])
                                    if t < firstSeenOfCode[c] { firstSeenOfCode[c] = t }
                                    if rankOfCode[c] < anchorRank || (rankOfCode[c] == anchorRank && idOfCode[c] < anchor) {
                                        anchor = idOfCode[c]
                                        anchorRank = rankOfCode[c]
                                    }
                                }
                                if end - start > 1 {
                                    for k in start..<end {
                                        if let link = KeyLink(anchor, idOfCode[Int(keyCodes[k])]) { sessionLinks.append(link.packed) }
                                    }
                                }
                                if anchor == 0 { anchorless = true }
                                kept[at] = Int32(i)
                                anchors[at] = anchor
                                at += 1
                            }
                        }
                    }
                }
            }
        }
        guard !anchorless else {
            throw .invalidArgument("an event has no identity key")
        }
        for code in 1..<max(1, codeCount) where firstSeenOfCode[code] != .max {
            if let index = newKeyIndex[idOfCode[code]], firstSeenOfCode[code] < newKeys[index].firstSeen {
                newKeys[index].firstSeen = firstSeenOfCode[code]
            }
        }

        // Column by column into the pending segment.
        // Room for about 16 batches and what the caller expects is still to come (see
        // ``expect(events:)``), at most the whole segment and the batch that fills it.
        if pending.rowCount == 0 {
            let toCome = max(fresh, 1) * 16 + max(0, expectedEvents - accepted - duplicates)
            pending.reserve(min(segmentRows, toCome) + 2 * fresh)
        }
        if fresh == n {
            // Nothing dropped (the usual case): whole columns.
            batch.fingerprint.withUnsafeBufferPointer { fps in
                pending.fingerprintHigh.append(contentsOf: fps.lazy.map(\.high))
                pending.fingerprintLow.append(contentsOf: fps.lazy.map(\.low))
            }
            pending.ts.append(contentsOf: batch.ts)
            pending.key.append(contentsOf: anchors)
            pending.kind.append(contentsOf: batch.kind.lazy.map(\.rawValue))
            for f in 0..<batch.tables.count {
                let map = EventBatch.recode(batch.tables[f], into: &pending.tables[f])
                map.withUnsafeBufferPointer { map in
                    pending.codes[f].append(contentsOf: batch.codes[f].lazy.map { map[Int($0)] })
                }
            }
            pending.amount.append(contentsOf: batch.amount)
            pending.listPrice.append(contentsOf: batch.listPrice)
            pending.quantity.append(contentsOf: batch.quantity)
        } else {
            pending.fingerprintHigh.append(contentsOf: kept.lazy.map { batch.fingerprint[Int($0)].high })
            pending.fingerprintLow.append(contentsOf: kept.lazy.map { batch.fingerprint[Int($0)].low })
            pending.ts.append(contentsOf: kept.lazy.map { batch.ts[Int($0)] })
            pending.key.append(contentsOf: anchors)
            pending.kind.append(contentsOf: kept.lazy.map { batch.kind[Int($0)].rawValue })
            for f in 0..<batch.tables.count {
                let map = EventBatch.recode(batch.tables[f], into: &pending.tables[f])
                let codes = batch.codes[f]
                pending.codes[f].append(contentsOf: kept.lazy.map { map[Int(codes[Int($0)])] })
            }
            pending.amount.append(contentsOf: kept.lazy.map { batch.amount[Int($0)] })
            pending.listPrice.append(contentsOf: kept.lazy.map { batch.listPrice[Int($0)] })
            pending.quantity.append(contentsOf: kept.lazy.map { batch.quantity[Int($0)] })
        }
        if pending.rowCount >= segmentRows { try flushPending() }

        accepted += fresh
        duplicates += n - fresh
        return (fresh, n - fresh)
    }

    /// Per event of the batch being added: whether it is new (see ``FingerprintSet/insertAll(_:keep:)``).
    private var keep = UnsafeMutablePointer<Bool>.allocate(capacity: 1)
    private var keepCapacity = 1

    /// Index in ``newKeys`` of each key id this session created.
    var newKeyIndex: [UInt32: Int] = [:]
    /// Type per key id (index 0 unused).
    var keyTypes: [IdentityKeyType]

    func keyTypeOf(_ id: UInt32) -> IdentityKeyType { keyTypes[Int(id)] }

    /// The id of a key, allocating one for a key never seen; `firstSeen` is refined by `add`.
    func keyID(for key: IdentityKey, firstSeen: Int64) -> UInt32 {
        if let id = keyIDs[key] { return id }
        let id = nextKeyID
        nextKeyID += 1
        keyIDs[key] = id
        keyTypes.append(key.type)
        newKeyIndex[id] = newKeys.count
        newKeys.append((id, key, firstSeen))
        return id
    }

    /// Hands the pending rows to the background writer (which encodes, writes and fsyncs them
    /// while the next rows are added) and starts a new pending segment.
    func flushPending() throws(StoreError) {
        guard pending.rowCount > 0 else { return }
        try writer.submit(pending)
        pending = writer.takeSpare() ?? SegmentColumns()
    }

    static func newSegmentName() -> String {
        var generator = SystemRandomNumberGenerator()
        let ms = Int64(Date().timeIntervalSince1970 * 1000)
        return "\(ms)-\(String(generator.next() as UInt64, radix: 16)).kseg"
    }

    /// Drops everything this session wrote; the workspace is unchanged.
    public func abandon() {
        guard !finished else { return }
        finished = true
        for file in writer.finishAndList() { try? FileIO.remove(workspace.segmentPath(file)) }
        try? FileIO.syncDirectory(workspace.segmentsDirectory)
        lock = nil
    }

    deinit {
        abandon()
        keep.deallocate()
    }
}
