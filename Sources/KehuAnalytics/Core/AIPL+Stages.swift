import KehuModel
import KehuStore

/// The AIPL rules (DESIGN 4.1) with their defaults. Every report that uses stages shows them.
public struct AIPLRules: Sendable, Hashable, Codable {
    /// A 认知: an A-signal event within this many days.
    public var awarenessDays: Int
    /// I 兴趣: an I-signal event within this many days.
    public var interestDays: Int
    /// P 购买: a paid order within this many days.
    public var purchaseDays: Int
    /// L 忠诚: this many paid orders within the purchase window ...
    public var loyalOrders: Int
    /// ... or a review or share after a purchase within it.
    public var advocacyIsLoyal: Bool

    public init(awarenessDays: Int = 15, interestDays: Int = 15, purchaseDays: Int = 365, loyalOrders: Int = 2, advocacyIsLoyal: Bool = true) {
        self.awarenessDays = awarenessDays
        self.interestDays = interestDays
        self.purchaseDays = purchaseDays
        self.loyalOrders = loyalOrders
        self.advocacyIsLoyal = advocacyIsLoyal
    }

    public static let standard = AIPLRules()

    /// The rules as report parameters.
    public var reportParameters: [ReportParameter] {
        [
            ReportParameter("A window", "\(awarenessDays)d"), ReportParameter("I window", "\(interestDays)d"),
            ReportParameter("P window", "\(purchaseDays)d"),
            ReportParameter("L", "≥\(loyalOrders) paid orders" + (advocacyIsLoyal ? " or review/share after a purchase" : "")),
        ]
    }
}

/// Each consumer's AIPL stage as of a day: the deepest stage they qualify for (L > P > I > A > none).
public enum AIPLStages {
    /// Stage signal per kind raw value: 1 = A, 2 = I, 4 = review/share; 0 otherwise (pay signals P
    /// only through a paid order, which ``PurchaseIndex`` decides).
    @usableFromInline static let signal: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 256)
        for kind in EventKind.allCases {
            switch kind.defaultStageSignal {
            case .aware: table[Int(kind.rawValue)] = 1
            case .interested: table[Int(kind.rawValue)] = 2
            case .loyal: table[Int(kind.rawValue)] = 4
            default: break
            }
        }
        return table
    }()

    /// Every consumer's stage as of the end of `day`, indexed by dense consumer.
    /// - Complexity: O(events in the A/I windows + paid orders), on all cores; the purchase index
    ///   is built on first use.
    public static func compute(_ snapshot: Snapshot, asOf day: Day, rules: AIPLRules = .standard) -> [AIPLStage] {
        let purchases = PurchaseIndex.of(snapshot)
        let calendar = AnalysisCalendar(snapshot)
        let end = calendar.end(of: day)
        let aStart = calendar.window(days: rules.awarenessDays, ending: day).lowerBound
        let iStart = calendar.window(days: rules.interestDays, ending: day).lowerBound
        let pStart = calendar.window(days: rules.purchaseDays, ending: day).lowerBound
        let parts = ConsumerPartitions.map(snapshot, partitions: 8) { range -> [AIPLStage] in
            var out = [AIPLStage](repeating: .none, count: range.count)
            for c in range {
                out[c - range.lowerBound] = stage(
                    snapshot, purchases, consumer: c, aStart: aStart, iStart: iStart, pStart: pStart, end: end, rules: rules)
            }
            return out
        }
        return parts.flatMap { $0 }
    }

    /// One consumer's stage, for windows already turned into instants (`end` exclusive).
    @inlinable
    public static func stage(
        _ snapshot: Snapshot, _ purchases: PurchaseIndex, consumer c: Int, aStart: Int64, iStart: Int64, pStart: Int64,
        end: Int64, rules: AIPLRules
    ) -> AIPLStage {
        // P and L from the paid orders in [pStart, end).
        var paidOrders = 0
        var firstPurchase = Int64.max
        for o in purchases.orders(of: c) {
            let ts = purchases.payTs[o]
            if ts >= end { break }
            if ts >= pStart && purchases.refundedInFullTs[o] >= end {
                paidOrders += 1
                if firstPurchase == .max { firstPurchase = ts }
            }
        }
        if paidOrders >= rules.loyalOrders { return .loyal }
        if paidOrders > 0 {
            if rules.advocacyIsLoyal {
                var i = snapshot.firstEvent(of: c, atOrAfter: firstPurchase)
                let last = Int(snapshot.eventStart[c + 1])
                while i < last && snapshot.ts[i] < end {
                    if signal[Int(snapshot.kind[i].rawValue)] == 4 { return .loyal }
                    i += 1
                }
            }
            return .purchased
        }
        // I, then A: scan the wider of the two windows once.
        var i = snapshot.firstEvent(of: c, atOrAfter: min(aStart, iStart))
        let last = Int(snapshot.eventStart[c + 1])
        var aware = false
        while i < last {
            let ts = snapshot.ts[i]
            if ts >= end { break }
            let s = signal[Int(snapshot.kind[i].rawValue)]
            if s == 2 && ts >= iStart { return .interested }
            if s == 1 && ts >= aStart { aware = true }
            i += 1
        }
        return aware ? .aware : .none
    }
}
