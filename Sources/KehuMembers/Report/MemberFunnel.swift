import GRDB
import KehuAnalytics
import KehuModel
import KehuStore

/// 招育转留赞 (recruit / nurture / convert / retain / advocate): what the membership programme
/// did in a period. Every definition is in docs/definitions.md ("Members").
public struct MemberFunnel: Report, Codable, Hashable {
    /// One member as the report reads them.
    public struct Subject: Sendable, Hashable {
        public var key: String
        /// The member's dense consumer index in the snapshot, nil when their key has no events.
        public var consumer: Int?
        public var joinedAt: Int64
        public var leftAt: Int64?
        public var channel: String?
        public var referrer: String?

        public init(key: String, consumer: Int?, joinedAt: Int64, leftAt: Int64?, channel: String?, referrer: String?) {
            self.key = key
            self.consumer = consumer
            self.joinedAt = joinedAt
            self.leftAt = leftAt
            self.channel = channel
            self.referrer = referrer
        }
    }

    public struct ChannelCount: Codable, Hashable, Sendable {
        public var channel: String
        public var members: Int
    }

    public var from: Day
    public var to: Day
    /// A member lapses after this many days without a purchase.
    public var lapseDays: Int
    public var membersAtStart: Int
    public var membersAtEnd: Int
    /// 招: members who joined in the period.
    public var recruited: Int
    public var recruitedByChannel: [ChannelCount]
    /// 育: members who viewed, favorited or carted in the period while members, without a purchase in it.
    public var nurtured: Int
    /// 转: members whose first purchase since joining falls in the period.
    public var converted: Int
    /// Median calendar days from joining to that first purchase (nil without conversions).
    public var medianDaysToFirstPurchase: Double?
    /// 留: members with a purchase in the period that is not their first since joining.
    public var repeatBuyers: Int
    /// Members who left (退会) in the period.
    public var churnedLeft: Int
    /// Members still in the programme whose `lapseDays` without a purchase ran out in the period.
    public var churnedLapsed: Int
    /// 赞: members who joined in the period referred by another member.
    public var referrals: Int
    /// Members who shared (分享) in the period while members, and their share events.
    public var sharers: Int
    public var shares: Int

    public var title: String { "Members 招育转留赞 \(from)..\(to)" }
    public var parameters: [ReportParameter] {
        [.init("period", "\(from)..\(to)"), .init("lapse days", "\(lapseDays)")]
    }

    public func tables() -> [TextTable] {
        var stages = TextTable(title: "招育转留赞", headers: ["stage", "阶段", "members", "note"], alignments: [.left, .left, .right, .left])
        let median = medianDaysToFirstPurchase.map { value in
            value == value.rounded() ? "\(Int(value))" : String(format: "%.1f", value)
        } ?? "-"
        stages.rows = [
            ["recruit", "招 入会", Figures.grouped(recruited), "joined in the period"],
            ["nurture", "育 互动未购", Figures.grouped(nurtured), "viewed, favorited or carted; no purchase"],
            ["convert", "转 首购", Figures.grouped(converted), "median \(median) days from joining"],
            ["retain", "留 复购", Figures.grouped(repeatBuyers), "purchased again"],
            ["churn: left", "流失 退会", Figures.grouped(churnedLeft), "left the programme"],
            ["churn: lapsed", "流失 沉睡", Figures.grouped(churnedLapsed), "\(lapseDays) days without a purchase"],
            ["advocate: referrals", "赞 推荐入会", Figures.grouped(referrals), "joined, referred by a member"],
            ["advocate: shares", "赞 分享", Figures.grouped(sharers), "\(Figures.grouped(shares)) share events"],
        ]
        stages.footnotes = ["Members: \(Figures.grouped(membersAtStart)) at the start, \(Figures.grouped(membersAtEnd)) at the end."]
        var channels = TextTable(title: "Joined by channel", headers: ["channel", "members", "share"])
        for row in recruitedByChannel {
            channels.rows.append([row.channel, Figures.grouped(row.members), Figures.percent(row.members, recruited)])
        }
        return [stages, channels]
    }

