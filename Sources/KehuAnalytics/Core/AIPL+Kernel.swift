import KehuModel
import KehuStore

/// The AIPL stage rules over raw views of the snapshot's columns and the purchase index: the hot
/// loop of every stage-based analysis. A kernel is valid only inside ``with(_:_:_:_:)``; it holds
/// buffer pointers and must not escape that closure.
///
/// Unsafe buffers drop the bounds checks of the hot loop in release builds (they stay in debug
/// builds); kinds are tested against bit sets instead of tables or switches.
struct StageKernel {
    let ts: UnsafeBufferPointer<Int64>
    let kind: UnsafeBufferPointer<EventKind>
    let eventStart: UnsafeBufferPointer<UInt32>
    let orderStart: UnsafeBufferPointer<UInt32>
    let payTs: UnsafeBufferPointer<Int64>
    let refundedInFullTs: UnsafeBufferPointer<Int64>
    let loyalOrders: Int
    let advocacyIsLoyal: Bool

    static let aware = AIPLStages.awareKinds
    static let interested = AIPLStages.interestedKinds
    static let advocacy = AIPLStages.advocacyKinds

    /// Runs `body` with a kernel over `snapshot` and `purchases`.
    static func with<R>(_ snapshot: Snapshot, _ purchases: PurchaseIndex, _ rules: AIPLRules, _ body: (StageKernel) -> R) -> R {
        snapshot.ts.withUnsafeBufferPointer { ts in
            snapshot.kind.withUnsafeBufferPointer { kind in
                snapshot.eventStart.withUnsafeBufferPointer { eventStart in
                    purchases.orderStart.withUnsafeBufferPointer { orderStart in
                        purchases.payTs.withUnsafeBufferPointer { payTs in
                            purchases.refundedInFullTs.withUnsafeBufferPointer { refunded in
                                body(
                                    StageKernel(
                                        ts: ts, kind: kind, eventStart: eventStart, orderStart: orderStart, payTs: payTs,
                                        refundedInFullTs: refunded, loyalOrders: rules.loyalOrders,
                                        advocacyIsLoyal: rules.advocacyIsLoyal))
                            }
                        }
                    }
                }
            }
        }
    }

    @inline(__always)
    static func bit(_ kind: EventKind) -> UInt64 { 1 &<< UInt64(kind.rawValue) }

    /// The first row in `low..<high` at or after `instant` (the rows are in time order).
    @inline(__always)
    func firstRow(_ low: Int, _ high: Int, atOrAfter instant: Int64) -> Int {
        var low = low
        var high = high
        while low < high {
            let mid = (low &+ high) &>> 1
            if ts[mid] < instant { low = mid &+ 1 } else { high = mid }
        }
        return low
    }

    /// Consumer `c`'s stage as of `w.end`.
    /// - Complexity: O(log events + paid orders + events in the A/I windows) of the consumer.
    @inline(__always)
    func stage(_ c: Int, _ w: AIPLWindows) -> AIPLStage {
        let first = Int(eventStart[c])
        let last = Int(eventStart[c &+ 1])
        if first == last { return .none }
        // The rows before w.end end at `upper`; most consumers have no event after an as-of day
        // near the end of the data, so one comparison usually saves the binary search.
        let upper = ts[last &- 1] < w.end ? last : firstRow(first, last, atOrAfter: w.end)

        // P and L from the paid orders first paid in [pStart, end).
        var o = Int(orderStart[c])
        let oEnd = Int(orderStart[c &+ 1])
        if o < oEnd {
            var paidOrders = 0
            var firstPurchase = Int64.max
            while o < oEnd {
                let paid = payTs[o]
                if paid >= w.end { break }
                if paid >= w.pStart && refundedInFullTs[o] >= w.end {
                    paidOrders &+= 1
                    if firstPurchase == .max { firstPurchase = paid }
                }
                o &+= 1
            }
            if paidOrders >= loyalOrders { return .loyal }
            if paidOrders > 0 {
                if advocacyIsLoyal {
                    var i = upper
                    while i > first {
                        i &-= 1
                        if ts[i] < firstPurchase { break }
                        if Self.bit(kind[i]) & Self.advocacy != 0 { return .loyal }
                    }
                }
                return .purchased
            }
        }

        // I, then A: scan the wider of the two windows once, backwards from the as-of end.
        let signalStart = w.signalStart
        var aware = false
        var i = upper
        while i > first {
            i &-= 1
            let t = ts[i]
            if t < signalStart { break }
            let bit = Self.bit(kind[i])
            if bit & Self.interested != 0 && t >= w.iStart { return .interested }
            if bit & Self.aware != 0 && t >= w.aStart { aware = true }
        }
        return aware ? .aware : .none
    }

