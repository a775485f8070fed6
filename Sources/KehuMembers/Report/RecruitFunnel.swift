import KehuAnalytics
import KehuModel
import KehuStore

/// The members recruited (招) in a period followed to the end of it: how many made a first
/// purchase since joining (转), and how many bought again (留). Unlike the counts of
/// ``MemberFunnel``, which count every member active in the period, each step here is a subset of
/// the one before, so it draws as a funnel.
public struct RecruitFunnel: Report, Codable, Hashable {
    public var from: Day
    public var to: Day
    /// Members who joined in the period.
    public var recruited: Int
    /// Of them, members with a purchase after joining and by the end of the period (before leaving).
    public var firstPurchase: Int
    /// Of them, members with two or more such purchases.
    public var repeatPurchase: Int

    public var title: String { "Recruited members 入会会员 \(from)..\(to)" }
    public var parameters: [ReportParameter] { [.init("period", "\(from)..\(to)")] }

    public func tables() -> [TextTable] {
        var table = TextTable(headers: ["step", "阶段", "members", "of recruited"], alignments: [.left, .left, .right, .right])
        table.rows = [
            ["recruited", "入会", Figures.grouped(recruited), Figures.percent(recruited, recruited)],
            ["first purchase", "首购", Figures.grouped(firstPurchase), Figures.percent(firstPurchase, recruited)],
            ["repeat purchase", "复购", Figures.grouped(repeatPurchase), Figures.percent(repeatPurchase, recruited)],
        ]
        return [table]
    }

    /// Follows the members who joined in `period` to its end. Purchases are those of
    /// docs/definitions.md (paid, not refunded in full by the end of the period).
    /// - Complexity: O(members + the recruited members' orders).
    public static func compute(_ snapshot: Snapshot, members: [MemberFunnel.Subject], period: DayRange) -> RecruitFunnel {
        let calendar = AnalysisCalendar(snapshot)
        let start = calendar.start(of: period.first)
        let end = calendar.end(of: period.last)
        let purchases = PurchaseIndex.of(snapshot)
        var funnel = RecruitFunnel(from: period.first, to: period.last, recruited: 0, firstPurchase: 0, repeatPurchase: 0)
        for m in members where (start..<end).contains(m.joinedAt) {
            funnel.recruited += 1
            guard let c = m.consumer else { continue }
            let leaves = m.leftAt ?? .max
            var bought = 0
            for o in purchases.orders(of: c) where purchases.isPurchase(o, before: end) {
                let paid = purchases.payTs[o]
                if paid >= m.joinedAt && paid < leaves { bought += 1 }
            }
            if bought >= 1 { funnel.firstPurchase += 1 }
            if bought >= 2 { funnel.repeatPurchase += 1 }
        }
        return funnel
    }
}