    /// Computes the report for the period `from ... to` (whole days in the snapshot's zone).
    /// - Complexity: O(events of the members).
    public static func compute(_ snapshot: Snapshot, members: [Subject], period: DayRange, lapseDays: Int = 180) -> MemberFunnel {
        let calendar = AnalysisCalendar(snapshot)
        let start = calendar.start(of: period.first)
        let end = calendar.end(of: period.last)
        let purchases = PurchaseIndex.of(snapshot)
        let memberKeys = Dictionary(members.map { ($0.key, $0.joinedAt) }, uniquingKeysWith: min)
        var report = MemberFunnel(
            from: period.first, to: period.last, lapseDays: lapseDays, membersAtStart: 0, membersAtEnd: 0, recruited: 0,
            recruitedByChannel: [], nurtured: 0, converted: 0, medianDaysToFirstPurchase: nil, repeatBuyers: 0, churnedLeft: 0,
            churnedLapsed: 0, referrals: 0, sharers: 0, shares: 0)
        var byChannel: [String: Int] = [:]
        var daysToFirst: [Int] = []
        for m in members {
            let leaves = m.leftAt ?? .max
            if m.joinedAt < start && leaves >= start { report.membersAtStart += 1 }
            if m.joinedAt < end && leaves >= end { report.membersAtEnd += 1 }
            if (start..<end).contains(m.joinedAt) {
                report.recruited += 1
                byChannel[m.channel ?? "(unknown)", default: 0] += 1
                if let referrer = m.referrer, let referrerJoined = memberKeys[referrer], referrerJoined <= m.joinedAt {
                    report.referrals += 1
                }
            }
            if (start..<end).contains(leaves) { report.churnedLeft += 1 }
            // Only the time as a member counts below.
            let memberFrom = max(m.joinedAt, start)
            let memberUntil = min(leaves, end)
            guard m.joinedAt < end, leaves > start else { continue }

            // Purchases since joining (and before leaving), as of the end of the period.
            var memberPurchases: [Int64] = []
            var purchasedInPeriod = false
            if let c = m.consumer {
                for o in purchases.orders(of: c) where purchases.isPurchase(o, before: end) {
                    let payTs = purchases.payTs[o]
                    if payTs >= start { purchasedInPeriod = true }
                    if payTs >= m.joinedAt && payTs < leaves { memberPurchases.append(payTs) }
                }
            }
            if let first = memberPurchases.first, (start..<end).contains(first) {
                report.converted += 1
                daysToFirst.append(calendar.day(of: m.joinedAt).distance(to: calendar.day(of: first)))
            }
            if memberPurchases.dropFirst().contains(where: { (start..<end).contains($0) }) { report.repeatBuyers += 1 }
            if leaves >= end {
                let last = memberPurchases.last ?? m.joinedAt
                if period.contains(calendar.day(of: last).advanced(by: lapseDays)) { report.churnedLapsed += 1 }
            }
            guard let c = m.consumer else { continue }

            var engaged = false
            var shared = 0
            for i in snapshot.firstEvent(of: c, atOrAfter: memberFrom)..<snapshot.events(of: c).upperBound {
                let ts = snapshot.ts[i]
                if ts >= memberUntil { break }
                switch snapshot.kind[i] {
                case .view, .favorite, .cart: engaged = true
                case .share: shared += 1
                default: break
                }
            }
            if engaged && !purchasedInPeriod { report.nurtured += 1 }
            if shared > 0 {
                report.sharers += 1
                report.shares += shared
            }
        }
        report.recruitedByChannel = byChannel.map { ChannelCount(channel: $0.key, members: $0.value) }
            .sorted { ($0.members, $1.channel) > ($1.members, $0.channel) }
        daysToFirst.sort()
        if !daysToFirst.isEmpty {
            let mid = daysToFirst.count / 2
            report.medianDaysToFirstPurchase = daysToFirst.count % 2 == 1
                ? Double(daysToFirst[mid]) : Double(daysToFirst[mid - 1] + daysToFirst[mid]) / 2
        }
        return report
    }

    /// Every member with their consumer in `snapshot` (through the identity key they are known by).
    public static func subjects(in workspace: Workspace, snapshot: Snapshot) throws(MemberError) -> [Subject] {
        try MemberStore.read(workspace.catalogue) { db in
            try Row.fetchAll(
                db, sql: """
                    SELECT m.key, k.consumer_id, m.joined_at, m.left_at, m.channel, m.referrer FROM member m
                    LEFT JOIN identity_key k ON k.id = \(IdentityKeyIndex.keyIDSQL(type: "m.key_type", value: "m.key_value"))
                    ORDER BY m.key
                    """
            ).map { row in
                let consumer: Int64? = row[1]
                return Subject(
                    key: row[0], consumer: consumer.flatMap { snapshot.denseIndex(ofConsumer: UInt32($0)) }, joinedAt: row[2],
                    leftAt: row[3], channel: row[4], referrer: row[5])
            }
        }
    }
}
