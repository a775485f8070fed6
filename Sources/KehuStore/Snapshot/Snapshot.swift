import KehuModel

/// An immutable, in-memory view of a workspace's events at one data version: the columns every
/// analysis reads, ordered by consumer and, within a consumer, by time.
///
/// Consumers are numbered densely `0..<consumerCount` (in order of their stable catalogue ids);
/// the events of consumer `c` are rows `eventStart[c] ..< eventStart[c + 1]`. Because a consumer's
/// events are contiguous, analyses partition by consumer and run on both cores without locks.
/// Equal timestamps are ordered by kind, then by fingerprint, so the order never depends on
/// which segment an event came from.
public final class Snapshot: Sendable {
    public let workspace: String
    public let zone: ZoneRules
    /// The catalogue data version this snapshot shows.
    public let dataVersion: Int64
    /// Catalogue consumer id per dense consumer index.
    public let consumerIDs: [UInt32]
    /// Row ranges per consumer (count + 1 entries).
    public let eventStart: [UInt32]
    /// UTC milliseconds per event.
    public let ts: [Int64]
    public let kind: [EventKind]
    /// Per ``EventField`` except `orderID` (which lives in ``commerce``): codes into ``dictionaries``.
    public let fields: [CodeColumn]
    /// Per ``EventField``: the values.
    public let dictionaries: [StringTable]
    public let commerce: CommerceColumns
    /// Values analyses derive from this snapshot once (see ``DerivedCache``).
    public let derived = DerivedCache()

    init(
        workspace: String, zone: ZoneRules, dataVersion: Int64, consumerIDs: [UInt32], eventStart: [UInt32],
        ts: [Int64], kind: [EventKind], fields: [CodeColumn], dictionaries: [StringTable], commerce: CommerceColumns
    ) {
        self.workspace = workspace
        self.zone = zone
        self.dataVersion = dataVersion
        self.consumerIDs = consumerIDs
        self.eventStart = eventStart
        self.ts = ts
        self.kind = kind
        self.fields = fields
        self.dictionaries = dictionaries
        self.commerce = commerce
    }

    public var eventCount: Int { ts.count }
    public var consumerCount: Int { consumerIDs.count }

    /// The rows of dense consumer `c`.
    @inlinable
    public func events(of c: Int) -> Range<Int> { Int(eventStart[c])..<Int(eventStart[c + 1]) }

    /// The code of a string field of event `i` (0 = absent).
    @inlinable
    public func code(_ field: EventField, _ i: Int) -> UInt32 {
        if field == .orderID { return commerce.row(of: i).map { commerce.orderID[$0] } ?? 0 }
        return fields[field.rawValue][i]
    }

    /// The value of a string field of event `i`.
    public func value(_ field: EventField, _ i: Int) -> String? {
        dictionaries[field.rawValue].string(code(field, i))
    }

    /// The amount of event `i` in fen, or nil when absent or unknown.
    @inlinable
    public func amount(_ i: Int) -> Int64? {
        guard let row = commerce.row(of: i) else { return nil }
        let value = commerce.amount[row]
        return value == Money.unknownFen ? nil : value
    }

    /// Whether event `i` has an amount that the source marked unknown (e.g. Taobao purchases).
    public func hasUnknownAmount(_ i: Int) -> Bool {
        guard let row = commerce.row(of: i) else { return false }
        return commerce.amount[row] == Money.unknownFen && (kind[i] == .pay || kind[i] == .refund)
    }

    /// The dense index of a catalogue consumer id, if it has events.
    /// - Complexity: O(log n).
    public func denseIndex(ofConsumer id: UInt32) -> Int? {
        var low = 0
        var high = consumerIDs.count
        while low < high {
            let mid = (low + high) / 2
            if consumerIDs[mid] < id { low = mid + 1 } else { high = mid }
        }
        return low < consumerIDs.count && consumerIDs[low] == id ? low : nil
    }

    /// Bytes held by the snapshot's arrays (what "resident bytes per event" counts).
    public var byteCount: Int {
        consumerIDs.count * 4 + eventStart.count * 4 + ts.count * 8 + kind.count
            + fields.reduce(0) { $0 + $1.byteCount }
            // A table holds its bytes, an offset and a hash per code, and a slot table of at most
            // 4 slots of 4 bytes per code.
            + dictionaries.reduce(0) { $0 + $1.storage.count + $1.codeCount * (8 + 8 + 16) }
            + commerce.byteCount
    }
}
