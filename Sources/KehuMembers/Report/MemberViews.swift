import KehuAnalytics
import KehuModel
import KehuStore

/// `kehu member list`: members with their tier and balance.
public struct MemberList: Report, Codable, Hashable {
    public struct Row: Codable, Hashable, Sendable {
        public var key: String
        public var tier: String
        public var tierName: String
        public var balance: Int64
        public var joined: Day
        public var left: Day?
        public var channel: String?
    }

    public var tier: String?
    public var total: Int
    /// The first `limit` members, by key.
    public var members: [Row]

    public var title: String { "Members" }
    public var parameters: [ReportParameter] { tier.map { [.init("tier", $0)] } ?? [] }

    public init(_ members: [Member], programme: MemberProgramme?, zone: ZoneRules, tier: String?, limit: Int) {
        self.tier = tier
        total = members.count
        self.members = members.prefix(limit).map { m in
            Row(
                key: m.key, tier: m.tier, tierName: programme?.tiers.first { $0.code == m.tier }?.name ?? m.tier, balance: m.balance,
                joined: zone.day(ofUTC: m.joinedAt), left: m.leftAt.map { zone.day(ofUTC: $0) }, channel: m.channel)
        }
    }

    public func tables() -> [TextTable] {
        var table = TextTable(
            headers: ["member", "tier", "points", "joined", "left", "channel"], alignments: [.left, .left, .right, .left, .left, .left])
        table.rows = members.map { [$0.key, $0.tierName, Figures.grouped(Int($0.balance)), "\($0.joined)", $0.left.map { "\($0)" } ?? "", $0.channel ?? ""] }
        if total > members.count { table.footnotes.append("First \(members.count) of \(Figures.grouped(total)) members (--limit).") }
        return [table]
    }
}

/// `kehu member show KEY` and `GET /v1/members/{key}`: one member, their tier and benefits, the
/// balance, open lots, the ledger and the tier history.
public struct MemberDetail: Report, Codable, Hashable {
    public struct Lot: Codable, Hashable, Sendable {
        public var operationID: String
        public var remaining: Int64
        public var expiresOn: Day?
    }

    public var member: Member
    public var tierName: String
    public var benefits: [String]
    public var pointsMultiplierPercent: Int64
    /// Points not yet spent or expired, by credit, soonest expiry first.
    public var lots: [Lot]
    public var ledger: [PointsEntry]
    public var tierHistory: [TierChange]

    public var title: String { "Member \(member.key)" }
    public var parameters: [ReportParameter] { [] }

    /// Loads a member's detail; nil when there is no such member.
    public static func load(_ key: String, in workspace: Workspace) throws(MemberError) -> MemberDetail? {
        guard let member = try MemberStore.member(key, in: workspace) else { return nil }
        let programme = try MemberStore.programme(in: workspace)
        let ledger = try PointsLedger(workspace).entries(of: key)
        let tier = programme?.tiers.first { $0.code == member.tier }
        let lots = PointsLedger.openLots(ledger)
            .sorted { ($0.expiresOn?.index ?? .max, $0.entryID) < ($1.expiresOn?.index ?? .max, $1.entryID) }
            .map { Lot(operationID: $0.operationID, remaining: $0.remaining, expiresOn: $0.expiresOn) }
        return MemberDetail(
            member: member, tierName: tier?.name ?? member.tier, benefits: tier?.benefits ?? [],
            pointsMultiplierPercent: tier?.multiplierPercent ?? 100, lots: lots, ledger: ledger,
            tierHistory: try MemberStore.tierHistory(of: key, in: workspace))
    }

    public func tables() -> [TextTable] {
        var summary = TextTable(headers: ["", ""], alignments: [.left, .left])
        summary.rows = [
            ["tier 等级", "\(tierName) (\(member.tier)) since \(member.tierSince)"],
            ["points 积分", Figures.grouped(Int(member.balance))],
            ["multiplier", "\(pointsMultiplierPercent)%"],
            ["benefits 权益", benefits.isEmpty ? "-" : benefits.joined(separator: "; ")],
            ["channel", member.channel ?? "-"],
            ["referrer", member.referrer ?? "-"],
        ]
        var lotTable = TextTable(title: "Points by expiry", headers: ["credit", "points", "expires"], alignments: [.left, .right, .left])
        lotTable.rows = lots.map { [$0.operationID, Figures.grouped(Int($0.remaining)), $0.expiresOn.map { "\($0)" } ?? "never"] }
        var ledgerTable = TextTable(
            title: "Ledger", headers: ["#", "operation", "kind", "points", "balance", "reason"],
            alignments: [.right, .left, .left, .right, .right, .left])
        ledgerTable.rows = ledger.map {
            ["\($0.id)", $0.operationID, "\($0.kind.rawValue) \($0.kind.chineseName)", ($0.points > 0 ? "+" : "") + Figures.grouped(Int($0.points)),
             Figures.grouped(Int($0.balanceAfter)), $0.reason ?? ""]
        }
        var history = TextTable(title: "Tier history", headers: ["day", "from", "to", "reason"], alignments: [.left, .left, .left, .left])
        history.rows = tierHistory.map { ["\($0.day)", $0.fromTier ?? "-", $0.toTier, $0.reason] }
        return [summary, lotTable, ledgerTable, history]
    }
}

/// `kehu member tiers`: members in the programme per tier.
public struct TierCounts: Report, Codable, Hashable {
    public struct Row: Codable, Hashable, Sendable {
        public var code: String
        public var name: String
        public var threshold: String
        public var members: Int
        public var points: Int64
    }

    public var programme: String
    public var basis: MemberProgramme.Basis
    public var rows: [Row]
    /// Members who have left, not counted in the tiers.
    public var left: Int

    public var title: String { "Member tiers" }
    public var parameters: [ReportParameter] { [.init("programme", programme), .init("basis", basis.rawValue)] }

    public init(_ members: [Member], programme: MemberProgramme) {
        self.programme = programme.name
        basis = programme.basis
        var rows = programme.tiers.map { Row(code: $0.code, name: $0.name, threshold: programme.format(qualifying: $0.threshold), members: 0, points: 0) }
        var left = 0
        for member in members {
            guard member.leftAt == nil else {
                left += 1
                continue
            }
            let i = programme.index(ofTier: member.tier) ?? 0
            rows[i].members += 1
            rows[i].points += member.balance
        }
        self.rows = rows
        self.left = left
    }

    public func tables() -> [TextTable] {
        let total = rows.reduce(0) { $0 + $1.members }
        var table = TextTable(headers: ["tier", "name", "threshold", "members", "share", "points held"], alignments: [.left, .left, .right, .right, .right, .right])
        table.rows = rows.map { [$0.code, $0.name, $0.threshold, Figures.grouped($0.members), Figures.percent($0.members, total), Figures.grouped(Int($0.points))] }
        table.footnotes = ["\(Figures.grouped(total)) members; \(Figures.grouped(left)) have left."]
        return [table]
    }
}
