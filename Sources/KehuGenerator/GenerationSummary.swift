import KehuModel

/// What a simulation produced: counts for the demo, the CLI and tests.
public struct GenerationSummary: Sendable, Hashable {
    /// Simulated consumers (some may have no event in the range).
    public var consumers: Int
    /// The simulated days.
    public var range: DayRange
    /// Events produced.
    public var events: Int
    /// Events per ``EventKind``, indexed by raw value.
    public var eventsByKind: [Int]
    /// GMV: the sum of `pay` amounts, in fen.
    public var grossMerchandiseFen: Int64
    /// The sum of `refund` amounts, in fen.
    public var refundedFen: Int64
    /// Consumers with at least one `pay`.
    public var buyers: Int
    /// Consumers with a `member_join`.
    public var membersJoined: Int
    /// The earliest event time (UTC ms); `nil` without events.
    public var firstEventTs: Int64?
    /// The latest event time (UTC ms); `nil` without events.
    public var lastEventTs: Int64?
    /// Bytes written to the file (0 when generating in memory).
    public var bytesWritten: Int

    init(consumers: Int, range: DayRange, totals: SimulationTotals, bytesWritten: Int) {
        self.consumers = consumers
        self.range = range
        events = totals.kinds.reduce(0, +)
        eventsByKind = totals.kinds
        grossMerchandiseFen = totals.grossFen
        refundedFen = totals.refundedFen
        buyers = totals.buyers
        membersJoined = totals.members
        firstEventTs = events > 0 ? totals.firstTs : nil
        lastEventTs = events > 0 ? totals.lastTs : nil
        self.bytesWritten = bytesWritten
    }

    /// Events of one kind.
    public subscript(kind: EventKind) -> Int { eventsByKind[Int(kind.rawValue)] }

    /// Events per consumer per 365 days of range.
    public var eventsPerConsumerYear: Double {
        Double(events) / (Double(max(1, consumers)) * Double(range.dayCount) / 365)
    }

    /// GMV less refunds, in fen.
    public var netSalesFen: Int64 { grossMerchandiseFen - refundedFen }
}