    /// Consumer `c`'s stage at each of `windows` (ascending by day), in one forward pass over the
    /// consumer's events: the latest A, I and review/share instants before each window's end decide
    /// A, I and advocacy, and a moving lower bound on the orders decides P and L.
    /// - Complexity: O(log events + events from the first window's start + samples x paid orders in a P window).
    @inline(__always)
    func trace(_ c: Int, _ windows: UnsafeBufferPointer<AIPLWindows>, into out: UnsafeMutableBufferPointer<AIPLStage>) {
        let first = Int(eventStart[c])
        let last = Int(eventStart[c &+ 1])
        let samples = windows.count
        guard samples > 0 else { return }
        let finalEnd = windows[samples &- 1].end
        if first == last || ts[first] >= finalEnd {
            for k in 0..<samples { out[k] = .none }
            return
        }
        let oFirst = Int(orderStart[c])
        let oEnd = Int(orderStart[c &+ 1])
        // Reviews and shares matter only after a purchase in some window: scan from the first P
        // window's start only for consumers with an order paid from there on.
        var scanFrom = windows[0].signalStart
        if advocacyIsLoyal && oFirst < oEnd && payTs[oEnd &- 1] >= windows[0].pStart {
            scanFrom = min(scanFrom, windows[0].pStart)
        }
        var i = firstRow(first, last, atOrAfter: scanFrom)
        var lastAware = Int64.min
        var lastInterested = Int64.min
        var lastAdvocacy = Int64.min
        var oLow = oFirst
        for k in 0..<samples {
            let w = windows[k]
            while i < last {
                let t = ts[i]
                if t >= w.end { break }
                let bit = Self.bit(kind[i])
                if bit & Self.aware != 0 { lastAware = t }
                if bit & Self.interested != 0 { lastInterested = t }
                if bit & Self.advocacy != 0 { lastAdvocacy = t }
                i &+= 1
            }
            while oLow < oEnd && payTs[oLow] < w.pStart { oLow &+= 1 }
            var paidOrders = 0
            var firstPurchase = Int64.max
            var o = oLow
            while o < oEnd {
                let paid = payTs[o]
                if paid >= w.end { break }
                if refundedInFullTs[o] >= w.end {
                    paidOrders &+= 1
                    if firstPurchase == .max { firstPurchase = paid }
                }
                o &+= 1
            }
            let stage: AIPLStage
            if paidOrders >= loyalOrders {
                stage = .loyal
            } else if paidOrders > 0 {
                stage = advocacyIsLoyal && lastAdvocacy >= firstPurchase ? .loyal : .purchased
            } else if lastInterested >= w.iStart {
                stage = .interested
            } else if lastAware >= w.aStart {
                stage = .aware
            } else {
                stage = .none
            }
            out[k] = stage
        }
    }
}

extension AIPLStages {
    /// Visits every consumer with their stage at the end of each of `days`, computed in one pass
    /// over the consumer's events (no re-classification per day). `visit` receives the consumer's
    /// dense index and the stages in the order of `days` (any order; repeats allowed), and folds
    /// them into a per-partition state; the states come back in consumer order.
    /// - Complexity: O(events from the earliest window's start + days x (1 + paid orders in a P
    ///   window)) per consumer, on all cores.
    public static func trace<State: Sendable>(
        _ snapshot: Snapshot, at days: [Day], rules: AIPLRules = .standard, partitions: Int = 8,
        initial: @Sendable () -> State,
        _ visit: @Sendable (inout State, _ consumer: Int, _ stages: UnsafeBufferPointer<AIPLStage>) -> Void
    ) -> [State] {
        let purchases = PurchaseIndex.of(snapshot)
        let calendar = AnalysisCalendar(snapshot)
        let sorted = Array(Set(days)).sorted()
        let windows = sorted.map { rules.windows(asOf: $0, in: calendar) }
        // Where each requested day sits among the distinct sorted days.
        let position = days.map { day in sorted.firstIndex(of: day)! }
        let identity = position == Array(0..<sorted.count)
        return ConsumerPartitions.map(snapshot, partitions: partitions) { range -> State in
            var state = initial()
            StageKernel.with(snapshot, purchases, rules) { kernel in
                windows.withUnsafeBufferPointer { windows in
                    var traced = [AIPLStage](repeating: .none, count: windows.count)
                    var requested = [AIPLStage](repeating: .none, count: position.count)
                    traced.withUnsafeMutableBufferPointer { traced in
                        requested.withUnsafeMutableBufferPointer { requested in
                            for c in range {
                                kernel.trace(c, windows, into: traced)
                                if identity {
                                    visit(&state, c, UnsafeBufferPointer(traced))
                                } else {
                                    for (k, p) in position.enumerated() { requested[k] = traced[p] }
                                    visit(&state, c, UnsafeBufferPointer(requested))
                                }
                            }
                        }
                    }
                }
            }
            return state
        }
    }
}
