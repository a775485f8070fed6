import KehuModel
import KehuStore

/// The class of a visitor at their first visit in a period (生意参谋 5.0, DESIGN 4.3).
public enum VisitorClass: Int, CaseIterable, Sendable, Codable {
    /// 新访: neither a paid order nor a visit in the lookback.
    case new = 0
    /// 回访: no paid order in the lookback, but a visit.
    case returning = 1
    /// 老客: a paid order in the lookback.
    case old = 2

    /// The JSON name.
    public var key: String {
        switch self {
        case .new: "new"
        case .returning: "returning"
        case .old: "old"
        }
    }

    public var chineseName: String {
        switch self {
        case .new: "新访"
        case .returning: "回访"
        case .old: "老客"
        }
    }

    public var englishName: String {
        switch self {
        case .new: "new visitor"
        case .returning: "returning visitor"
        case .old: "old customer"
        }
    }

    /// Classifies consumer `c` at the instant `visit` of their first visit in a period.
    ///
    /// The lookback is `[visit - lookback, visit)`: 老客 when an order's first payment falls in it
    /// and the order was not refunded in full before `visit`; otherwise 回访 when a `view` falls in
    /// it; otherwise 新访. `firstRowAtOrAfterStart` is the consumer's first row at or after the
    /// period start: the caller has seen that no view lies between it and `visit`, so only the rows
    /// before it can hold a visit in the lookback.
    /// - Complexity: O(orders before `visit` + rows from the latest earlier view back to it).
    @inlinable
    public static func classify(
        _ snapshot: Snapshot, _ purchases: PurchaseIndex, consumer c: Int, visit: Int64, lookback: Int64,
        firstRowAtOrAfterStart: Int
    ) -> VisitorClass {
        let from = visit - lookback
        for o in purchases.orders(of: c) {
            let paid = purchases.payTs[o]
            if paid >= visit { break }
            if paid >= from && purchases.refundedInFullTs[o] >= visit { return .old }
        }
        // The latest earlier view decides, so scan backwards and stop at the first one.
        var j = firstRowAtOrAfterStart - 1
        let first = Int(snapshot.eventStart[c])
        while j >= first {
            let ts = snapshot.ts[j]
            if ts < from { break }
            if ts < visit && snapshot.kind[j] == .view { return .returning }
            j -= 1
        }
        return .new
    }
}
