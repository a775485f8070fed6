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

    /// The windows of the rules as of the end of `day`, as UTC ms instants.
    public func windows(asOf day: Day, in calendar: AnalysisCalendar) -> AIPLWindows {
        AIPLWindows(
            aStart: calendar.window(days: awarenessDays, ending: day).lowerBound,
            iStart: calendar.window(days: interestDays, ending: day).lowerBound,
            pStart: calendar.window(days: purchaseDays, ending: day).lowerBound,
            end: calendar.end(of: day))
    }
}

/// The AIPL windows as of one day, turned into UTC ms instants: each window is `[start, end)`.
public struct AIPLWindows: Sendable, Hashable {
    public var aStart: Int64
    public var iStart: Int64
    public var pStart: Int64
    /// Exclusive: just after the last instant of the day.
    public var end: Int64

    public init(aStart: Int64, iStart: Int64, pStart: Int64, end: Int64) {
        self.aStart = aStart
        self.iStart = iStart
        self.pStart = pStart
        self.end = end
    }

    /// The start of the wider of the A and I windows.
    @inlinable public var signalStart: Int64 { min(aStart, iStart) }
}

/// Each consumer's AIPL stage as of a day: the deepest stage they qualify for (L > P > I > A > none).
///
/// As of the end of day D (DESIGN 4.1, defaults in ``AIPLRules``):
/// - **L** when the consumer has `loyalOrders` or more purchases (``PurchaseIndex/isPurchase(_:before:)``)
///   first paid within the P window, or one or more and a review or share at or after the first of them;
/// - **P** with one or more such purchases;
/// - **I** with an I-signal event in the I window; **A** with an A-signal event in the A window.
public enum AIPLStages {
    /// Kinds that signal A, I, and L after a purchase (review, share), as bit sets over the kind raw
    /// values (`pay` signals P only through a paid order, which ``PurchaseIndex`` decides).
    public static let awareKinds: UInt64 = kindMask(.aware)
    public static let interestedKinds: UInt64 = kindMask(.interested)
    public static let advocacyKinds: UInt64 = kindMask(.loyal)

    /// The same as a table per kind raw value: 1 = A signal, 2 = I signal, 4 = review or share,
    /// 0 otherwise; for per-event loops that branch on the signal.
    public static let signal: [UInt8] = (0..<256).map { raw in
        let bit = raw < 64 ? UInt64(1) << UInt64(raw) : 0
        return awareKinds & bit != 0 ? 1 : interestedKinds & bit != 0 ? 2 : advocacyKinds & bit != 0 ? 4 : 0
    }

    private static func kindMask(_ stage: AIPLStage) -> UInt64 {
        EventKind.allCases.reduce(0) { $1.defaultStageSignal == stage ? $0 | (1 << UInt64($1.rawValue)) : $0 }
    }

    /// Every consumer's stage as of the end of `day`, indexed by dense consumer.
    /// - Complexity: O(consumers + paid orders + events in the A/I windows), on all cores; the
    ///   purchase index is built on first use.
    public static func compute(_ snapshot: Snapshot, asOf day: Day, rules: AIPLRules = .standard) -> [AIPLStage] {
        let purchases = PurchaseIndex.of(snapshot)
        let windows = rules.windows(asOf: day, in: AnalysisCalendar(snapshot))
        let parts = ConsumerPartitions.map(snapshot, partitions: 8) { range -> [AIPLStage] in
            StageKernel.with(snapshot, purchases, rules) { kernel in
                [AIPLStage](unsafeUninitializedCapacity: range.count) { buffer, count in
                    for c in range { buffer.initializeElement(at: c - range.lowerBound, to: kernel.stage(c, windows)) }
                    count = range.count
                }
            }
        }
        return parts.flatMap { $0 }
    }

    /// Consumers per stage as of the end of `day`, indexed by ``AIPLStage/rawValue`` (none, A, I, P, L).
    /// Same stages as ``compute(_:asOf:rules:)`` without keeping them per consumer.
    /// - Complexity: O(consumers + paid orders + events in the A/I windows), on all cores.
    public static func counts(_ snapshot: Snapshot, asOf day: Day, rules: AIPLRules = .standard) -> [Int] {
        let purchases = PurchaseIndex.of(snapshot)
        let windows = rules.windows(asOf: day, in: AnalysisCalendar(snapshot))
        let parts = ConsumerPartitions.map(snapshot, partitions: 8) { range -> [Int] in
            StageKernel.with(snapshot, purchases, rules) { kernel in
                var tally = (0, 0, 0, 0, 0)
                for c in range {
                    switch kernel.stage(c, windows) {
                    case .none: tally.0 += 1
                    case .aware: tally.1 += 1
                    case .interested: tally.2 += 1
                    case .purchased: tally.3 += 1
                    case .loyal: tally.4 += 1
                    }
                }
                return [tally.0, tally.1, tally.2, tally.3, tally.4]
            }
        }
        return parts.reduce(into: [Int](repeating: 0, count: 5)) { total, part in
            for s in 0..<5 { total[s] += part[s] }
        }
    }

    /// One consumer's stage, for windows already turned into instants (`end` exclusive).
    /// For many consumers use ``compute(_:asOf:rules:)``, which reads the columns once per partition.
    public static func stage(
        _ snapshot: Snapshot, _ purchases: PurchaseIndex, consumer c: Int, aStart: Int64, iStart: Int64, pStart: Int64,
        end: Int64, rules: AIPLRules
    ) -> AIPLStage {
        StageKernel.with(snapshot, purchases, rules) { kernel in
            kernel.stage(c, AIPLWindows(aStart: aStart, iStart: iStart, pStart: pStart, end: end))
        }
    }
}
