import KehuModel
import KehuStore

/// Every RFM consumer's recency, frequency, monetary value, scores, segment and eight-class
/// (DESIGN 4.7), as of a day over a window, in columns indexed by row; rows are in dense consumer
/// order.
///
/// The RFM consumers are those with a paid order (``PurchaseIndex``: paid, not refunded in full as
/// of the end of the day) whose first payment falls in the window. R is the days from the day of
/// the last such order's first payment to the as-of day; F is the number of such orders; M is
/// their net paid amount (payments minus refunds made by the end of the as-of day), in fen.
public struct RFMTable: Sendable {
    public let asOf: Day
    /// Window length in days, ending `asOf`.
    public let days: Int
    /// Dense consumer index per row, ascending.
    public let consumer: [Int32]
    public let recencyDays: [Int32]
    public let frequency: [Int32]
    public let monetaryFen: [Int64]
    public let rScore: [UInt8]
    public let fScore: [UInt8]
    public let mScore: [UInt8]
    public let segment: [RFMSegment]
    public let valueClass: [RFMValueClass]
    public let totalRecencyDays: Int64
    public let totalFrequency: Int64
    public let totalMonetaryFen: Int64
    /// Orders counted whose payment amount the source did not carry (they add 0 to M).
    public let unknownAmountOrders: Int

    public var count: Int { consumer.count }

    /// Mean R, F and M over the RFM consumers (0 when there are none).
    public var meanRecencyDays: Double { count == 0 ? 0 : Double(totalRecencyDays) / Double(count) }
    public var meanFrequency: Double { count == 0 ? 0 : Double(totalFrequency) / Double(count) }
    public var meanMonetaryFen: Double { count == 0 ? 0 : Double(totalMonetaryFen) / Double(count) }

    /// The row of dense consumer `c`, or nil when they are not an RFM consumer.
    /// - Complexity: O(log n).
    public func row(ofConsumer c: Int) -> Int? {
        var low = 0
        var high = consumer.count
        while low < high {
            let mid = (low + high) >> 1
            if Int(consumer[mid]) < c { low = mid + 1 } else { high = mid }
        }
        return low < consumer.count && Int(consumer[low]) == c ? low : nil
    }

    /// The score from the count of consumers with a strictly worse value among `n`:
    /// 1 + floor(5 × worse / n), so 1...5 and equal values share a score.
    @inlinable
    public static func score(worse: Int, of n: Int) -> UInt8 { UInt8(1 + (5 * worse) / n) }

    /// The shared table of a snapshot for a day and window, built on first use.
    public static func of(_ snapshot: Snapshot, asOf day: Day, days: Int = 365) -> RFMTable {
        // Derived values cannot be built inside another's build: build the index first.
        _ = PurchaseIndex.of(snapshot)
        return snapshot.derived.value("RFMTable.\(day.index).\(days)") { compute(snapshot, asOf: day, days: days) }
    }

    private struct Part: Sendable {
        var consumer: [Int32] = []
        var recency: [Int32] = []
        var frequency: [Int32] = []
        var monetary: [Int64] = []
        var unknown = 0
    }

