import KehuModel

/// One simulated event in compact form: strings are vocabulary codes or key-pool indices, and the
/// `event_id`, `source` and `order_id` text are filled in when the event is placed in a batch.
struct SimulatedEvent {
    var ts: Int64
    var amount: Int64 = Money.unknownFen
    var listPrice: Int64 = Money.unknownFen
    /// Creation order within the consumer: ties in `ts` keep it, so sorting is deterministic.
    var seq: UInt32 = 0
    /// The consumer's index within its block.
    var consumer: UInt32 = 0
    /// Key-pool index, or ``sharedBit`` | store for a store's guide tablet.
    var key1: UInt32
    /// Second key, or ``noKey``.
    var key2: UInt32 = SimulatedEvent.noKey
    /// Content vocabulary code, 0 = absent.
    var content: UInt32 = 0
    /// The consumer's order number (1-based), 0 = none.
    var order: UInt32 = 0
    var quantity: Int32 = 0
    var kind: EventKind
    var channel: Channel
    /// Vocabulary codes, 0 = absent.
    var touchpoint: UInt8 = 0
    var campaign: UInt8 = 0
    var sku: UInt8 = 0
    var category: UInt8 = 0

    static let noKey = UInt32.max
    static let sharedBit: UInt32 = 1 << 31
}

/// Totals over simulated events, added up in consumer order.
struct SimulationTotals: Sendable {
    var kinds = [Int](repeating: 0, count: EventKind.allCases.count)
    var grossFen: Int64 = 0
    var refundedFen: Int64 = 0
    var buyers = 0
    var members = 0
    var firstTs = Int64.max
    var lastTs = Int64.min

    mutating func add(_ other: SimulationTotals) {
        for k in 0..<kinds.count { kinds[k] += other.kinds[k] }
        grossFen += other.grossFen
        refundedFen += other.refundedFen
        buyers += other.buyers
        members += other.members
        firstTs = min(firstTs, other.firstTs)
        lastTs = max(lastTs, other.lastTs)
    }
}

/// The events of a run of consecutive consumers, with the text of their identity keys.
final class SimulatedBlock: Sendable {
    /// Global index of the block's first consumer.
    let firstConsumer: Int
    let consumerCount: Int
    /// Consumer-major, each consumer's events in time order.
    let events: [SimulatedEvent]
    /// Key texts (`type:value`), `keyBytes[keyOffsets[k] ..< keyOffsets[k + 1]]`.
    let keyBytes: [UInt8]
    let keyOffsets: [Int]
    let totals: SimulationTotals

    init(
        firstConsumer: Int, consumerCount: Int, events: [SimulatedEvent], keyBytes: [UInt8], keyOffsets: [Int],
        totals: SimulationTotals
    ) {
        self.firstConsumer = firstConsumer
        self.consumerCount = consumerCount
        self.events = events
        self.keyBytes = keyBytes
        self.keyOffsets = keyOffsets
        self.totals = totals
    }
}
