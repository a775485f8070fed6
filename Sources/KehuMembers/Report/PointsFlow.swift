import GRDB
import KehuAnalytics
import KehuModel
import KehuStore

/// The points the ledger moved in a period (entries whose `at` falls in it): issued (earned),
/// redeemed, expired and adjusted, each as a positive number of points except adjustments,
/// which keep their sign. Refund take-backs (`refund:` operations) are adjustments the sync posts.
public struct PointsFlow: Report, Codable, Hashable {
    public var from: Day
    public var to: Day
    /// Points earned (`earn` entries).
    public var issued: Int64
    /// Points spent (`redeem` entries), as a positive number.
    public var redeemed: Int64
    /// Points expired (`expire` entries), as a positive number.
    public var expired: Int64
    /// The net of `adjust` entries (refund take-backs and hand corrections).
    public var adjusted: Int64
    /// Entries in the period.
    public var entries: Int

    public var title: String { "Points 积分 \(from)..\(to)" }
    public var parameters: [ReportParameter] { [.init("period", "\(from)..\(to)")] }

    public func tables() -> [TextTable] {
        var table = TextTable(headers: ["", "中文", "points"], alignments: [.left, .left, .right])
        table.rows = [
            ["issued", "发放", Figures.grouped(Int(issued))], ["redeemed", "兑换", Figures.grouped(Int(redeemed))],
            ["expired", "过期", Figures.grouped(Int(expired))], ["adjusted (net)", "调整", Figures.grouped(Int(adjusted))],
        ]
        table.footnotes = ["\(Figures.grouped(entries)) ledger entries in the period."]
        return [table]
    }

    /// Sums the ledger's entries dated in `period` (whole days in the workspace's zone).
    /// - Complexity: O(entries in the ledger), one aggregate query.
    public static func compute(in workspace: Workspace, period: DayRange) throws(MemberError) -> PointsFlow {
        let start = workspace.zone.start(of: period.first)
        let end = workspace.zone.end(of: period.last)
        return try MemberStore.read(workspace.catalogue) { db in
            var flow = PointsFlow(from: period.first, to: period.last, issued: 0, redeemed: 0, expired: 0, adjusted: 0, entries: 0)
            let rows = try Row.fetchAll(
                db, sql: "SELECT kind, SUM(points), COUNT(*) FROM points_entry WHERE at >= ? AND at < ? GROUP BY kind",
                arguments: [start, end])
            for row in rows {
                let points: Int64 = row[1]
                flow.entries += row[2] as Int
                switch PointsKind(rawValue: row[0]) {
                case .earn: flow.issued += points
                case .redeem: flow.redeemed -= points
                case .expire: flow.expired -= points
                case .adjust: flow.adjusted += points
                case nil: break
                }
            }
            return flow
        }
    }
}