    /// - Complexity: O(paid orders) on all cores for the values, then O(n) counting for R and F
    ///   scores and O(n log n) sorting for M.
    public static func compute(_ snapshot: Snapshot, asOf day: Day, days: Int = 365) -> RFMTable {
        let purchases = PurchaseIndex.of(snapshot)
        let calendar = AnalysisCalendar(snapshot)
        let window = calendar.window(days: days, ending: day)
        let parts = ConsumerPartitions.map(snapshot, partitions: 16) { range -> Part in
            var part = Part()
            for c in range {
                var count: Int32 = 0
                var last = Int64.min
                var net: Int64 = 0
                var unknown = 0
                for o in purchases.orders(of: c) {
                    let ts = purchases.payTs[o]
                    if ts >= window.upperBound { break }
                    guard ts >= window.lowerBound, purchases.refundedInFullTs[o] >= window.upperBound else { continue }
                    count += 1
                    last = ts
                    net += purchases.netFen(o, before: window.upperBound, in: snapshot, consumer: c)
                    if purchases.amountUnknown[o] { unknown += 1 }
                }
                guard count > 0 else { continue }
                // Whole days from the purchase day to the as-of day, in the workspace zone.
                let lastDay = calendar.day(of: last)
                part.consumer.append(Int32(c))
                part.recency.append(Int32(lastDay.distance(to: day)))
                part.frequency.append(count)
                part.monetary.append(net)
                part.unknown += unknown
            }
            return part
        }
        let consumer = parts.flatMap(\.consumer)
        let recency = parts.flatMap(\.recency)
        let frequency = parts.flatMap(\.frequency)
        let monetary = parts.flatMap(\.monetary)
        let rScore = smallValueScores(recency, higherIsBetter: false)
        let fScore = smallValueScores(frequency, higherIsBetter: true)
        let mScore = sortedScores(monetary)
        let n = consumer.count
        let totalR = recency.reduce(Int64(0)) { $0 + Int64($1) }
        let totalF = frequency.reduce(Int64(0)) { $0 + Int64($1) }
        let totalM = monetary.reduce(Int64(0), +)
        var segment = [RFMSegment](repeating: .others, count: n)
        var valueClass = [RFMValueClass](repeating: .generalRetain, count: n)
        // Compared with the mean exactly: v > total / n  <=>  v × n > total.
        let count128 = Int128(n)
        for i in 0..<n {
            segment[i] = RFMSegment.of(r: rScore[i], f: fScore[i], m: mScore[i])
            valueClass[i] = RFMValueClass.of(
                rHigh: Int128(recency[i]) * count128 < Int128(totalR),
                fHigh: Int128(frequency[i]) * count128 > Int128(totalF),
                mHigh: Int128(monetary[i]) * count128 > Int128(totalM))
        }
        return RFMTable(
            asOf: day, days: days, consumer: consumer, recencyDays: recency, frequency: frequency, monetaryFen: monetary,
            rScore: rScore, fScore: fScore, mScore: mScore, segment: segment, valueClass: valueClass,
            totalRecencyDays: totalR, totalFrequency: totalF, totalMonetaryFen: totalM,
            unknownAmountOrders: parts.reduce(0) { $0 + $1.unknown })
    }

    /// Scores of non-negative small integers (days, order counts) by counting: the number with a
    /// strictly worse value is a prefix (or suffix) sum of the histogram. Falls back to sorting
    /// when the largest value is far above the count.
    /// - Complexity: O(n + max value).
    static func smallValueScores(_ values: [Int32], higherIsBetter: Bool) -> [UInt8] {
        let n = values.count
        guard n > 0 else { return [] }
        let maximum = Int(values.max()!)
        guard values.min()! >= 0, maximum <= max(4 * n, 4_096) else {
            return sortedScores(values.map(Int64.init), higherIsBetter: higherIsBetter)
        }
        var histogram = [Int](repeating: 0, count: maximum + 2)
        for v in values { histogram[Int(v)] += 1 }
        // worse[v]: values strictly below v (higher is better) or strictly above v (lower is better).
        var worse = [Int](repeating: 0, count: maximum + 1)
        if higherIsBetter {
            var running = 0
            for v in 0...maximum {
                worse[v] = running
                running += histogram[v]
            }
        } else {
            var running = 0
            for v in stride(from: maximum, through: 0, by: -1) {
                worse[v] = running
                running += histogram[v]
            }
        }
        var scores = [UInt8](repeating: 1, count: n)
        for i in 0..<n { scores[i] = score(worse: worse[Int(values[i])], of: n) }
        return scores
    }

    /// Scores of any values by sorting a copy and binary-searching each value's first position
    /// (the number of strictly smaller values).
    /// - Complexity: O(n log n).
    static func sortedScores(_ values: [Int64], higherIsBetter: Bool = true) -> [UInt8] {
        let n = values.count
        guard n > 0 else { return [] }
        let sorted = values.sorted()
        func below(_ v: Int64) -> Int {
            var low = 0
            var high = n
            while low < high {
                let mid = (low + high) >> 1
                if sorted[mid] < v { low = mid + 1 } else { high = mid }
            }
            return low
        }
        func atOrBelow(_ v: Int64) -> Int {
            var low = 0
            var high = n
            while low < high {
                let mid = (low + high) >> 1
                if sorted[mid] <= v { low = mid + 1 } else { high = mid }
            }
            return low
        }
        var scores = [UInt8](repeating: 1, count: n)
        for i in 0..<n {
            let worse = higherIsBetter ? below(values[i]) : n - atOrBelow(values[i])
            scores[i] = score(worse: worse, of: n)
        }
        return scores
    }
}
