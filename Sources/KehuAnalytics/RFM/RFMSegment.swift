/// The named RFM segments of the R `rfm` package (rsquaredacademy/rfm), in the order the package
/// documents them: a consumer is in the first segment whose R, F and M score ranges all contain
/// their scores, and in ``others`` when none does. docs/definitions.md cites the source.
public enum RFMSegment: UInt8, CaseIterable, Sendable, Codable, Hashable, CustomStringConvertible {
    case champions = 0
    case loyalCustomers
    case potentialLoyalist
    case newCustomers
    case promising
    case needAttention
    case aboutToSleep
    case atRisk
    case cantLoseThem
    case lost
    /// Matches no range.
    case others

    /// The package's name, e.g. `Can't Lose Them`.
    public var name: String {
        switch self {
        case .champions: "Champions"
        case .loyalCustomers: "Loyal Customers"
        case .potentialLoyalist: "Potential Loyalist"
        case .newCustomers: "New Customers"
        case .promising: "Promising"
        case .needAttention: "Need Attention"
        case .aboutToSleep: "About To Sleep"
        case .atRisk: "At Risk"
        case .cantLoseThem: "Can't Lose Them"
        case .lost: "Lost"
        case .others: "Others"
        }
    }

    /// The name Chinese CRM teams use for the same group.
    public var chineseName: String {
        switch self {
        case .champions: "冠军客户"
        case .loyalCustomers: "忠诚客户"
        case .potentialLoyalist: "潜在忠诚客户"
        case .newCustomers: "新客户"
        case .promising: "有潜力客户"
        case .needAttention: "需要关注"
        case .aboutToSleep: "即将沉睡"
        case .atRisk: "有流失风险"
        case .cantLoseThem: "不能失去"
        case .lost: "已流失"
        case .others: "其他"
        }
    }

    public var description: String { name }

    /// Score ranges (R, F, M), each inclusive, from the package's documented table
    /// (`recency_lower` ... `monetary_upper`); nil for ``others``.
    public var ranges: (r: ClosedRange<Int>, f: ClosedRange<Int>, m: ClosedRange<Int>)? {
        switch self {
        case .champions: (4...5, 4...5, 4...5)
        case .loyalCustomers: (2...5, 3...5, 3...5)
        case .potentialLoyalist: (3...5, 1...3, 1...3)
        case .newCustomers: (4...5, 1...1, 1...1)
        case .promising: (3...4, 1...1, 1...1)
        case .needAttention: (2...3, 2...3, 2...3)
        case .aboutToSleep: (2...3, 1...2, 1...2)
        case .atRisk: (1...2, 2...5, 2...5)
        case .cantLoseThem: (1...1, 4...5, 4...5)
        case .lost: (1...2, 1...2, 1...2)
        case .others: nil
        }
    }

    /// The rule as text, e.g. `R 4-5 · F 4-5 · M 4-5`.
    public var rule: String {
        guard let ranges else { return "no range matches" }
        func text(_ range: ClosedRange<Int>) -> String {
            range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound)-\(range.upperBound)"
        }
        return "R \(text(ranges.r)) · F \(text(ranges.f)) · M \(text(ranges.m))"
    }

    /// The segment of scores 1...5: the first in package order whose ranges contain all three.
    /// - Complexity: O(1) (a 125-entry table).
    @inlinable
    public static func of(r: UInt8, f: UInt8, m: UInt8) -> RFMSegment {
        table[Int(r - 1) * 25 + Int(f - 1) * 5 + Int(m - 1)]
    }

    @usableFromInline static let table: [RFMSegment] = {
        var table = [RFMSegment](repeating: .others, count: 125)
        for r in 1...5 {
            for f in 1...5 {
                for m in 1...5 {
                    table[(r - 1) * 25 + (f - 1) * 5 + (m - 1)] =
                        allCases.first { segment in
                            guard let ranges = segment.ranges else { return false }
                            return ranges.r.contains(r) && ranges.f.contains(f) && ranges.m.contains(m)
                        } ?? .others
                }
            }
        }
        return table
    }()
}

/// The eight-class RFM common in Chinese CRM (RFM 八类客户): each of R, F and M is "high" (高) when
/// better than the mean over the RFM consumers (R: fewer days since the last purchase than the
/// mean; F, M: more than the mean), and the three highs pick the class.
public enum RFMValueClass: UInt8, CaseIterable, Sendable, Codable, Hashable, CustomStringConvertible {
    /// 重要价值: R high, F high, M high.
    case importantValue = 0
    /// 重要发展: R high, F low, M high.
    case importantDevelop = 1
    /// 重要保持: R low, F high, M high.
    case importantKeep = 2
    /// 重要挽留: R low, F low, M high.
    case importantRetain = 3
    /// 一般价值: R high, F high, M low.
    case generalValue = 4
    /// 一般发展: R high, F low, M low.
    case generalDevelop = 5
    /// 一般保持: R low, F high, M low.
    case generalKeep = 6
    /// 一般挽留: R low, F low, M low.
    case generalRetain = 7

    /// The class for three highs.
    @inlinable
    public static func of(rHigh: Bool, fHigh: Bool, mHigh: Bool) -> RFMValueClass {
        RFMValueClass(rawValue: (mHigh ? 0 : 4) + (rHigh ? 0 : 2) + (fHigh ? 0 : 1))!
    }

    public var rHigh: Bool { rawValue & 2 == 0 }
    public var fHigh: Bool { rawValue & 1 == 0 }
    public var mHigh: Bool { rawValue & 4 == 0 }

    /// 重要价值客户 ... 一般挽留客户.
    public var chineseName: String {
        switch self {
        case .importantValue: "重要价值客户"
        case .importantDevelop: "重要发展客户"
        case .importantKeep: "重要保持客户"
        case .importantRetain: "重要挽留客户"
        case .generalValue: "一般价值客户"
        case .generalDevelop: "一般发展客户"
        case .generalKeep: "一般保持客户"
        case .generalRetain: "一般挽留客户"
        }
    }

    /// English name, e.g. `important value`.
    public var name: String {
        switch self {
        case .importantValue: "important value"
        case .importantDevelop: "important develop"
        case .importantKeep: "important keep"
        case .importantRetain: "important retain"
        case .generalValue: "general value"
        case .generalDevelop: "general develop"
        case .generalKeep: "general keep"
        case .generalRetain: "general retain"
        }
    }

    /// `R高 F低 M高` style rule.
    public var rule: String {
        "R" + (rHigh ? "高" : "低") + " F" + (fHigh ? "高" : "低") + " M" + (mHigh ? "高" : "低")
    }

    public var description: String { chineseName }
}
