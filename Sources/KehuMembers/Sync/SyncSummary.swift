import KehuAnalytics
import KehuModel

/// What one `kehu member sync` did.
public struct SyncSummary: Report, Codable, Hashable {
    public var asOf: Day
    public var programme: String
    /// Members after the sync.
    public var members = 0
    public var joined = 0
    public var left = 0
    public var rejoined = 0
    public var earnedEntries = 0
    public var earnedPoints: Int64 = 0
    public var reversedEntries = 0
    public var reversedPoints: Int64 = 0
    /// Points refunded orders should give back that the balances could not cover (taken later).
    public var owedPoints: Int64 = 0
    public var expiredEntries = 0
    public var expiredPoints: Int64 = 0
    public var upgrades = 0
    public var downgrades = 0
    /// Members below their tier at the review who kept it because they reached it within the grace days.
    public var keptInGrace = 0
    /// Paid orders without an order id: they cannot be named by an operation id, so earn nothing.
    public var ordersWithoutID = 0
    /// Operation ids already used by another member (an order id reused across channels): skipped.
    public var conflicts = 0

    public init(asOf: Day, programme: String) {
        self.asOf = asOf
        self.programme = programme
    }

    public var title: String { "Member sync as of \(asOf)" }
    public var parameters: [ReportParameter] { [.init("as of", "\(asOf)"), .init("programme", programme)] }

    public func tables() -> [TextTable] {
        var table = TextTable(headers: ["what", "count", "points"])
        table.rows = [
            ["members", Figures.grouped(members), ""],
            ["joined 入会", Figures.grouped(joined), ""],
            ["left 退会", Figures.grouped(left), ""],
            ["rejoined", Figures.grouped(rejoined), ""],
            ["earned 获取", Figures.grouped(earnedEntries), Figures.grouped(Int(earnedPoints))],
            ["refund reversals", Figures.grouped(reversedEntries), Figures.grouped(Int(-reversedPoints))],
            ["expired 过期", Figures.grouped(expiredEntries), Figures.grouped(Int(-expiredPoints))],
            ["upgrades 升级", Figures.grouped(upgrades), ""],
            ["downgrades 降级", Figures.grouped(downgrades), ""],
            ["kept in grace 保级", Figures.grouped(keptInGrace), ""],
        ]
        if owedPoints > 0 { table.footnotes.append("\(owedPoints) points of refunded orders exceed the balances and stay owed.") }
        if ordersWithoutID > 0 { table.footnotes.append("\(ordersWithoutID) paid orders without an order id earned nothing (no operation id).") }
        if conflicts > 0 { table.footnotes.append("\(conflicts) operations skipped: their order id already earned for another member.") }
        return [table]
    }
}
